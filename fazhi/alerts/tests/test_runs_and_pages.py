import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fazhi.alerts import checks, services
from fazhi.alerts.home import home_section
from fazhi.alerts.models import Alert
from fazhi.alerts.services import DIGEST_KIND, notice_key
from fazhi.alerts.tests.conftest import keys, left_class, run
from fazhi.notices.models import Notification
from fazhi.org.models import SchoolClass

pytestmark = pytest.mark.django_db


def test_concurrent_runs_open_and_notify_once(world, no_quota_alerts):
    """Two runs that both found the condition before either wrote: one alert, one notice per recipient."""
    no_quota_alerts(checks.uncovered_classes)
    handover = left_class(world, days_ago=9)
    now = timezone.now()
    first, _ = services.find(now)
    second, _ = services.find(now)
    kinds = [Alert.Kind.UNCOVERED_CLASS]
    services.apply(first, kinds, now, services.Result())
    result = services.Result()
    services.apply(second, kinds, now, result)
    assert result.opened == 0 and result.notified == 0
    key = f"uncovered:{world.klass.pk}:{handover.pk}"
    assert Alert.objects.filter(key=key).count() == 1
    assert Notification.objects.filter(key=notice_key(key)).count() == 2


def test_alert_created_meanwhile_by_another_run_is_not_duplicated(world, no_quota_alerts):
    no_quota_alerts(checks.uncovered_classes)
    handover = left_class(world, days_ago=9)
    key = f"uncovered:{world.klass.pk}:{handover.pk}"
    Alert.objects.create(key=key, kind=Alert.Kind.UNCOVERED_CLASS, label="x", url="/", region="620982")
    run()
    assert Alert.objects.filter(key=key).count() == 1
    # its recipients are added and told once
    assert set(Alert.objects.get(key=key).recipients.values_list("username", flat=True)) == {"committee", "liaison"}
    run()
    assert Notification.objects.filter(key=notice_key(key)).count() == 2


def test_reopened_condition_does_not_notify_again(world, no_quota_alerts):
    no_quota_alerts(checks.uncovered_classes)
    handover = left_class(world, days_ago=9)
    run()
    key = f"uncovered:{world.klass.pk}:{handover.pk}"
    Alert.objects.filter(key=key).update(resolved_at=timezone.now())
    result = run()
    assert result.reopened == 1 and result.notified == 0
    assert key in keys()


def test_new_recipient_joins_open_alert_and_removed_one_leaves(world, no_quota_alerts):
    from fazhi.conftest import make_user

    no_quota_alerts(checks.uncovered_classes)
    handover = left_class(world, days_ago=9)
    run()
    key = f"uncovered:{world.klass.pk}:{handover.pk}"
    newcomer = make_user("committee2", "committee_admin", region=world.jiuquan)
    run()
    assert Notification.objects.filter(key=notice_key(key), user=newcomer).count() == 1
    world.liaison.is_active = False
    world.liaison.save()
    run()
    assert set(Alert.objects.get(key=key).recipients.values_list("username", flat=True)) == {"committee",
                                                                                             "committee2"}


def test_query_count_does_not_grow_with_alerts(world, no_quota_alerts):
    no_quota_alerts(checks.uncovered_classes, checks.idle_officers, checks.behind_quotas)

    def steady():
        run()
        with CaptureQueriesContext(connection) as ctx:
            run()
        return len(ctx)

    with time_machine.travel(timezone.now() + datetime.timedelta(days=10), tick=False):
        few = steady()
        for n in range(1, 9):
            SchoolClass.objects.create(school=world.school2, grade=5, number=n,
                                       school_year=world.klass.school_year)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=20), tick=False):
        many = steady()
    assert many <= few + 2  # + a policy lookup per new region at most; not per class
    assert many < 40


# ---- digest --------------------------------------------------------------------------------------

