"""Sending notifications: in-app always, then the configured backends once the transaction commits."""

from django.db import transaction

from fazhi.notices import backends
from fazhi.notices.models import Notification


def notify(users, *, kind: str, subject: str, url: str, key: str) -> list[Notification]:
    """Notify each user once per `key`: a user who already has a notice with this key gets nothing new.
    Returns the notices created."""
    users = {u.pk: u for u in users if u.is_active}
    if not users:
        return []
    already = set(Notification.objects.filter(user_id__in=users, key=key).values_list("user_id", flat=True))
    fresh = [Notification(user=u, kind=kind, subject=subject, url=url, key=key)
             for pk, u in users.items() if pk not in already]
    created = Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    if created:
        transaction.on_commit(lambda: backends.deliver(created))
    return created
