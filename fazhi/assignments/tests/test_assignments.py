"""The assignment story: a liaison proposes, the committee confirms, an officer moves on, the class is handed
over without a break, and the database keeps the rules whatever the pages do."""

import datetime
import json
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fazhi.assignments import services
from fazhi.assignments.models import Assignment, Handover, Pairing, Policy, Training
from fazhi.org.models import Officer, SchoolClass

pytestmark = pytest.mark.django_db
A = Assignment


@pytest.fixture
def paired(world):
    year = world.klass.school_year
    world.pairing = Pairing.objects.create(unit=world.court, school=world.school, school_year=year)
    world.court_officer2 = Officer.objects.create(unit=world.court, name="周敏", gender="F", phone="13909370011")
    return world


def propose_and_confirm(world, officer, klass, on=None):
    a = services.propose(by=world.liaison, officer=officer, school_class=klass)
    return services.confirm(by=world.committee_admin, assignment=a, starts_on=on)


def test_liaison_proposes_and_committee_confirms_through_the_pages(client, paired):
    w = paired
    client.force_login(w.liaison)
    page = client.get(f"/classes/{w.klass.pk}/").content.decode()
    assert "assignments/new/?class=" in page
    response = client.post(f"/assignments/new/?class={w.klass.pk}", {"officer": w.officer.pk})
    assert response.status_code == 302
    a = A.objects.get(school_class=w.klass)
    assert a.status == A.Status.PROPOSED and a.proposed_by == w.liaison and a.pairing == w.pairing
    # the liaison cannot decide
    assert client.post(f"/assignments/{a.pk}/confirm/", {"starts_on": "2026-11-01"}).status_code == 404
    a.refresh_from_db()
    assert a.status == A.Status.PROPOSED
    committee = client.__class__()
    committee.force_login(w.committee_admin)
    committee.post(f"/assignments/{a.pk}/confirm/", {"starts_on": timezone.localdate().isoformat()})
    a.refresh_from_db()
    assert a.status == A.Status.ACTIVE and a.decided_by == w.committee_admin and a.load_slot == 1
    assert [h.status for h in a.history.order_by("history_date")] == ["proposed", "active"]
    assert w.officer.name in committee.get(f"/classes/{w.klass.pk}/").content.decode()


def test_rejection_keeps_its_reason_and_the_liaison_sees_it(client, paired):
    w = paired
    a = services.propose(by=w.liaison, officer=w.officer, school_class=w.klass)
    with pytest.raises(ValidationError):
        services.reject(by=w.committee_admin, assignment=a, reason="  ")
    services.reject(by=w.committee_admin, assignment=a, reason="该同志近期借调外地")
    a.refresh_from_db()
    assert a.status == A.Status.REJECTED and a.rejection_reason == "该同志近期借调外地"
    client.force_login(w.liaison)
    assert "该同志近期借调外地" in client.get("/").content.decode()


def test_a_unit_not_paired_with_the_school_needs_a_committee_exception(paired):
    w = paired
    with pytest.raises(ValidationError, match="not paired|未与"):
        services.propose(by=w.committee_admin, officer=w.officer2, school_class=w.klass2)
    a = services.propose(by=w.committee_admin, officer=w.officer2, school_class=w.klass2,
                         exception_reason="该校周边治安形势需要公安民警")
    assert a.pairing is None and a.exception_reason
    with transaction.atomic(), pytest.raises(IntegrityError):
        A.objects.create(officer=w.officer2, school=w.school2, school_class=w.klass3, school_year=2026)


def test_only_active_officers_of_ones_own_unit_can_be_proposed(paired):
    w = paired
    with pytest.raises(ValidationError):
        services.propose(by=w.liaison, officer=w.officer2, school_class=w.klass)  # police, not the court
    w.court_officer2.change_status(Officer.Status.RETIRED, timezone.localdate())
    with pytest.raises(ValidationError):
        services.propose(by=w.liaison, officer=w.court_officer2, school_class=w.klass)


def test_one_officer_per_class_is_held_by_the_database(paired):
    w = paired
    propose_and_confirm(w, w.officer, w.klass)
    with transaction.atomic(), pytest.raises(IntegrityError):
        A.objects.create(officer=w.court_officer2, school=w.school, school_class=w.klass, school_year=2026,
                         pairing=w.pairing, status=A.Status.ACTIVE, load_slot=1, starts_on=timezone.localdate())


