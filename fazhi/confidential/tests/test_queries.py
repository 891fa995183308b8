"""The lists cost the same number of queries for one record as for ten (and decrypt only what they show)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fazhi.confidential.models import SpecialStudent, StaffConcern
from fazhi.confidential.tests.conftest import DAY, concern, hold_class, student, today

pytestmark = pytest.mark.django_db


def queries(client, name: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse(name)).status_code == 200
    return len(captured)


@pytest.mark.parametrize("name, make", [
    ("confidential:student_list", lambda w, n: student(w.school, school_class=w.klass, reference=f"R{n}",
                                                      next_review=today() + (n - 3) * DAY)),
    ("confidential:staff_list", lambda w, n: concern(w.school, reference=f"T{n}",
                                                    next_review=today() + (n - 3) * DAY)),
    ("confidential:student_export", lambda w, n: student(w.school, school_class=w.klass, reference=f"R{n}")),
])
def test_lists_are_flat(client, world, name, make):
    hold_class(world)
    client.force_login(world.school_admin)
    make(world, 0)
    make(world, 100)  # a second school-wide row: the due section and the page both have rows
    one = queries(client, name)
    for n in range(1, 10):
        make(world, n)
    assert queries(client, name) == one


def test_lists_leave_the_plan_encrypted(client, world, monkeypatch):
    """Only reference and responsible of the rows shown are decrypted; the plan is not even fetched."""
    for n in range(30):
        student(world.school, reference=f"R{n}")
    opened = []
    from fazhi.confidential import fields

    real = fields.decrypt
    monkeypatch.setattr(fields, "decrypt", lambda token: opened.append(token) or real(token))
    client.force_login(world.school_admin)
    client.get(reverse("confidential:student_list"))
    assert len(opened) == 25 * 2  # one page, two fields
    assert SpecialStudent.objects.count() == 30 and StaffConcern.objects.count() == 0
