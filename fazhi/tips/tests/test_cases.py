"""Handlers work a case from arrival to decision within the deadlines: who sees it, who is told, escalation of
urgent tips, the workflow and its rules, the clue register, overdue lists and the figures."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from fazhi.accounts.models import Membership, Role
from fazhi.conftest import make_user
from fazhi.notices.models import Notification
from fazhi.tips import receipts, services
from fazhi.tips.models import Case, CaseEvent, CasePolicy, ConfiscatedItem, Tip
from fazhi.tips.stats import tip_figures

pytestmark = pytest.mark.django_db


def online_tip(world, klass=None, **fields):
    data = {"category": "physical", "description": "有人在厕所打人", **fields}
    return services.submit_tip(school_class=klass or world.klass, channel="qr",
                               idempotency_key=receipts.new_idempotency_key(), **data).tip


# ---- who sees a tip ---------------------------------------------------------------------------------

def test_each_persona_sees_exactly_the_tips_of_its_scope(tipworld):
    w = tipworld
    mine = online_tip(w)
    other_class = online_tip(w, klass=w.klass2)
    other_school = online_tip(w, klass=w.klass3)
    about_staff = online_tip(w, category="staff", description="老师骂学生")
    elsewhere = online_tip(w, klass=w.other_class)
    expected = {
        "committee_admin": {mine, other_class, other_school, about_staff},
        "education_staff": {mine, other_class, other_school, about_staff},
        "liaison": {mine, other_class, about_staff},  # the court is paired with the second middle school
        "officer": {mine, about_staff},  # the officer's own class
        "school_admin": {mine, other_class},  # not the report about the school's staff
        "teacher": set(),
        "inspector": set(),
        "outsider": {elsewhere},  # the committee of the neighbouring county sees its own county's only
    }
    for name, user in w.personas.items():
        assert set(Tip.objects.visible_to(user)) == expected[name], name
    assert elsewhere in Tip.objects.visible_to(w.superuser)


def test_outsiders_get_404_on_every_case_page_and_action(client, tipworld):
    tip = online_tip(tipworld)
    for user in (tipworld.outsider, tipworld.inspector, tipworld.teacher, tipworld.nobody):
        client.force_login(user)
        assert client.get(f"/cases/{tip.pk}/").status_code == 404
        for action in ("acknowledge", "investigate", "urgent", "decide", "close", "appeal", "note", "message",
                       "handover", "items"):
            assert client.post(f"/cases/{tip.pk}/{action}/").status_code == 404, (user, action)
    tip.case.refresh_from_db()
    assert tip.case.status == "received" and not CaseEvent.objects.filter(kind="note").exists()


def test_a_teacher_enters_a_slip_from_the_class_box_and_can_read_only_that(client, tipworld):
    client.force_login(tipworld.teacher)
    response = client.post("/cases/new/", {"channel": "box", "school_class": tipworld.klass.pk,
                                           "category": "exclusion", "description": "纸条：有同学被孤立"})
    tip = Tip.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{tip.pk}/"
    assert tip.entered_by == tipworld.teacher and tip.school == tipworld.school
    page = client.get(f"/cases/{tip.pk}/")
    assert page.status_code == 200 and not page.context["can_edit"]
    assert client.post(f"/cases/{tip.pk}/acknowledge/").status_code == 404
    other = online_tip(tipworld)
    assert client.get(f"/cases/{other.pk}/").status_code == 404
    # the officer of the class was told, with a link and no content
    notice = Notification.objects.get(user=tipworld.officer_user, key=f"tip:{tip.pk}:new")
    assert notice.url == f"/cases/{tip.pk}/" and "孤立" not in notice.subject


def test_a_clue_can_be_named_and_concern_a_whole_school(client, tipworld):
    client.force_login(tipworld.committee_admin)
    response = client.post("/cases/new/", {"channel": "phone", "school": tipworld.school2.pk, "category": "hazard",
                                           "description": "家长来电：校门口车速太快", "reporter_name": "张女士",
                                           "reporter_contact": "13900000000", "reporter_role": "parent"})
    assert response.status_code == 302
    tip = Tip.objects.get()
    assert tip.school_class is None and tip.reporter_name == "张女士"
    assert "张女士" in client.get(f"/cases/{tip.pk}/").content.decode()


def test_a_clue_needs_a_class_or_a_school_in_scope(client, tipworld):
    client.force_login(tipworld.school_admin)
    response = client.post("/cases/new/", {"channel": "talk", "category": "physical", "description": "谈话中得知"})
    assert response.status_code == 200 and "school_class" in response.context["form"].errors
    response = client.post("/cases/new/", {"channel": "talk", "school_class": tipworld.klass3.pk,
                                           "category": "physical", "description": "谈话中得知"})
    assert "school_class" in response.context["form"].errors  # another school's class
    response = client.post("/cases/new/", {"channel": "qr", "school_class": tipworld.klass.pk,
                                           "category": "physical", "description": "谈话中得知"})
    assert "channel" in response.context["form"].errors  # staff cannot pretend a clue came from the tip line
    assert Tip.objects.count() == 0


# ---- the workflow ---------------------------------------------------------------------------------

def test_the_officer_works_a_case_to_a_decision_and_closes_it(client, tipworld):
    tip = online_tip(tipworld)
    client.force_login(tipworld.officer_user)
    assert client.post(f"/cases/{tip.pk}/acknowledge/").status_code == 302
    case = Case.objects.get(pk=tip.pk)
    assert case.status == "acknowledged" and case.owner == tipworld.officer_user and case.acknowledged_at
    client.post(f"/cases/{tip.pk}/investigate/")
    case.refresh_from_db()
    assert case.status == "investigating"
    assert case.investigation_due - case.investigation_started_at == datetime.timedelta(days=10)

    # whether it is bullying is the governance committee's decision: its date is required
    today = timezone.localdate().isoformat()
    response = client.post(f"/cases/{tip.pk}/decide/", {"conclusion": "bullying", "decision": "批评教育"})
    assert response.status_code == 400 and "committee_decided_on" in response.context["decision_form"].errors
    response = client.post(f"/cases/{tip.pk}/decide/", {
        "conclusion": "bullying", "committee_decided_on": today, "response": "education",
        "parents_notified_on": today, "counselling": "on", "decision": "认定为欺凌，批评教育，通知双方家长。"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "decided" and case.conclusion == "bullying" and case.counselling

    client.post(f"/cases/{tip.pk}/items/", {"kind": "controlled_knife", "count": 2, "seized_on": today})
    assert ConfiscatedItem.objects.get().count == 2
    client.post(f"/cases/{tip.pk}/close/", {"note": "已办结"})
    case.refresh_from_db()
    assert case.status == "closed" and case.closed_at
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds[:1] == ["received"] and {"acknowledged", "investigating", "decided", "items", "closed"} <= set(kinds)


def test_an_appeal_reopens_the_case_for_a_recheck(client, tipworld):
    tip = online_tip(tipworld, category="other")
    case = tip.case
    services.acknowledge(case, by=tipworld.school_admin)
    services.decide(case, by=tipworld.school_admin, conclusion="unfounded", decision="查无实据")
    client.force_login(tipworld.school_admin)
    response = client.post(f"/cases/{tip.pk}/appeal/", {"appealed_on": timezone.localdate().isoformat(),
                                                         "note": "举报人家长申诉"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "recheck" and case.investigation_due
    response = client.post(f"/cases/{tip.pk}/decide/", {"conclusion": "not_bullying", "decision": "复查后维持"})
    assert response.status_code == 400  # the re-check result is required
    client.post(f"/cases/{tip.pk}/decide/", {"conclusion": "not_bullying", "decision": "复查",
                                             "recheck_result": "复查后认定为同学间玩闹，维持原结论"})
    case.refresh_from_db()
    assert case.status == "decided" and case.recheck_result
    assert case.events.filter(kind="rechecked").exists()


def test_a_referral_needs_the_date_of_the_police_report(client, tipworld):
    tip = online_tip(tipworld, category="violence")
    services.acknowledge(tip.case, by=tipworld.officer_user)
    client.force_login(tipworld.officer_user)
    response = client.post(f"/cases/{tip.pk}/decide/", {"conclusion": "referred"})
    assert "police_reported_on" in response.context["decision_form"].errors
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.post(f"/cases/{tip.pk}/decide/", {"conclusion": "referred", "police_reported_on": tomorrow})
    assert "police_reported_on" in response.context["decision_form"].errors
    assert Case.objects.get(pk=tip.pk).status == "acknowledged"


def test_two_handlers_acknowledging_at_once_give_one_owner(tipworld):
    tip = online_tip(tipworld)
    first = Case.objects.get(pk=tip.pk)
    second = Case.objects.get(pk=tip.pk)
    services.acknowledge(first, by=tipworld.officer_user)
    with pytest.raises(services.WorkflowError):
        services.acknowledge(second, by=tipworld.school_admin)
    assert Case.objects.get(pk=tip.pk).owner == tipworld.officer_user


def test_a_stale_button_shows_a_message_not_an_error(client, tipworld):
    tip = online_tip(tipworld)
    services.acknowledge(tip.case, by=tipworld.officer_user)
    client.force_login(tipworld.school_admin)
    response = client.post(f"/cases/{tip.pk}/acknowledge/", follow=True)
    assert response.status_code == 200
    assert any("moved on" in str(m) or "已" in str(m) for m in response.context["messages"])


def test_a_case_is_handed_over_only_to_someone_on_its_contact_list(client, tipworld):
    tip = online_tip(tipworld)
    services.acknowledge(tip.case, by=tipworld.officer_user)
    client.force_login(tipworld.officer_user)
    client.post(f"/cases/{tip.pk}/handover/", {"to": tipworld.outsider.pk})
    assert Case.objects.get(pk=tip.pk).owner == tipworld.officer_user
    client.post(f"/cases/{tip.pk}/handover/", {"to": tipworld.school_admin.pk, "note": "学校牵头调查"})
    assert Case.objects.get(pk=tip.pk).owner == tipworld.school_admin
    assert Notification.objects.filter(user=tipworld.school_admin, kind="case_handed_over").count() == 1


def test_internal_notes_and_messages_stay_apart(client, tipworld):
    tip = online_tip(tipworld)
    client.force_login(tipworld.officer_user)
    client.post(f"/cases/{tip.pk}/note/", {"text": "班主任反映该生近期情绪低落"})
    client.post(f"/cases/{tip.pk}/message/", {"body": "我们已经在处理，请放心。"})
    assert list(tip.messages.values_list("body", flat=True)) == ["我们已经在处理，请放心。"]
    assert CaseEvent.objects.filter(kind="note", text="班主任反映该生近期情绪低落").exists()


def test_a_staff_entered_clue_has_no_message_thread(tipworld):
    tip = services.register_clue(by=tipworld.committee_admin, school=tipworld.school, channel="phone",
                                 category="other", description="来电反映")
    with pytest.raises(services.WorkflowError):
        services.message_reporter(tip.case, by=tipworld.committee_admin, body="你好")


def test_tips_are_never_deleted(tipworld):
    from django.db.models import ProtectedError

    tip = online_tip(tipworld)
    with pytest.raises(ProtectedError):
        tip.delete()
    with pytest.raises(ProtectedError):
        tipworld.klass.delete()


# ---- urgent tips and escalation ---------------------------------------------------------------------

def test_an_unacknowledged_urgent_tip_escalates_once_per_step_until_acknowledged(tipworld):
    w = tipworld
    with time_machine.travel(timezone.now(), tick=False) as clock:
        tip = online_tip(w, in_danger=True)
        assert set(Notification.objects.values_list("user__username", flat=True)) == {"officer", "schooladmin"}
        call_command("escalate_tips")  # not yet due
        assert Notification.objects.count() == 2
        clock.shift(datetime.timedelta(minutes=31))
        call_command("escalate_tips")
        call_command("escalate_tips")  # running twice changes nothing
        assert Notification.objects.filter(kind="escalated_tip").get().user == w.liaison
        clock.shift(datetime.timedelta(minutes=31))
        call_command("escalate_tips")
        assert Notification.objects.filter(kind="escalated_tip", user=w.committee_admin).count() == 1
        clock.shift(datetime.timedelta(minutes=31))
        call_command("escalate_tips")
        assert Notification.objects.filter(kind="escalated_tip").count() == 2  # the list is done
        assert Case.objects.get(pk=tip.pk).next_escalation_at is None

        second = online_tip(w, in_danger=True)
        services.acknowledge(second.case, by=w.officer_user)
        clock.shift(datetime.timedelta(hours=2))
        call_command("escalate_tips")
        assert not Notification.objects.filter(kind="escalated_tip", key__startswith=f"tip:{second.pk}:").exists()


def test_a_tip_with_nobody_at_the_school_goes_up_at_once(tipworld):
    Membership.objects.filter(role__in=[Role.OFFICER, Role.SCHOOL_ADMIN]).delete()
    online_tip(tipworld, in_danger=True)
    assert list(Notification.objects.values_list("user__username", "kind")) == [("liaison", "urgent_tip")]
    Membership.objects.filter(role=Role.LIAISON).delete()
    tip = online_tip(tipworld)
    assert list(Notification.objects.filter(key=f"tip:{tip.pk}:new").values_list("user__username", "kind")) == [
        ("committee", "new_tip")]


def test_a_report_about_staff_goes_to_the_education_bureau_not_the_school(tipworld):
    online_tip(tipworld, category="staff", description="老师体罚学生")
    assert set(Notification.objects.values_list("user__username", flat=True)) == {"officer", "education"}


def test_escalation_follows_the_regions_deadlines(tipworld):
    CasePolicy.objects.create(region=tipworld.dunhuang, escalation_minutes=5, acknowledge_hours=2)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        tip = online_tip(tipworld, in_danger=True)
        assert tip.case.acknowledge_due - tip.created_at == datetime.timedelta(hours=2)
        clock.shift(datetime.timedelta(minutes=6))
        call_command("escalate_tips")
        assert Notification.objects.filter(kind="escalated_tip", user=tipworld.liaison).exists()


def test_notifications_go_to_the_configured_backends_without_content(tipworld, settings, caplog, django_capture_on_commit_callbacks):
    settings.NOTIFY_BACKENDS = ["fazhi.notices.backends.LogBackend"]
    with caplog.at_level("INFO", logger="fazhi.notices"), django_capture_on_commit_callbacks(execute=True):
        online_tip(tipworld, description="秘密内容：厕所打人")
    assert "notice new_tip" in caplog.text and "秘密内容" not in caplog.text and "厕所" not in caplog.text


def test_a_failing_backend_loses_nothing(tipworld, settings, django_capture_on_commit_callbacks):
    settings.NOTIFY_BACKENDS = ["fazhi.notices.backends.WebhookBackend"]
    settings.NOTIFY_WEBHOOK_URL = "http://127.0.0.1:9/unreachable"
    with django_capture_on_commit_callbacks(execute=True):
        tip = online_tip(tipworld)
    assert Tip.objects.filter(pk=tip.pk).exists() and Notification.objects.count() == 2


# ---- overdue lists, deadlines, the notices page ----------------------------------------------------

def test_overdue_cases_are_listed_on_the_handlers_and_committees_home_pages(tipworld):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=2), tick=False):
        late = online_tip(tipworld)
    on_time = online_tip(tipworld)
    for user in (tipworld.officer_user, tipworld.committee_admin, tipworld.school_admin):
        client = Client()
        client.force_login(user)
        html = client.get("/").content.decode()
        assert f"/cases/{late.pk}/" in html and f"/cases/{on_time.pk}/" not in html, user
        listed = client.get("/cases/", {"state": "overdue"})
        assert [c.pk for c in listed.context["page_obj"]] == [late.pk]


def test_the_committee_sets_its_regions_deadlines(client, tipworld):
    client.force_login(tipworld.committee_admin)
    assert client.get("/cases/deadlines/").status_code == 200
    response = client.post("/cases/deadlines/", {"region": "620982", "acknowledge_hours": 12,
                                                 "investigation_days": 7, "escalation_minutes": 15})
    assert response.status_code == 302
    assert CasePolicy.for_region("620982").investigation_days == 7
    assert client.post("/cases/deadlines/", {"region": "620982", "acknowledge_hours": 0, "investigation_days": 7,
                                             "escalation_minutes": 15}).status_code == 200
    client.force_login(tipworld.officer_user)
    assert client.get("/cases/deadlines/").status_code == 404
    client.force_login(tipworld.outsider)
    assert client.post("/cases/deadlines/", {"region": "620982", "acknowledge_hours": 1, "investigation_days": 1,
                                             "escalation_minutes": 5}).status_code == 404


def test_a_user_reads_only_their_own_notifications(client, tipworld):
    tip = online_tip(tipworld)
    notice = Notification.objects.get(user=tipworld.officer_user)
    client.force_login(tipworld.school_admin)
    assert client.get(f"/notices/{notice.pk}/").status_code == 404
    client.force_login(tipworld.officer_user)
    assert "(1)" in client.get("/notices/").content.decode()
    response = client.get(f"/notices/{notice.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/cases/{tip.pk}/"
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_the_case_list_filters_and_pins_its_query_count(client, tipworld, django_assert_max_num_queries):
    for i in range(3):
        online_tip(tipworld, category="online" if i else "physical")
    client.force_login(tipworld.committee_admin)
    assert client.get("/cases/", {"category": "online"}).context["page_obj"].paginator.count == 2
    assert client.get("/cases/", {"q": "厕所"}).context["page_obj"].paginator.count == 3
    first = Tip.objects.order_by("pk").first()
    assert client.get("/cases/", {"q": first.number}).context["page_obj"].paginator.count == 1
    with django_assert_max_num_queries(12) as few:
        client.get("/cases/")
    for _ in range(20):
        online_tip(tipworld)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/cases/")


def test_the_case_page_pins_its_query_count(client, tipworld, django_assert_max_num_queries):
    tip = online_tip(tipworld)
    client.force_login(tipworld.officer_user)
    for i in range(5):
        services.add_note(tip.case, by=tipworld.officer_user, text=f"记录{i}")
        services.message_reporter(tip.case, by=tipworld.officer_user, body=f"消息{i}")
    with django_assert_max_num_queries(40):
        assert client.get(f"/cases/{tip.pk}/").status_code == 200


# ---- figures ----------------------------------------------------------------------------------------

def test_the_figures_count_tips_outcomes_and_times(tipworld):
    now = timezone.now()
    with time_machine.travel(now - datetime.timedelta(hours=10), tick=False):
        a = online_tip(tipworld)
        b = online_tip(tipworld, category="dangerous_item")
        online_tip(tipworld, klass=tipworld.other_class)
    with time_machine.travel(now - datetime.timedelta(hours=8), tick=False):
        services.acknowledge(a.case, by=tipworld.officer_user)
    with time_machine.travel(now - datetime.timedelta(hours=4), tick=False):
        services.acknowledge(b.case, by=tipworld.officer_user)
        services.decide(b.case, by=tipworld.officer_user, conclusion="not_bullying", police_reported_on=None)
        services.record_items(by=tipworld.officer_user, school=tipworld.school, case=b.case, kind="controlled_knife",
                              count=3, seized_on=timezone.localdate())
    with time_machine.travel(now - datetime.timedelta(hours=2), tick=False):
        services.close(b.case, by=tipworld.officer_user)
    from fazhi.tips.models import Dispute

    Dispute.objects.create(school=tipworld.school, kind="students", parties="两名学生", description="冲突",
                           received_on=timezone.localdate(), state="resolved", resolved_on=timezone.localdate())
    data = tip_figures(region="620982")
    assert data["tips_total"] == 2
    assert data["tips_by_kind"]["physical"] == 1 and data["tips_by_kind"]["dangerous_item"] == 1
    assert data["tips_by_status"]["acknowledged"] == 1 and data["tips_by_status"]["closed"] == 1
    assert data["median_hours_to_acknowledge"] == 4.0  # 2 h and 6 h
    assert data["median_hours_to_close"] == 8.0
    assert data["items_confiscated"] == 3 and data["items_by_kind"]["controlled_knife"] == 3
    assert data["disputes_resolved"] == 1
    assert tip_figures(region="620902")["tips_total"] == 1

    from io import StringIO

    out = StringIO()
    call_command("stats", "--json", "--region", "620982", stdout=out)
    import json

    stats = json.loads(out.getvalue())
    assert stats["tips_total"] == 2 and stats["items_confiscated"] == 3
    assert stats["median_hours_to_close"] == 8.0


def test_the_figures_page_shows_the_tip_line(client, tipworld):
    online_tip(tipworld)
    client.force_login(tipworld.committee_admin)
    response = client.get("/figures/", {"period": "all"})
    assert response.status_code == 200
    assert response.context["data"]["tips_total"] == 1
    client.force_login(make_user("inspector2", Role.INSPECTOR, region=tipworld.dunhuang))
    html = client.get("/figures/", {"period": "all"}).content.decode()
    assert "/cases/?" not in html  # inspectors see the numbers without links into the cases


def test_the_whole_contact_list_is_found_in_one_query(tipworld, django_assert_num_queries):
    w = tipworld
    tip = online_tip(w)
    tip = Tip.objects.select_related("school").get(pk=tip.pk)
    with django_assert_num_queries(1):
        found = services.contacts_at(tip, services.LEVELS)
    for level in services.LEVELS:
        assert found[level] == services.contacts(tip, level)  # the same users as asking step by step
    assert w.officer_user in found[services.OFFICER] and w.committee_admin in found[services.COMMITTEE]
    assert w.committee_admin not in found[services.OFFICER]
