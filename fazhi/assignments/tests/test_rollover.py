"""Starting a new school year: classes move up, the last grade graduates, intake classes appear, pairings are
copied, homeroom assignments end with the year and their officers are proposed for the promoted classes.

Stories with the `world` personas of Dunhuang (620982); the school year 2026 turns over to 2027.
"""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from fazhi.assignments import services
from fazhi.assignments.models import Assignment, Pairing
from fazhi.assignments.rollover import ROLLOVER_EXPLANATION, default_from_year, start_school_year
from fazhi.org.models import Officer, SchoolClass, current_school_year

A = Assignment
YEAR = current_school_year()
NEXT = YEAR + 1
URL = "/pairings/rollover/"


def assign(by, officer, klass):
    proposal = services.propose(by=by, officer=officer, school_class=klass)
    return services.confirm(by=by, assignment=proposal)


@pytest.fixture
def school_year(world):
    """The county at the end of YEAR: two schools, classes in every position, four officers at work."""
    w = world
    assert w.klass.school_year == YEAR
    for unit, school in ((w.court, w.school), (w.police, w.school), (w.court, w.school2)):
        Pairing.objects.create(unit=unit, school=school, school_year=YEAR)
    # 敦煌市第二中学 (junior, grades 7–9): 七年级(3)班 (klass), 八年级(1)班 (klass2), and a graduating 九年级(1)班.
    w.klass9 = SchoolClass.objects.create(school=w.school, grade=9, number=1, student_count=48)
    # 敦煌市东街小学 (primary, 1–6): 三年级(2)班 (klass3), two first-grade classes and a graduating 六年级(1)班.
    w.first1 = SchoolClass.objects.create(school=w.school2, grade=1, number=1, homeroom_teacher="孙老师")
    w.first2 = SchoolClass.objects.create(school=w.school2, grade=1, number=2)
    w.sixth = SchoolClass.objects.create(school=w.school2, grade=6, number=1)
    w.officer3 = Officer.objects.create(unit=w.court, name="王芳", gender="F", phone="13909370003")
    w.officer4 = Officer.objects.create(unit=w.court, name="周涛", gender="M", phone="13909370004")
    by = w.committee_admin
    w.a_promoted = assign(by, w.officer, w.klass)  # stays with 七年级(3)班 → 八年级(3)班
    w.a_graduating = assign(by, w.officer2, w.klass9)  # 九年级(1)班 graduates
    w.a_transferred = assign(by, w.officer3, w.klass2)  # officer transferred during the year
    w.a_quietly_gone = assign(by, w.officer4, w.klass3)  # status changed without the departure workflow
    w.vice = services.confirm(by=by, assignment=services.propose(
        by=by, officer=w.officer2, school=w.school, role=A.Role.VICE_PRINCIPAL))
    w.officer3.change_status(Officer.Status.TRANSFERRED, w.a_transferred.starts_on, "调往市局")
    Officer.objects.filter(pk=w.officer4.pk).update(status=Officer.Status.RETIRED)
    return w


def snapshot():
    return (
        sorted(SchoolClass.objects.values_list("school_id", "school_year", "grade", "number", "promoted_from_id")),
        sorted(Pairing.objects.values_list("unit_id", "school_id", "school_year")),
        sorted(A.objects.values_list("pk", "officer_id", "school_class_id", "status", "end_reason", "source")),
        SchoolClass.history.count(), Pairing.history.count(), A.history.count(),
    )


def successor(klass):
    return SchoolClass.objects.get(promoted_from=klass)


def test_classes_move_up_a_grade_with_their_details(school_year):
    w = school_year
    summary = start_school_year(by=w.committee_admin, region_code="620982", from_year=YEAR)
    eighth = successor(w.klass)
    assert (eighth.school_id, eighth.school_year, eighth.grade, eighth.number) == (w.school.pk, NEXT, 8, 3)
    assert (eighth.homeroom_teacher, eighth.student_count, eighth.name) == ("王老师", 45, "八年级(3)班")
    assert eighth.public_token != w.klass.public_token
    assert (successor(w.klass2).grade, successor(w.klass3).grade, successor(w.first1).grade) == (9, 4, 2)
    assert successor(w.first1).homeroom_teacher == "孙老师"
    assert summary.promoted == 5  # 7-3, 8-1 at the junior school; 3-2, 1-1, 1-2 at the primary school


def test_last_grade_graduates_without_a_successor(school_year):
    w = school_year
    summary = start_school_year(by=w.committee_admin, region_code="620982", from_year=YEAR)
    assert not SchoolClass.objects.filter(promoted_from__in=[w.klass9, w.sixth]).exists()
    assert not SchoolClass.objects.filter(school_year=NEXT, grade__in=[10, 7 + 6]).exists()
    assert summary.graduated == 2