MONDAY = datetime.datetime(2026, 11, 30, 9, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


def digests():
    return sorted(Notification.objects.filter(kind=DIGEST_KIND).values_list("user__username", "subject"))


def test_weekly_digest_once_per_week(world):
    with time_machine.travel(MONDAY - datetime.timedelta(hours=2), tick=False):  # Monday 07:00
        services.run(escalate=False)
    assert digests() == []
    with time_machine.travel(MONDAY, tick=False):
        services.run(escalate=False)
        services.run(escalate=False)
    assert digests() == [("committee", "2026-W49"), ("outsider", "2026-W49")]
    with time_machine.travel(MONDAY + datetime.timedelta(days=3), tick=False):
        services.run(escalate=False, digest=True)
    assert len(digests()) == 2
    with time_machine.travel(MONDAY + datetime.timedelta(days=7), tick=False):
        services.run(escalate=False)
    assert len(digests()) == 4


def test_digest_command_flag(world):
    from django.core.management import call_command

    with time_machine.travel(MONDAY - datetime.timedelta(hours=2), tick=False):
        call_command("run_alerts", "--no-digest")
        assert digests() == []
        call_command("run_alerts", "--digest")
        call_command("run_alerts", "--digest")
    assert len(digests()) == 2


def test_digest_page_is_for_committee_of_the_region(client, world, no_quota_alerts):
    no_quota_alerts(checks.uncovered_classes)
    left_class(world, days_ago=9)
    run()
    Alert.objects.create(key="other", kind=Alert.Kind.IDLE_OFFICER, label="赵强", url="/", region="620902")
    client.force_login(world.committee_admin)
    page = client.get("/alerts/digest/")
    assert page.status_code == 200
    body = page.content.decode()
    assert world.klass.name in body and "赵强" not in body
    assert page.context["total_open"] == 1
    client.force_login(world.outsider)
    assert "赵强" in client.get("/alerts/digest/").content.decode()
    for user in (world.officer_user, world.liaison, world.school_admin, world.nobody):
        client.force_login(user)
        assert client.get("/alerts/digest/").status_code == 404


# ---- pages ---------------------------------------------------------------------------------------

def make(key, kind=Alert.Kind.UNCOVERED_CLASS, users=(), resolved=False, url="/classes/1/"):
    alert = Alert.objects.create(key=key, kind=kind, label=key, url=url, region="620982",
                                 resolved_at=timezone.now() if resolved else None)
    alert.recipients.set(users)
    return alert


def test_list_shows_only_own_alerts_with_filters(client, world):
    mine = make("mine", users=[world.liaison])
    make("done", users=[world.liaison], resolved=True)
    make("idle", kind=Alert.Kind.IDLE_OFFICER, users=[world.liaison])
    make("theirs", users=[world.committee_admin])
    client.force_login(world.liaison)
    page = client.get("/alerts/")
    assert {a.key for a in page.context["page_obj"]} == {"mine", "idle"}
    page = client.get("/alerts/?kind=uncovered_class")
    assert [a.key for a in page.context["page_obj"]] == ["mine"]
    page = client.get("/alerts/?resolved=1")
    assert {a.key for a in page.context["page_obj"]} == {"mine", "idle", "done"}
    assert client.get(f"/alerts/{mine.pk}/")["Location"] == "/classes/1/"
    client.force_login(world.outsider)
    assert client.get(f"/alerts/{mine.pk}/").status_code == 404
    assert client.get("/alerts/").context["page_obj"].paginator.count == 0


def test_list_paginates_with_bounded_queries(client, world, django_assert_max_num_queries):
    for n in range(60):
        make(f"a{n}", users=[world.committee_admin])
    client.force_login(world.committee_admin)
    with django_assert_max_num_queries(12):
        page = client.get("/alerts/?page=2")
    assert len(page.context["page_obj"]) == 25


def test_offsite_url_is_never_followed(client, world):
    alert = make("evil", users=[world.liaison], url="//evil.example/")
    client.force_login(world.liaison)
    assert client.get(f"/alerts/{alert.pk}/")["Location"] == "/"


def test_home_section(world, django_assert_max_num_queries):
    assert home_section(world.liaison) is None
    for n in range(12):
        make(f"h{n}", users=[world.liaison])
    make("resolved", users=[world.liaison], resolved=True)
    with django_assert_max_num_queries(2):
        section = home_section(world.liaison)
    assert set(section) >= {"title", "figures", "todo", "empty"}
    assert len(section["todo"]) == 11 and section["figures"][0][1] == 12
    assert home_section(world.committee_admin) is None


def test_home_include_renders(rf, world):
    from django.template.loader import render_to_string

    make("inc", users=[world.liaison])
    from fazhi.alerts.home import open_alerts

    html = render_to_string("alerts/_home.html", {"alerts_open": open_alerts(world.liaison)})
    assert "inc" in html and "/alerts/" in html
    assert render_to_string("alerts/_home.html", {"alerts_open": []}).strip() == ""


@pytest.mark.parametrize("week", ["9999-W52", "1-W1", "2026-W99", "x"])
def test_an_impossible_digest_week_is_not_an_error(client, world, week):
    client.force_login(world.committee_admin)
    assert client.get("/alerts/digest/", {"week": week}).status_code == 200