def test_confirming_a_replacement_ends_the_current_officer(paired):
    w = paired
    first = propose_and_confirm(w, w.officer, w.klass)
    second = propose_and_confirm(w, w.court_officer2, w.klass)
    first.refresh_from_db()
    assert first.status == A.Status.ENDED and first.end_reason == A.EndReason.REPLACED
    assert second.status == A.Status.ACTIVE
    assert not Handover.objects.exists()  # a replacement leaves no gap


def test_load_limit_defaults_to_one_class_and_is_configurable_per_region(paired):
    w = paired
    propose_and_confirm(w, w.officer, w.klass)
    a = services.propose(by=w.liaison, officer=w.officer, school_class=w.klass2)
    with pytest.raises(ValidationError, match="1"):
        services.confirm(by=w.committee_admin, assignment=a)
    Policy.objects.create(region=w.dunhuang, max_classes_per_officer=2)
    services.confirm(by=w.committee_admin, assignment=a)
    a.refresh_from_db()
    assert a.load_slot == 2
    with transaction.atomic(), pytest.raises(IntegrityError):
        A.objects.filter(pk=a.pk).update(load_slot=1)  # two classes in one slot
    with transaction.atomic(), pytest.raises(IntegrityError):
        A.objects.filter(pk=a.pk).update(load_slot=9)  # beyond the database's maximum


def test_policy_is_inherited_from_the_nearest_region():
    from fazhi.org.models import Region

    Region.objects.create(code="62", name="甘肃省")
    Region.objects.create(code="6209", name="酒泉市", parent_id="62")
    Policy.objects.create(region_id="6209", max_classes_per_officer=3)
    assert Policy.for_region("620982").max_classes_per_officer == 3
    assert Policy.for_region("6201").max_classes_per_officer == 1


def test_transfer_ends_classes_opens_handovers_and_the_gap_is_measured(client, paired):
    w = paired
    start = timezone.localdate() - datetime.timedelta(days=60)
    propose_and_confirm(w, w.officer, w.klass, on=start)
    pending = services.propose(by=w.liaison, officer=w.officer, school_class=w.klass2)
    transferred_on = timezone.localdate() - datetime.timedelta(days=10)
    client.force_login(w.liaison)
    client.post(f"/officers/{w.officer.pk}/status/", {"status": "transferred",
                                                       "changed_on": transferred_on.isoformat(), "reason": "调任"})
    ended = A.objects.get(officer=w.officer, school_class=w.klass)
    assert ended.status == A.Status.ENDED and ended.end_reason == A.EndReason.TRANSFER
    assert ended.ended_on == transferred_on
    pending.refresh_from_db()
    assert pending.status == A.Status.REJECTED
    handover = Handover.objects.get(school_class=w.klass)
    assert handover.opened_on == transferred_on and handover.is_open
    assert handover.days_uncovered() == 10 and handover.is_overdue()  # default limit: 7 days
    # the liaison and the committee both see it on their home pages
    assert "/handovers/?state=open" in client.get("/").content.decode()
    committee = client.__class__()
    committee.force_login(w.committee_admin)
    assert "/handovers/?state=overdue" in committee.get("/").content.decode()
    # the replacement closes the gap
    replacement = propose_and_confirm(w, w.court_officer2, w.klass)
    handover.refresh_from_db()
    assert handover.closed_on == timezone.localdate() and handover.replacement == replacement
    assert handover.days_uncovered() == 10


def test_a_confirmed_future_start_activates_on_its_day(paired):
    w = paired
    soon = timezone.localdate() + datetime.timedelta(days=3)
    a = propose_and_confirm(w, w.officer, w.klass, on=soon)
    assert a.status == A.Status.CONFIRMED
    with time_machine.travel(datetime.datetime.combine(soon, datetime.time(8)), tick=False):
        assert services.activate_due() == 1
    a.refresh_from_db()
    assert a.status == A.Status.ACTIVE