def test_each_school_gets_its_intake_classes(school_year):
    w = school_year
    summary = start_school_year(by=w.committee_admin, region_code="620982", from_year=YEAR)
    intake = SchoolClass.objects.filter(school_year=NEXT, promoted_from__isnull=True)
    assert sorted(intake.values_list("school_id", "grade", "number")) == [
        (w.school.pk, 7, 3), (w.school2.pk, 1, 1), (w.school2.pk, 1, 2)]
    assert set(intake.values_list("homeroom_teacher", "student_count")) == {("", 0)}
    assert summary.intake_created == 3


def test_pairings_are_copied_to_the_new_year(school_year):
    w = school_year
    start_school_year(by=w.committee_admin, region_code="620982", from_year=YEAR)
    assert set(Pairing.objects.filter(school_year=NEXT).values_list("unit_id", "school_id")) == {
        (w.court.pk, w.school.pk), (w.police.pk, w.school.pk), (w.court.pk, w.school2.pk)}
    assert Pairing.objects.filter(school_year=YEAR).count() == 3


def test_homeroom_assignments_end_with_the_year_and_follow_the_promoted_class(school_year):
    w = school_year
    summary = start_school_year(by=w.committee_admin, region_code="620982", from_year=YEAR)
    ended = A.objects.get(pk=w.a_promoted.pk)
    assert (ended.status, ended.end_reason) == (A.Status.ENDED, A.EndReason.YEAR_END)
    assert ended.load_slot is None
    proposal = A.objects.get(school_class=successor(w.klass))
    assert proposal.officer == w.officer
    assert (proposal.status, proposal.source, proposal.explanation) == (
        A.Status.PROPOSED, A.Source.ROLLOVER, ROLLOVER_EXPLANATION)
    assert proposal.pairing == Pairing.objects.get(unit=w.court, school=w.school, school_year=NEXT)
    assert (proposal.school_year, proposal.proposed_by) == (NEXT, w.committee_admin)
    assert summary.proposals == 1
    # The committee confirms it like any other proposal.
    services.confirm(by=w.committee_admin, assignment=proposal)
    assert A.objects.get(pk=proposal.pk).status == A.Status.ACTIVE


def test_graduated_class_officer_is_free_and_gets_no_proposal(school_year):
    w = school_year
    summary = start_school_year(by=w.committee_admin, region_code="620982", from_year=YEAR)
    ended = A.objects.get(pk=w.a_graduating.pk)
    assert (ended.status, ended.end_reason) == (A.Status.ENDED, A.EndReason.YEAR_END)
    assert not A.objects.filter(officer=w.officer2, role=A.Role.HOMEROOM, status=A.Status.PROPOSED).exists()
    assert summary.graduated_officers == 1


def test_transferred_officers_class_gets_no_proposal(school_year):
    w = school_year
    summary = start_school_year(by=w.committee_admin, region_code="620982", from_year=YEAR)
    # Transferred during the year: the departure workflow already ended the assignment.
    assert A.objects.get(pk=w.a_transferred.pk).end_reason == A.EndReason.TRANSFER
    assert not A.objects.filter(school_class=successor(w.klass2)).exists()
    # Retired without the workflow: the year ends the assignment, and no proposal follows the class.
    gone = A.objects.get(pk=w.a_quietly_gone.pk)
    assert (gone.status, gone.end_reason) == (A.Status.ENDED, A.EndReason.YEAR_END)
    assert not A.objects.filter(school_class=successor(w.klass3)).exists()
    assert not A.objects.filter(officer__in=[w.officer3, w.officer4], status=A.Status.PROPOSED).exists()
    assert summary.officers_inactive == 1
    assert summary.assignments_ended == 3


def test_vice_principals_carry_on(school_year):
    w = school_year
    start_school_year(by=w.committee_admin, region_code="620982", from_year=YEAR)
    vice = A.objects.get(pk=w.vice.pk)
    assert vice.status == A.Status.ACTIVE and not vice.end_reason


def test_running_it_twice_changes_nothing_the_second_time(school_year):
    w = school_year
    first = start_school_year(by=w.committee_admin, region_code="620982", from_year=YEAR)
    before = snapshot()
    second = start_school_year(by=w.committee_admin, region_code="620982", from_year=YEAR)
    assert snapshot() == before
    assert first.changed > 0 and second.changed == 0
    assert (second.already_promoted, second.intake_existing, second.pairings_existing) == (5, 3, 3)


