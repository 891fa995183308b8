"""Where notifications go besides the in-app list. `settings.NOTIFY_BACKENDS` names the backends (dotted
paths); each is called after the transaction that created the notification has committed, and a failing
backend is logged without undoing anything. None of them is given any content beyond the notice's kind,
subject and link.

- LogBackend (the default): one line per notice on the `fazhi.notices` logger.
- EmailBackend: an email to the user's address, if they have one, through Django's mail settings.
- WebhookBackend: a JSON POST to `settings.NOTIFY_WEBHOOK_URL` (an SMS gateway or a chat bot behind it).
"""

import json
import logging
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

log = logging.getLogger("fazhi.notices")


class LogBackend:
    def send(self, notification) -> None:
        log.info("notice %s to user %s: %s %s", notification.kind, notification.user_id, notification.subject,
                 notification.url)


class EmailBackend:
    def send(self, notification) -> None:
        email = notification.user.email
        if not email:
            return
        send_mail(str(notification.get_kind_display()), f"{notification.subject}\n{absolute(notification.url)}",
                  None, [email])


class WebhookBackend:
    timeout = 5

    def send(self, notification) -> None:
        url = getattr(settings, "NOTIFY_WEBHOOK_URL", "")
        if not url:
            return
        body = json.dumps({"kind": notification.kind, "user": notification.user.username,
                           "phone": notification.user.phone or "", "subject": notification.subject,
                           "url": absolute(notification.url)}).encode()
        if not url.startswith(("https://", "http://")):
            raise ValueError("NOTIFY_WEBHOOK_URL must be an http(s) URL")
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=self.timeout):  # noqa: S310 — http(s) checked above  # nosec B310
            pass


def absolute(url: str) -> str:
    return settings.PUBLIC_BASE_URL + url


def backends() -> list:
    return [import_string(path)() for path in getattr(settings, "NOTIFY_BACKENDS", [])]


def deliver(notifications) -> None:
    for backend in backends():
        for notification in notifications:
            try:
                backend.send(notification)
            except Exception:  # a gateway being down must not lose the in-app notice or the tip
                log.exception("notice backend %s failed for notification %s", type(backend).__name__,
                              notification.pk)
