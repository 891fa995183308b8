"""The confidential registers' world: the personas of fazhi/conftest.py, plus

- `world.officer_user` (李明) holding 七年级(3)班 of 敦煌市第二中学 (`world.school`), as in the tips tests;
- `world.vp_user` (张静, of the police) rule-of-law vice principal of 敦煌市第二中学;
- a few records in each register: at 第二中学 (the personas' school), at 东街小学 (`school2`, same county), and
  at 酒泉市第四中学 (`other_school`, the neighbouring county).
"""

import datetime

import pytest
from django.utils import timezone

from fazhi.accounts.models import Role
from fazhi.assignments.models import Assignment, Pairing
from fazhi.confidential.models import SpecialStudent, StaffConcern
from fazhi.conftest import make_user

DAY = datetime.timedelta(days=1)


def today() -> datetime.date:
    return timezone.localdate()


def student(school, **fields) -> SpecialStudent:
    values = {"reference": "2024031", "category": SpecialStudent.Category.LEFT_BEHIND,
              "plan": "每周谈心一次，联系在外务工的父母", "responsible": "王老师", "next_review": today() + 30 * DAY}
    return SpecialStudent.objects.create(school=school, **{**values, **fields})


def concern(school, **fields) -> StaffConcern:
    values = {"reference": "T017", "category": StaffConcern.Category.VERBAL_ABUSE,
              "measures": "校长约谈，暂停班主任工作一学期", "responsible": "副校长", "next_review": today() + 60 * DAY}
    return StaffConcern.objects.create(school=school, **{**values, **fields})


def hold_class(world):
    """李明 (login `officer`) holds 七年级(3)班 of 敦煌市第二中学."""
    year = world.klass.school_year
    pairing = Pairing.objects.create(unit=world.court, school=world.school, school_year=year)
    return Assignment.objects.create(
        officer=world.officer, school=world.school, school_class=world.klass, school_year=year, pairing=pairing,
        status=Assignment.Status.ACTIVE, load_slot=1, starts_on=today() - 30 * DAY)


def make_vice_principal(world):
    """张静 (login `vp`) is the rule-of-law vice principal of 敦煌市第二中学."""
    year = world.klass.school_year
    pairing = Pairing.objects.create(unit=world.police, school=world.school, school_year=year)
    Assignment.objects.create(
        role="vice_principal", officer=world.officer2, school=world.school, school_year=year, pairing=pairing,
        status=Assignment.Status.ACTIVE, starts_on=today() - 30 * DAY)
    return make_user("vp", Role.OFFICER, officer=world.officer2)


@pytest.fixture
def cworld(world):
    hold_class(world)
    world.vp_user = make_vice_principal(world)
    world.s1 = student(world.school, school_class=world.klass, reference="ZS")
    world.s2 = student(world.school2, school_class=world.klass3, reference="2023107",
                       category=SpecialStudent.Category.HARDSHIP)
    world.s3 = student(world.other_school, reference="LW")
    world.c1 = concern(world.school)
    world.c2 = concern(world.school2, reference="T202")
    world.c3 = concern(world.other_school, reference="T303")
    return world