def test_training_status_follows_the_region_rule(paired):
    w = paired
    a = propose_and_confirm(w, w.officer, w.klass, on=timezone.localdate() - datetime.timedelta(days=40))
    assert a.training_status()["state"] == "overdue"
    assert A.objects.filter(pk=a.pk).training_overdue(Policy.for_region("620982")).exists()
    services.record_training(by=w.liaison, officer=w.officer, date=timezone.localdate(), hours=8, topic="岗前培训")
    assert a.training_status()["state"] == "overdue"  # done after the 30-day grace period
    Training.objects.update(date=a.starts_on)
    assert a.training_status()["state"] == "done"
    with pytest.raises(ValidationError):
        services.record_training(by=w.liaison, officer=w.officer2, date=timezone.localdate(), hours=8, topic="x")


def test_coverage_page_command_and_export(client, paired):
    w = paired
    propose_and_confirm(w, w.officer, w.klass)
    client.force_login(w.committee_admin)
    response = client.get("/coverage/", {"region": "620982"})
    assert response.context["totals"]["classes"] == 3 and response.context["totals"]["covered"] == 1
    assert response.context["totals"]["coverage_percent"] == 33.3
    export = client.get("/coverage/export.xlsx", {"region": "620982"})
    assert export.status_code == 200 and export.content[:2] == b"PK"
    out = StringIO()
    call_command("coverage", "--json", "--region", "620982", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["classes"], data["covered"], data["coverage_percent"]) == (3, 1, 33.3)
    assert {row["class"] for row in data["uncovered"]} == {w.klass2.name, w.klass3.name}


def test_coverage_page_query_count_is_flat(client, paired):
    w = paired
    client.force_login(w.committee_admin)
    with CaptureQueriesContext(connection) as before:
        client.get("/coverage/", {"region": "620982"})
    for n in range(5):
        klass = SchoolClass.objects.create(school=w.school, grade=9, number=n + 1)
        officer = Officer.objects.create(unit=w.court, name=f"测{n}", gender="M", phone=f"1370937{n:04d}")
        propose_and_confirm(w, officer, klass)
    with CaptureQueriesContext(connection) as after:
        client.get("/coverage/", {"region": "620982"})
    assert len(after) == len(before)


def test_outsiders_get_404_on_assignments_and_coverage_of_another_county(client, paired):
    w = paired
    a = propose_and_confirm(w, w.officer, w.klass)
    client.force_login(w.outsider)
    assert client.get(f"/assignments/{a.pk}/").status_code == 404
    assert client.post(f"/assignments/{a.pk}/end/", {"reason": "other", "on": "2026-11-01"}).status_code == 404
    assert client.get("/coverage/", {"school": w.school.pk}).status_code == 404
    assert client.get("/coverage/", {"region": "620982"}).status_code == 404
    a.refresh_from_db()
    assert a.status == A.Status.ACTIVE


def test_pairing_opens_the_school_to_the_liaison_and_the_officer_sees_their_class(client, paired):
    w = paired
    client.force_login(w.liaison)
    assert w.school.name in client.get("/schools/").content.decode()
    assert client.get(f"/classes/{w.klass.pk}/").status_code == 200
    assert client.get(f"/schools/{w.school2.pk}/").status_code == 404
    propose_and_confirm(w, w.officer, w.klass)
    client.force_login(w.officer_user)
    home = client.get("/").content.decode()
    assert w.klass.name in home
    assert client.get(f"/classes/{w.klass.pk}/").status_code == 200
    assert client.get(f"/classes/{w.klass2.pk}/").status_code == 404
    client.force_login(w.teacher)
    assert client.get(f"/officers/{w.officer.pk}/").status_code == 200


def test_bulk_confirmation_confirms_what_it_can_and_reports_the_rest(client, paired):
    w = paired
    a1 = services.propose(by=w.liaison, officer=w.officer, school_class=w.klass)
    a2 = services.propose(by=w.liaison, officer=w.officer, school_class=w.klass2)  # over the limit
    client.force_login(w.committee_admin)
    response = client.post("/assignments/confirm/", {"ids": [a1.pk, a2.pk],
                                                     "starts_on": timezone.localdate().isoformat()}, follow=True)
    a1.refresh_from_db()
    a2.refresh_from_db()
    assert a1.status == A.Status.ACTIVE and a2.status == A.Status.PROPOSED
    assert len(list(response.context["messages"])) == 2
