import datetime

import pytest
import time_machine
from django.utils import timezone

from fazhi.activities.models import Activity, Kind
from fazhi.alerts import checks
from fazhi.alerts.models import Alert
from fazhi.alerts.services import NOTICE_KIND, notice_key
from fazhi.alerts.tests.conftest import keys, left_class, recipients, run
from fazhi.assignments.models import Assignment, Policy
from fazhi.notices.models import Notification

pytestmark = pytest.mark.django_db


def later(days):
    return time_machine.travel(timezone.now() + datetime.timedelta(days=days), tick=False)


# ---- uncovered classes ---------------------------------------------------------------------------

def test_uncovered_class_past_limit_goes_to_committee_and_liaison_once(world, no_quota_alerts):
    no_quota_alerts(checks.uncovered_classes)
    handover = left_class(world, days_ago=8)  # limit 7
    key = f"uncovered:{world.klass.pk}:{handover.pk}"
    run()
    assert key in keys()
    assert recipients(key) == {"committee", "liaison"}
    run()
    run()
    assert Alert.objects.filter(key=key).count() == 1
    notices = Notification.objects.filter(key=notice_key(key))
    assert sorted(n.user.username for n in notices) == ["committee", "liaison"]
    assert notices.first().kind == NOTICE_KIND[Alert.Kind.UNCOVERED_CLASS]
    assert not Notification.objects.filter(user=world.outsider).exists()


def test_uncovered_class_within_limit_or_other_policy(world, no_quota_alerts):
    no_quota_alerts(checks.uncovered_classes)
    left_class(world, days_ago=5)
    run()
    assert keys() == set()
    Policy.objects.create(region=world.jiuquan, uncovered_limit_days=3)
    run()
    assert {k.split(":")[1] for k in keys()} == {str(world.klass.pk)}


def test_class_never_covered_counts_from_creation(world, no_quota_alerts):
    no_quota_alerts(checks.uncovered_classes)
    run()
    assert keys() == set()
    with later(8):
        run()
    expected = {f"uncovered:{k.pk}:0" for k in (world.klass, world.klass2, world.klass3, world.other_class)}
    assert keys() == expected
    assert recipients(f"uncovered:{world.other_class.pk}:0") == {"outsider"}
    assert recipients(f"uncovered:{world.klass.pk}:0") == {"committee"}


def test_uncovered_alert_resolves_when_class_is_covered(world, no_quota_alerts):
    no_quota_alerts(checks.uncovered_classes)
    handover = left_class(world, days_ago=10)
    run()
    key = f"uncovered:{world.klass.pk}:{handover.pk}"
    assert key in keys()
    replacement = Assignment.objects.create(
        officer=world.officer2, school=world.school, school_class=world.klass, school_year=world.klass.school_year,
        exception_reason="临时", status=Assignment.Status.ACTIVE, load_slot=1, starts_on=timezone.localdate())
    handover.closed_on = timezone.localdate()
    handover.replacement = replacement
    handover.save()
    result = run()
    assert result.resolved == 1
    alert = Alert.objects.get(key=key)
    assert alert.resolved_at is not None
    run()
    assert Notification.objects.filter(key=notice_key(key)).count() == 2  # still only the first two


# ---- idle officers -------------------------------------------------------------------------------

def test_idle_officer_goes_to_officer_and_liaison(tipworld, no_quota_alerts):
    w = tipworld
    no_quota_alerts(checks.idle_officers)
    with later(29):
        run()
        assert keys() == set()
    with later(31):
        run()
        (key,) = keys()
        assert key == f"idle:{w.officer.pk}"
        assert recipients(key) == {"officer", "liaison"}
        Activity.objects.create(kind=Kind.TALK, date=timezone.localdate(), school=w.school, officer=w.officer)
        run()
        assert keys() == set()
        assert Alert.objects.get(key=key).resolved_at is not None
    with later(62):  # idle again: the officer's alert reopens (without a second notice)
        run()
        (again,) = keys()
        assert again == key and Alert.objects.get(key=key).resolved_at is None


def test_a_backdated_activity_does_not_send_the_idle_alert_again(tipworld, no_quota_alerts):
    no_quota_alerts(checks.idle_officers)
    with later(61):
        run()
        sent = Notification.objects.count()
        Activity.objects.create(kind=Kind.TALK, date=timezone.localdate() - datetime.timedelta(days=40),
                                school=tipworld.school, officer=tipworld.officer)
        run()
        assert keys() == {f"idle:{tipworld.officer.pk}"} and Notification.objects.count() == sent


def test_idle_days_setting_and_officers_without_class(tipworld, settings, no_quota_alerts):
    no_quota_alerts(checks.idle_officers)
    settings.ALERT_IDLE_DAYS = 5
    with later(6):
        run()
    # 张静 (police) holds no class: never idle in this sense
    assert [k.split(":")[1] for k in keys()] == [str(tipworld.officer.pk)]


