"""Every read is in the access log: each list page, record, edit page, change, removal and export writes one
row (one per school for a list spanning schools) with the user, what they did, and how many records they
saw — before the response. Nothing else is kept (no address). School administrators read their school's log."""

import datetime

import pytest
from django.urls import reverse

from fazhi.confidential.models import AccessLog, SpecialStudent, StaffConcern
from fazhi.confidential.tests.conftest import DAY, student, today

pytestmark = pytest.mark.django_db


def entries(**lookup) -> list[tuple]:
    return list(AccessLog.objects.filter(**lookup).order_by("pk").values_list(
        "user__username", "action", "register", "school_id", "object_id", "count"))


def post_student(world, **fields) -> dict:
    data = {"school": world.school.pk, "school_class": world.klass.pk, "reference": "2024088",
            "category": "single_parent", "plan": "班主任每月家访一次", "responsible": "王老师",
            "next_review": (today() + 90 * DAY).isoformat()}
    data.update(fields)
    return data


def test_the_log_keeps_who_what_when_and_nothing_else():
    assert {f.name for f in AccessLog._meta.get_fields()} == {
        "id", "user", "action", "register", "school", "object_id", "count", "at"}


def test_a_list_page_is_logged_with_the_rows_shown(client, cworld):
    client.force_login(cworld.school_admin)
    client.get(reverse("confidential:student_list"))
    assert entries() == [("schooladmin", "list", "student", cworld.school.pk, None, 1)]
    client.get(reverse("confidential:staff_list"))
    assert entries(register="staff") == [("schooladmin", "list", "staff", cworld.school.pk, None, 1)]


def test_an_empty_list_is_logged_too(client, cworld):
    client.force_login(cworld.school_admin)
    client.get(reverse("confidential:student_list"), {"category": "disabled"})
    assert entries() == [("schooladmin", "list", "student", cworld.school.pk, None, 0)]  # their only school
    client.force_login(cworld.superuser)
    client.get(reverse("confidential:student_list"), {"category": "disabled"})
    assert entries()[-1] == ("root", "list", "student", None, None, 0)
    client.get(reverse("confidential:student_list"), {"category": "disabled", "school": cworld.school2.pk})
    assert entries()[-1] == ("root", "list", "student", cworld.school2.pk, None, 0)


def test_a_list_across_schools_writes_one_row_per_school(client, cworld):
    client.force_login(cworld.superuser)
    client.get(reverse("confidential:student_list"))
    rows = entries()
    assert {(r[3], r[5]) for r in rows} == {(cworld.school.pk, 1), (cworld.school2.pk, 1),
                                            (cworld.other_school.pk, 1)}
    assert {r[:3] for r in rows} == {("root", "list", "student")}


def test_only_the_page_and_the_due_section_are_counted(client, world):
    SpecialStudent.objects.bulk_create([
        SpecialStudent(school=world.school, reference=f"N{n}", category="other", plan="p", responsible="r",
                       next_review=today() + (n - 5) * DAY) for n in range(40)])
    client.force_login(world.school_admin)
    response = client.get(reverse("confidential:student_list"))
    assert len(response.context["page_obj"]) == 25
    assert response.context["due_total"] == 6 and len(response.context["due"]) == 6  # n = 0…5
    assert entries() == [("schooladmin", "list", "student", world.school.pk, None, 25)]  # the due rows are on it
    response = client.get(reverse("confidential:student_list"), {"page": 2})
    assert len(response.context["page_obj"]) == 15
    assert entries()[-1][-1] == 15 + 6


