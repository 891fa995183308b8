import datetime

import pytest
from django.utils import timezone

from fazhi.assignments.models import Assignment, Handover, Pairing
from fazhi.tips.tests.conftest import tipworld  # noqa: F401 (fixture)


def run(**kwargs):
    from fazhi.alerts.services import run as run_alerts

    kwargs.setdefault("digest", False)
    return run_alerts(**kwargs)


def keys(kind=None):
    from fazhi.alerts.models import Alert

    qs = Alert.objects.open()
    if kind:
        qs = qs.filter(kind=kind)
    return set(qs.values_list("key", flat=True))


def recipients(key):
    from fazhi.alerts.models import Alert

    return set(Alert.objects.get(key=key).recipients.values_list("username", flat=True))


def left_class(world, *, days_ago: int, klass=None):
    """The court's officer held the class and left it `days_ago` days ago: an open handover."""
    klass = klass or world.klass
    today = timezone.localdate()
    pairing, _ = Pairing.objects.get_or_create(unit=world.court, school=klass.school, school_year=klass.school_year)
    ended = Assignment.objects.create(
        officer=world.officer, school=klass.school, school_class=klass, school_year=klass.school_year,
        pairing=pairing, status=Assignment.Status.ENDED, starts_on=today - datetime.timedelta(days=days_ago + 30),
        ended_on=today - datetime.timedelta(days=days_ago), end_reason=Assignment.EndReason.TRANSFER)
    return Handover.objects.create(school_class=klass, ended_assignment=ended,
                                   opened_on=today - datetime.timedelta(days=days_ago))


@pytest.fixture
def no_quota_alerts(monkeypatch):
    """Most tests are about one check: the others are left out (quota alerts would otherwise fire for every
    school this late in the autumn semester)."""
    from fazhi.alerts import checks

    def only(*wanted):
        monkeypatch.setattr(checks, "CHECKS", tuple(wanted))
    return only
