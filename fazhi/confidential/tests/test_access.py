"""Who sees the confidential registers: special-group students — the school's administrators and the officers
holding a class at the school or serving as its vice principal; staff concerns — the school's administrators
and its vice principal. Nobody else: not the committee, the education bureau, inspectors, liaisons, homeroom
teachers (not even for their own class), outsiders or users without a role. For them every page is a 404."""

import pytest
from django.test import Client
from django.urls import reverse

from fazhi.assignments.models import Assignment
from fazhi.confidential.models import SpecialStudent, StaffConcern
from fazhi.confidential.tests.conftest import student, today

pytestmark = pytest.mark.django_db

NOBODY_ELSE = ["committee_admin", "education_staff", "inspector", "liaison", "teacher", "outsider", "nobody"]


def login(world, persona: str) -> Client:
    client = Client()
    users = {**world.personas, "nobody": world.nobody, "vp": world.vp_user, "superuser": world.superuser}
    client.force_login(users[persona])
    return client


def listed(client, name: str, **params) -> set[int]:
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return {r.pk for r in response.context["page_obj"]}


def record_urls(register: str, pk: int) -> list[str]:
    return [reverse(f"confidential:{register}_{view}", args=[pk]) for view in ("detail", "edit", "delete")]


@pytest.mark.parametrize("persona, students, staff", [
    ("school_admin", {"s1"}, {"c1"}),
    ("officer", {"s1"}, None),  # holds a class at the school, is not its vice principal
    ("vp", {"s1"}, {"c1"}),
    ("superuser", {"s1", "s2", "s3"}, {"c1", "c2", "c3"}),
])
def test_each_keeper_sees_exactly_their_schools_records(cworld, persona, students, staff):
    client = login(cworld, persona)
    pk = {name: getattr(cworld, name).pk for name in ("s1", "s2", "s3", "c1", "c2", "c3")}
    assert listed(client, "confidential:student_list") == {pk[n] for n in students}
    if staff is None:
        assert client.get(reverse("confidential:staff_list")).status_code == 404
    else:
        assert listed(client, "confidential:staff_list") == {pk[n] for n in staff}
    for name, register in [("s1", "student"), ("s2", "student"), ("s3", "student"),
                           ("c1", "staff"), ("c2", "staff"), ("c3", "staff")]:
        visible = name in students or (staff is not None and name in staff)
        for url in record_urls(register, pk[name]):
            assert client.get(url).status_code == (200 if visible else 404), (persona, url)


@pytest.mark.parametrize("persona", NOBODY_ELSE)
def test_every_other_role_gets_404_everywhere(cworld, persona):
    client = login(cworld, persona)
    pages = ["student_list", "student_create", "student_export", "staff_list", "staff_create", "access_log"]
    for name in pages:
        assert client.get(reverse(f"confidential:{name}")).status_code == 404, (persona, name)
    for register, record in [("student", cworld.s1), ("staff", cworld.c1)]:
        for url in record_urls(register, record.pk):
            assert client.get(url).status_code == 404, (persona, url)
        for url in record_urls(register, record.pk)[1:]:  # edit and delete
            assert client.post(url, {"reference": "X1"}).status_code == 404, (persona, url)
    assert client.post(reverse("confidential:student_create"), {"school": cworld.school.pk}).status_code == 404
    assert SpecialStudent.objects.count() == 3 and StaffConcern.objects.count() == 3


def test_a_homeroom_teacher_does_not_see_their_own_class(cworld):
    """The teacher of 七年级(3)班 does not see the record of a student of that class."""
    assert cworld.s1.school_class == cworld.teacher.memberships.get().school_class
    client = login(cworld, "teacher")
    assert client.get(reverse("confidential:student_detail", args=[cworld.s1.pk])).status_code == 404


def test_an_officer_without_a_class_sees_nothing(client, world):
    student(world.school)
    client.force_login(world.officer_user)
    for name in ("student_list", "student_export", "staff_list", "student_create"):
        assert client.get(reverse(f"confidential:{name}")).status_code == 404


def test_an_officer_loses_access_when_the_assignment_ends(client, cworld):
    client.force_login(cworld.officer_user)
    url = reverse("confidential:student_detail", args=[cworld.s1.pk])
    assert client.get(url).status_code == 200
    Assignment.objects.filter(officer=cworld.officer).update(status=Assignment.Status.ENDED, ended_on=today(),
                                                            end_reason="transfer")
    client.force_login(cworld.officer_user)  # a new request computes the scope again
    assert client.get(url).status_code == 404


def test_outside_records_cannot_be_changed_or_removed(cworld):
    client = login(cworld, "school_admin")
    for register, record in [("student", cworld.s2), ("staff", cworld.c3)]:
        assert client.post(reverse(f"confidential:{register}_delete", args=[record.pk])).status_code == 404
        assert client.post(reverse(f"confidential:{register}_edit", args=[record.pk]),
                           {"reference": "X"}).status_code == 404
        assert type(record).objects.filter(pk=record.pk).exists()


def test_the_school_choice_offers_only_the_users_schools(cworld):
    client = login(cworld, "school_admin")
    form = client.get(reverse("confidential:student_create")).context["form"]
    assert list(form.fields["school"].queryset) == [cworld.school]
    assert set(form.fields["school_class"].queryset) == {cworld.klass, cworld.klass2}
    response = client.post(reverse("confidential:student_create"), {
        "school": cworld.school2.pk, "reference": "A1", "category": "other", "plan": "x", "responsible": "y",
        "next_review": today().isoformat()})
    assert response.status_code == 400
    assert "school" in response.context["form"].errors
    assert SpecialStudent.objects.count() == 3


def test_visible_to_is_the_rule(cworld):
    assert set(SpecialStudent.objects.visible_to(cworld.officer_user)) == {cworld.s1}
    assert set(StaffConcern.objects.visible_to(cworld.officer_user)) == set()
    assert set(StaffConcern.objects.visible_to(cworld.vp_user)) == {cworld.c1}
    assert set(SpecialStudent.objects.visible_to(cworld.committee_admin)) == set()
    assert set(StaffConcern.objects.visible_to(cworld.education_staff)) == set()
    assert SpecialStudent.objects.visible_to(cworld.superuser).count() == 3