def test_viewing_editing_and_removing_are_logged(client, cworld):
    client.force_login(cworld.officer_user)
    pk = cworld.s1.pk
    client.get(reverse("confidential:student_detail", args=[pk]))
    client.get(reverse("confidential:student_edit", args=[pk]))
    client.post(reverse("confidential:student_edit", args=[pk]), post_student(cworld, reference="Z!<b>"))
    client.post(reverse("confidential:student_edit", args=[pk]), post_student(cworld, reference="ZS2"))
    client.get(reverse("confidential:student_delete", args=[pk]))
    client.post(reverse("confidential:student_delete", args=[pk]))
    assert not SpecialStudent.objects.filter(pk=pk).exists()
    school = cworld.school.pk
    assert entries() == [
        ("officer", "view", "student", school, pk, 1),
        ("officer", "view", "student", school, pk, 1),  # the edit page shows the record
        ("officer", "view", "student", school, pk, 1),  # …and again with the errors
        ("officer", "update", "student", school, pk, 1),
        ("officer", "view", "student", school, pk, 1),  # the confirmation page
        ("officer", "delete", "student", school, pk, 1),
    ]


def test_recording_is_logged(client, cworld):
    client.force_login(cworld.vp_user)
    response = client.post(reverse("confidential:student_create"), post_student(cworld))
    created = SpecialStudent.objects.latest("pk")
    assert response.status_code == 302 and created.created_by == cworld.vp_user
    response = client.post(reverse("confidential:staff_create"), {
        "school": cworld.school.pk, "reference": "T55", "category": "corporal_punishment",
        "measures": "停课反省", "responsible": "校长", "next_review": today().isoformat()})
    concern = StaffConcern.objects.latest("pk")
    assert entries() == [("vp", "create", "student", cworld.school.pk, created.pk, 1),
                         ("vp", "create", "staff", cworld.school.pk, concern.pk, 1)]


def test_an_export_is_logged_with_its_row_count(client, cworld):
    student(cworld.school, reference="AB")
    client.force_login(cworld.school_admin)
    response = client.get(reverse("confidential:student_export"))
    assert response.status_code == 200
    assert entries() == [("schooladmin", "export", "student", cworld.school.pk, None, 2)]


def test_a_refused_request_writes_nothing(client, cworld):
    client.force_login(cworld.committee_admin)
    client.get(reverse("confidential:student_detail", args=[cworld.s1.pk]))
    client.force_login(cworld.school_admin)
    client.get(reverse("confidential:student_detail", args=[cworld.s2.pk]))
    assert entries() == []


def test_log_entries_are_never_changed_or_removed(cworld):
    entry = AccessLog.objects.create(user=cworld.school_admin, action="view", register="student",
                                     school=cworld.school, object_id=1, count=1)
    entry.count = 0
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


def test_a_school_administrator_reads_their_schools_log(client, cworld):
    for user in (cworld.officer_user, cworld.superuser):
        client.force_login(user)
        client.get(reverse("confidential:student_list"))
        client.get(reverse("confidential:student_detail", args=[cworld.s1.pk]))
    client.force_login(cworld.superuser)
    client.get(reverse("confidential:staff_detail", args=[cworld.c2.pk]))  # another school
    client.force_login(cworld.school_admin)
    response = client.get(reverse("confidential:access_log"))
    assert response.status_code == 200
    shown = list(response.context["page_obj"])
    assert {e.school_id for e in shown} == {cworld.school.pk}
    assert {(e.user.username, e.action) for e in shown} == {("officer", "list"), ("officer", "view"),
                                                            ("root", "list"), ("root", "view")}
    page = response.content.decode()
    assert "officer" in page and f"#{cworld.s1.pk}" in page
    import re

    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)  # a random token may contain "ZS"
    assert "ZS" not in page  # the log names no record's content
    staff_only = client.get(reverse("confidential:access_log"), {"register": "staff"})
    assert list(staff_only.context["page_obj"]) == []
    since = client.get(reverse("confidential:access_log"),
                       {"from": (today() + datetime.timedelta(days=1)).isoformat()})
    assert list(since.context["page_obj"]) == []


@pytest.mark.parametrize("persona", ["officer_user", "vp_user", "teacher", "committee_admin"])
def test_only_school_administrators_read_the_log(client, cworld, persona):
    client.force_login(getattr(cworld, persona))
    assert client.get(reverse("confidential:access_log")).status_code == 404
