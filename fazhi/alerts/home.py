"""The home page's alerts section (`fazhi.accounts.home`): the user's open alerts."""

from django.urls import reverse
from django.utils.translation import gettext as _

from fazhi.alerts.models import Alert

SHOWN = 10


def open_alerts(user):
    return Alert.objects.for_user(user).open().order_by("-opened_at", "-pk")


def home_section(user) -> dict | None:
    """`{"title", "figures", "todo", "empty"}` like the other home sections; None if the user has no open
    alert. Two queries."""
    alerts = list(open_alerts(user)[:SHOWN + 1])
    if not alerts:
        return None
    todo = [(f"{a.get_kind_display()} · {a.label}", a.safe_url) for a in alerts[:SHOWN]]
    count = len(alerts) if len(alerts) <= SHOWN else open_alerts(user).count()
    if count > SHOWN:
        todo.append((_("All %(n)s open alerts") % {"n": count}, reverse("alerts:list")))
    return {
        "title": _("Alerts"),
        "figures": [(_("Open alerts"), count, reverse("alerts:list"))],
        "todo": todo,
        "empty": "",
    }
