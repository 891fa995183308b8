"""Personas for the test suite: a small county (Dunhuang 620982) with one of each role, and an
outsider who administers a neighbouring county (Suzhou district 620902) and must see nothing of it.

Tests read like stories: `def test_liaison_sees_only_own_unit(client, world): client.force_login(world.liaison)`.
"""

from types import SimpleNamespace

import pytest

from fazhi.accounts.models import Membership, Role, User
from fazhi.org.models import Officer, Region, School, SchoolClass, Unit

PASSWORD = "Fazhi-test-2026!"


def make_user(username: str, role: str | None = None, **scope) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, full_name=username)
    if role:
        Membership.objects.create(user=user, role=role, **scope)
    return user


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.gansu = Region.objects.create(code="62", name="甘肃省")
    w.jiuquan = Region.objects.create(code="6209", name="酒泉市", parent=w.gansu)
    w.dunhuang = Region.objects.create(code="620982", name="敦煌市", parent=w.jiuquan)
    w.suzhou = Region.objects.create(code="620902", name="肃州区", parent=w.jiuquan)

    w.committee = Unit.objects.create(
        name="敦煌市委政法委", kind=Unit.Kind.COMMITTEE, region=w.dunhuang, phone="0937-8822001",
        supervision_hotline="0937-8822110",
    )
    w.court = Unit.objects.create(name="敦煌市人民法院", kind=Unit.Kind.COURT, region=w.dunhuang, phone="0937-8822002")
    w.police = Unit.objects.create(
        name="敦煌市公安局", kind=Unit.Kind.PUBLIC_SECURITY, region=w.dunhuang, phone="0937-8822003"
    )
    w.other_court = Unit.objects.create(
        name="酒泉市肃州区人民法院", kind=Unit.Kind.COURT, region=w.suzhou, phone="0937-2612345"
    )

    w.school = School.objects.create(region=w.dunhuang, name="敦煌市第二中学", stage=School.Stage.JUNIOR)
    w.school2 = School.objects.create(region=w.dunhuang, name="敦煌市东街小学", stage=School.Stage.PRIMARY)
    w.other_school = School.objects.create(region=w.suzhou, name="酒泉市第四中学", stage=School.Stage.JUNIOR)
    w.klass = SchoolClass.objects.create(school=w.school, grade=7, number=3, homeroom_teacher="王老师", student_count=45)
    w.klass2 = SchoolClass.objects.create(school=w.school, grade=8, number=1, student_count=44)
    w.klass3 = SchoolClass.objects.create(school=w.school2, grade=3, number=2, student_count=40)
    w.other_class = SchoolClass.objects.create(school=w.other_school, grade=7, number=1, student_count=50)

    w.officer = Officer.objects.create(unit=w.court, name="李明", gender="M", phone="13909370001", title="审判员")
    w.officer2 = Officer.objects.create(unit=w.police, name="张静", gender="F", phone="13909370002", title="警长")
    w.other_officer = Officer.objects.create(unit=w.other_court, name="赵强", gender="M", phone="13909370009")

    w.committee_admin = make_user("committee", Role.COMMITTEE_ADMIN, region=w.dunhuang)
    w.education_staff = make_user("education", Role.EDUCATION_STAFF, region=w.dunhuang)
    w.inspector = make_user("inspector", Role.INSPECTOR, region=w.dunhuang)
    w.liaison = make_user("liaison", Role.LIAISON, unit=w.court)
    w.officer_user = make_user("officer", Role.OFFICER, officer=w.officer)
    w.school_admin = make_user("schooladmin", Role.SCHOOL_ADMIN, school=w.school)
    w.teacher = make_user("teacher", Role.TEACHER, school_class=w.klass)
    w.outsider = make_user("outsider", Role.COMMITTEE_ADMIN, region=w.suzhou)
    w.nobody = make_user("nobody")
    w.superuser = User.objects.create_superuser(username="root", password=PASSWORD)
    w.personas = {
        "committee_admin": w.committee_admin,
        "education_staff": w.education_staff,
        "inspector": w.inspector,
        "liaison": w.liaison,
        "officer": w.officer_user,
        "school_admin": w.school_admin,
        "teacher": w.teacher,
        "outsider": w.outsider,
    }
    return w


@pytest.fixture
def world(db) -> SimpleNamespace:
    return build_world()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is deliberately slow; production keeps it (test_login checks the setting), tests use a fast hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters live in the cache: each test starts with none.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