# ---- tips past their deadlines -------------------------------------------------------------------

def clue(w, **kw):
    from fazhi.tips import services

    return services.register_clue(by=w.committee_admin, school=w.school, school_class=w.klass, channel="box",
                                  category="physical", description="纸条：有人被打", **kw)


def test_tip_not_acknowledged_goes_to_officer_school_and_committee(tipworld, no_quota_alerts):
    w = tipworld
    no_quota_alerts(checks.overdue_tips)
    tip = clue(w)
    run()
    assert keys() == set()
    with later(2):
        run()
        key = f"tip:{tip.pk}:ack"
        assert keys() == {key}
        assert recipients(key) == {"officer", "schooladmin", "committee"}
        alert = Alert.objects.get(key=key)
        assert alert.label == tip.number and alert.url == f"/cases/{tip.pk}/"
        from fazhi.tips import services

        services.acknowledge(tip.case, by=w.school_admin)
        run()
        assert keys() == set()


def test_overdue_case_with_owner_goes_to_owner(tipworld, no_quota_alerts):
    w = tipworld
    no_quota_alerts(checks.overdue_tips)
    from fazhi.tips import services

    tip = clue(w)
    services.start_investigation(tip.case, by=w.officer_user)
    with later(120):
        run()
        (key,) = keys()
        assert key.startswith(f"tip:{tip.pk}:decide:")
        assert recipients(key) == {"officer", "committee"}


def test_run_escalates_urgent_tips(tipworld, no_quota_alerts):
    no_quota_alerts()
    tip = clue(tipworld, in_danger=True)
    with later(1):
        result = run()
    assert result.escalated == 1
    tip.case.refresh_from_db()
    assert tip.case.escalation_level > 1


# ---- rectifications ------------------------------------------------------------------------------

# ---- quotas --------------------------------------------------------------------------------------

@time_machine.travel(datetime.datetime(2026, 11, 20, 10, tzinfo=datetime.UTC), tick=False)
def test_quota_behind_after_mid_semester(world, no_quota_alerts):
    no_quota_alerts(checks.behind_quotas)
    run()
    school_key = f"quota:school:{world.school.pk}:2026autumn"
    class_key = f"quota:class:{world.klass.pk}:2026autumn"
    assert {school_key, class_key} <= keys()
    assert recipients(school_key) == {"schooladmin", "committee"}
    assert recipients(class_key) == {"schooladmin"}  # the committee gets the school-level alert only
    assert recipients(f"quota:school:{world.other_school.pk}:2026autumn") == {"outsider"}
    # one class meeting for the whole school: the school has its session, each class half its meetings
    Activity.objects.create(kind=Kind.CLASS_MEETING, date=datetime.date(2026, 11, 19), school=world.school,
                            whole_school=True)
    run()
    assert school_key not in keys() and class_key not in keys()
    assert f"quota:school:{world.school2.pk}:2026autumn" in keys()


@time_machine.travel(datetime.datetime(2026, 10, 1, 10, tzinfo=datetime.UTC), tick=False)
def test_no_quota_alert_before_mid_semester(world, no_quota_alerts):
    no_quota_alerts(checks.behind_quotas)
    run()
    assert keys() == set()


def test_rectification_overdue_goes_to_the_responsible_and_committee(world, no_quota_alerts):
    from fazhi.oversight.models import ChecklistTemplate, Finding, Inspection

    no_quota_alerts(checks.overdue_rectifications)
    template = ChecklistTemplate.objects.first()
    if template is None:
        pytest.skip("no checklist template to plan an inspection with")
    inspection = Inspection.objects.create(region=world.dunhuang, title="联合检查", date=timezone.localdate(),
                                           agencies=[], template=template)
    today = timezone.localdate()
    at_school = Finding.objects.create(inspection=inspection, school=world.school, description="x", requirement="y",
                                       deadline=today - datetime.timedelta(days=1))
    of_officer = Finding.objects.create(inspection=inspection, officer=world.officer, description="x",
                                        requirement="y", deadline=today - datetime.timedelta(days=3))
    Finding.objects.create(inspection=inspection, unit=world.court, description="x", requirement="y",
                           deadline=today + datetime.timedelta(days=3))
    run()
    school_key = f"rectification:{at_school.pk}:{at_school.deadline.isoformat()}"
    officer_key = f"rectification:{of_officer.pk}:{of_officer.deadline.isoformat()}"
    assert keys() == {school_key, officer_key}
    assert recipients(school_key) == {"schooladmin", "committee"}
    assert recipients(officer_key) == {"officer", "liaison", "committee"}
    assert Alert.objects.get(key=school_key).url == f"/oversight/findings/{at_school.pk}/"
    at_school.rectified_on = today
    at_school.save()
    run()
    assert keys() == {officer_key}