def test_dry_run_reports_exactly_and_changes_nothing(school_year):
    w = school_year
    before = snapshot()
    dry = start_school_year(by=w.committee_admin, region_code="620982", from_year=YEAR, dry_run=True)
    assert snapshot() == before
    real = start_school_year(by=w.committee_admin, region_code="620982", from_year=YEAR)
    assert dry.rows() == real.rows()
    assert dry.dry_run and not real.dry_run


def test_a_successor_registered_beforehand_is_linked_not_duplicated(school_year):
    w = school_year
    imported = SchoolClass.objects.create(school=w.school, school_year=NEXT, grade=8, number=3,
                                          homeroom_teacher="新班主任")
    summary = start_school_year(by=w.committee_admin, region_code="620982", from_year=YEAR)
    imported.refresh_from_db()
    assert imported.promoted_from == w.klass and imported.homeroom_teacher == "新班主任"
    assert SchoolClass.objects.filter(school=w.school, school_year=NEXT, grade=8, number=3).count() == 1
    assert A.objects.get(school_class=imported, status=A.Status.PROPOSED).officer == w.officer
    assert (summary.linked, summary.promoted) == (1, 4)


def test_other_counties_are_untouched(school_year):
    w = school_year
    start_school_year(by=w.committee_admin, region_code="620982", from_year=YEAR)
    assert not SchoolClass.objects.filter(school=w.other_school, school_year=NEXT).exists()


def test_only_the_committee_of_the_region_starts_the_year(school_year):
    w = school_year
    for user in (w.outsider, w.liaison, w.education_staff):
        with pytest.raises(ValidationError):
            start_school_year(by=user, region_code="620982", from_year=YEAR)
    with pytest.raises(ValidationError):
        start_school_year(by=w.committee_admin, region_code="620982", from_year=NEXT)  # not started yet
    assert not SchoolClass.objects.filter(school_year=NEXT).exists()


def test_command_dry_run_prints_and_saves_nothing_then_runs(school_year, capsys):
    before = snapshot()
    call_command("start_school_year", "--region", "620982", "--from-year", str(YEAR), "--dry-run")
    out = capsys.readouterr().out
    assert ("dry run" in out.lower() or "试运行" in out) and f"{YEAR}" in out
    assert snapshot() == before
    call_command("start_school_year", "--region", "620982", "--from-year", str(YEAR), "--user", "committee")
    assert SchoolClass.objects.filter(school_year=NEXT).count() == 8
    with pytest.raises(CommandError):
        call_command("start_school_year", "--region", "620982", "--from-year", str(YEAR), "--user", "outsider")
    with pytest.raises(CommandError):
        call_command("start_school_year", "--region", "999999", "--from-year", str(YEAR))


def test_page_previews_first_then_runs_on_post(client, school_year):
    w = school_year
    client.force_login(w.committee_admin)
    before = snapshot()
    response = client.get(URL)
    assert response.status_code == 200
    assert snapshot() == before
    assert response.context["summary"].dry_run and response.context["summary"].promoted == 5
    assert "Start the school year" in response.content.decode() or "开始" in response.content.decode()
    response = client.post(URL, {"region": "620982", "from_year": YEAR})
    assert response.status_code == 200 and response.context["done"]
    assert SchoolClass.objects.filter(school_year=NEXT).count() == 8
    again = client.get(URL, {"region": "620982", "from_year": YEAR})
    assert again.context["summary"].changed == 0


def test_page_is_for_the_committee_only(client, school_year):
    w = school_year
    for user in (w.liaison, w.inspector, w.education_staff, w.school_admin):
        client.force_login(user)
        assert client.get(URL).status_code == 404
        assert client.post(URL, {"region": "620982", "from_year": YEAR}).status_code == 404
    client.force_login(w.outsider)
    response = client.post(URL, {"region": "620982", "from_year": YEAR})
    assert response.status_code == 400  # Dunhuang is not among the outsider's regions
    assert not SchoolClass.objects.filter(school_year=NEXT).exists()


def test_default_year_is_last_year_until_its_classes_have_moved_up(world):
    assert default_from_year("620982") == YEAR  # only this year's classes: preparing the next one
    last = SchoolClass.objects.create(school=world.school, school_year=YEAR - 1, grade=7, number=1)
    SchoolClass.objects.create(school=world.school, school_year=YEAR - 1, grade=9, number=1)  # graduated
    assert default_from_year("620982") == YEAR - 1
    start_school_year(by=world.committee_admin, region_code="620982", from_year=YEAR - 1)
    assert successor(last) == world.klass2  # 八年级(1)班 was registered already: linked
    assert default_from_year("620982") == YEAR


def test_preview_warns_when_the_year_is_still_under_way(client, world):
    client.force_login(world.committee_admin)
    response = client.get(URL, {"region": "620982", "from_year": YEAR})
    assert response.context["summary"].year_under_way
    assert 'role="alert"' in response.content.decode()
