from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from fazhi.accounts.models import Membership, Role, User
from fazhi.org import demo
from fazhi.org.models import Officer, Region, School, SchoolClass, Unit, current_school_year
from fazhi.org.validators import MOBILE_RE, validate_hotline, validate_phone

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, int]:
    """Row counts of every model of the registry and accounts, history tables included."""
    counts = {}
    for label in ("org", "accounts"):
        for model in apps.get_app_config(label).get_models():
            counts[model._meta.label] = model._default_manager.count()
    return counts


@pytest.fixture
def seeded(db):
    demo.seed_demo()


def test_plan_matches_the_report():
    assert demo.planned_class_count() == 565
    assert sum(demo.OFFICER_COUNTS.values()) == 565
    assert len(demo.SCHOOLS) == 40
    assert len({s[0] for s in demo.SCHOOLS}) == 40


def test_seed_twice_creates_nothing_new(django_assert_max_num_queries):
    first = demo.seed_demo()
    assert first["classes"] == 565 and first["officers"] == 565 and first["users"] == 8
    before = snapshot()
    with django_assert_max_num_queries(40):
        second = demo.seed_demo()
    assert set(second.values()) == {0}
    assert snapshot() == before


def test_command_reports_what_it_did():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "565 classes" in out.getvalue()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "nothing created" in out.getvalue()


def test_demo_city(seeded):
    dunhuang = Region.objects.get(code="620982")
    assert dunhuang.full_name == "甘肃省酒泉市敦煌市"
    units = {u.name: u for u in Unit.objects.filter(region=dunhuang)}
    assert set(units) == {"敦煌市委政法委", "敦煌市人民法院", "敦煌市人民检察院", "敦煌市公安局", "敦煌市司法局",
                          "敦煌市教育局"}
    committee = units["敦煌市委政法委"]
    assert committee.kind == Unit.Kind.COMMITTEE and committee.supervision_hotline
    validate_hotline(committee.supervision_hotline)
    for unit in units.values():
        unit.full_clean()
        assert unit.committee() == committee

    schools = School.objects.filter(region=dunhuang)
    assert schools.count() == 40
    assert set(schools.values_list("stage", flat=True)) == set(School.Stage.values)
    for school in schools:
        school.full_clean()
        assert school.address.startswith("敦煌市")


def test_classes(seeded):
    classes = SchoolClass.objects.select_related("school")
    assert classes.count() == 565
    assert set(classes.values_list("school_year", flat=True)) == {current_school_year()}
    for klass in classes:
        assert klass.grade in klass.school.allowed_grades(), klass
        assert 35 <= klass.student_count <= 55
        assert klass.name and klass.name.endswith("班")
        assert 2 <= len(klass.homeroom_teacher) <= 3
        validate_phone(klass.homeroom_teacher_phone)
        klass.full_clean(validate_unique=False, validate_constraints=False)
    # every school has every grade of its stage
    for school in School.objects.all():
        grades = set(school.classes.values_list("grade", flat=True))
        assert grades == set(school.allowed_grades()), school
    assert SchoolClass.history.count() == 565


def test_officers(seeded):
    officers = Officer.objects.select_related("unit")
    assert officers.count() == 565
    phones = list(officers.values_list("phone", flat=True))
    assert len(set(phones)) == 565
    assert all(MOBILE_RE.match(p) for p in phones)
    by_kind = {kind: officers.filter(unit__kind=kind).count() for kind in
               (Unit.Kind.PUBLIC_SECURITY, Unit.Kind.COURT, Unit.Kind.PROCURATORATE, Unit.Kind.JUSTICE)}
    assert sum(by_kind.values()) == 565
    assert by_kind[Unit.Kind.PUBLIC_SECURITY] == max(by_kind.values())
    assert set(officers.values_list("gender", flat=True)) == {"M", "F"}
    titles = set(officers.values_list("title", flat=True))
    assert {"审判员", "检察官助理", "民警", "副所长", "司法所所长", "律师"} <= titles
    assert all(o.status == Officer.Status.ACTIVE and 2 <= len(o.name) <= 3 for o in officers)
    assert Officer.history.count() == 565


def test_seed_is_deterministic(seeded):
    phones = sorted(Officer.objects.values_list("phone", "name"))
    teachers = sorted(SchoolClass.objects.values_list("school__name", "grade", "number", "homeroom_teacher"))
    Membership.objects.all().delete()
    User.objects.all().delete()
    SchoolClass.history.all().delete()
    SchoolClass.objects.all().delete()
    Officer.objects.all().delete()
    demo.seed_demo()
    assert sorted(Officer.objects.values_list("phone", "name")) == phones
    assert sorted(SchoolClass.objects.values_list("school__name", "grade", "number", "homeroom_teacher")) == teachers


def test_demo_memberships(seeded):
    scopes = {m.user.username: m for m in Membership.objects.select_related("user")}
    assert scopes["committee"].role == Role.COMMITTEE_ADMIN and scopes["committee"].region_id == "620982"
    assert scopes["education"].role == Role.EDUCATION_STAFF and scopes["education"].region_id == "620982"
    assert scopes["inspector"].role == Role.INSPECTOR and scopes["inspector"].region_id == "620982"
    assert scopes["liaison"].role == Role.LIAISON and scopes["liaison"].unit.name == "敦煌市公安局"
    officer = scopes["officer"].officer
    assert scopes["officer"].role == Role.OFFICER and officer.unit.kind == Unit.Kind.PUBLIC_SECURITY
    assert officer.name == User.objects.get(username="officer").full_name
    assert scopes["school"].role == Role.SCHOOL_ADMIN and scopes["school"].school.name == "敦煌市第二中学"
    klass = scopes["teacher"].school_class
    assert scopes["teacher"].role == Role.TEACHER and klass.school.name == "敦煌市第二中学"
    assert klass.homeroom_teacher == User.objects.get(username="teacher").full_name
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and not admin.memberships.exists()
    users = User.objects.filter(username__in=[d.username for d in demo.DEMO_LOGINS])
    assert users.count() == 8
    assert len({u.phone for u in users}) == 8 and all(MOBILE_RE.match(u.phone) for u in users)
    assert all(u.full_name and not u.full_name.isascii() for u in users)


def test_every_demo_login_authenticates_by_username_and_phone(seeded):
    for login in demo.DEMO_LOGINS:
        request = RequestFactory().post("/")
        user = authenticate(request=request, username=login.username, password=demo.DEMO_PASSWORD)
        assert user is not None and user.username == login.username
        request = RequestFactory().post("/")
        by_phone = authenticate(request=request, username=login.phone, password=demo.DEMO_PASSWORD)
        assert by_phone == user
    assert authenticate(request=RequestFactory().post("/"), username="teacher", password="wrong") is None


def test_rerun_keeps_changed_passwords(seeded):
    user = User.objects.get(username="committee")
    user.set_password("a-new-secret-2026")
    user.save()
    demo.seed_demo()
    user.refresh_from_db()
    assert user.check_password("a-new-secret-2026")


def test_demo_logins_table(seeded):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    for login in demo.DEMO_LOGINS:
        assert login.username in text and login.label in text
    assert "fazhi2026" in text
    assert "甘肃省酒泉市敦煌市" in text and "敦煌市第二中学 七年级(1)班" in text


def test_demo_logins_without_seed():
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "seed_demo" in out.getvalue()
