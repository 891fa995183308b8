"""The pages themselves: recording a student and a concern end to end, filters, empty states, pagination,
no caching, anonymous visitors sent to log in."""

import re

import pytest
from django.urls import reverse

from fazhi.confidential.models import SpecialStudent, StaffConcern
from fazhi.confidential.tests.conftest import DAY, concern, hold_class, student, today

pytestmark = pytest.mark.django_db

PAGES = ["student_list", "student_create", "student_export", "staff_list", "staff_create", "access_log"]


def empty_text(response) -> str:
    match = re.search(r'<p class="empty">(.*?)</p>', response.content.decode(), re.S)
    return match.group(1) if match else ""


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    record = student(world.school)
    urls = [reverse(f"confidential:{n}") for n in PAGES]
    urls += [reverse(f"confidential:student_{v}", args=[record.pk]) for v in ("detail", "edit", "delete")]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_a_school_administrator_records_a_student(client, world):
    client.force_login(world.school_admin)
    page = client.get(reverse("confidential:student_create"))
    assert page.status_code == 200
    assert page.context["form"]["school"].value() == world.school.pk  # their only school, chosen already
    response = client.post(reverse("confidential:student_create"), {
        "school": world.school.pk, "school_class": world.klass.pk, "reference": "ZS", "category": "disabled",
        "plan": "安排同桌帮扶，体育课免跑", "responsible": "王老师",
        "next_review": (today() + 120 * DAY).isoformat()}, follow=True)
    record = SpecialStudent.objects.get()
    assert response.redirect_chain == [(reverse("confidential:student_detail", args=[record.pk]), 302)]
    page = response.content.decode()
    assert "ZS" in page and "体育课免跑" in page and "王老师" in page
    assert len(list(response.context["messages"])) == 1
    assert record.created_by == world.school_admin and record.school_class == world.klass


def test_the_vice_principal_records_a_staff_concern(client, cworld):
    client.force_login(cworld.vp_user)
    response = client.post(reverse("confidential:staff_create"), {
        "school": cworld.school.pk, "reference": "T88", "category": "sexual_misconduct",
        "measures": "已报教育局，停止授课", "responsible": "校长", "next_review": today().isoformat()})
    record = StaffConcern.objects.latest("pk")
    assert response.status_code == 302 and record.reference == "T88"
    detail = client.get(reverse("confidential:staff_detail", args=[record.pk])).content.decode()
    assert "停止授课" in detail


def test_an_invalid_form_is_shown_again_with_errors(client, world):
    client.force_login(world.school_admin)
    response = client.post(reverse("confidential:student_create"), {"school": world.school.pk,
                                                                    "reference": "李小明"})
    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()
    assert not SpecialStudent.objects.exists()


def test_filters(client, world):
    hold_class(world)
    a = student(world.school, school_class=world.klass, category="hardship")
    b = student(world.school, school_class=world.klass2, category="behaviour")
    client.force_login(world.school_admin)
    url = reverse("confidential:student_list")

    def shown(**params):
        response = client.get(url, params)
        assert response.status_code == 200
        return {r.pk for r in response.context["page_obj"]}

    assert shown() == {a.pk, b.pk}
    assert shown(category="hardship") == {a.pk}
    assert shown(**{"class": world.klass2.pk}) == {b.pk}
    assert shown(school=world.school.pk) == {a.pk, b.pk}
    # Values that are not offered are ignored, never an error.
    assert shown(category="nope", school="abc", page="x") == {a.pk, b.pk}
    assert shown(school=world.school2.pk, **{"class": world.klass3.pk}) == {a.pk, b.pk}
    assert shown(school="99999999999999") == {a.pk, b.pk}
    staff = concern(world.school, category="other")
    response = client.get(reverse("confidential:staff_list"), {"category": "other"})
    assert [r.pk for r in response.context["page_obj"]] == [staff.pk]


def test_empty_states_differ_when_filtered(client, world):
    client.force_login(world.school_admin)
    for name in ("student_list", "staff_list"):
        plain = empty_text(client.get(reverse(f"confidential:{name}")))
        filtered = empty_text(client.get(reverse(f"confidential:{name}"), {"review": "due"}))
        assert plain and filtered and plain != filtered, name


def test_lists_are_paginated(client, world):
    SpecialStudent.objects.bulk_create([
        SpecialStudent(school=world.school, reference=f"N{n}", category="other", plan="p", responsible="r",
                       next_review=today() + (n + 1) * DAY) for n in range(30)])
    client.force_login(world.school_admin)
    first = client.get(reverse("confidential:student_list"))
    assert len(first.context["page_obj"]) == 25 and first.context["page_obj"].paginator.num_pages == 2
    assert len(client.get(reverse("confidential:student_list"), {"page": 2}).context["page_obj"]) == 5


def test_pages_are_not_cached(client, world):
    record = student(world.school)
    client.force_login(world.school_admin)
    for url in (reverse("confidential:student_list"), reverse("confidential:student_detail", args=[record.pk]),
                reverse("confidential:access_log")):
        assert "no-store" in client.get(url)["Cache-Control"], url


def test_the_tabs_show_what_the_user_may_open(client, cworld):
    client.force_login(cworld.officer_user)
    page = client.get(reverse("confidential:student_list")).content.decode()
    assert reverse("confidential:staff_list") not in page and reverse("confidential:access_log") not in page
    client.force_login(cworld.school_admin)
    page = client.get(reverse("confidential:student_list")).content.decode()
    assert reverse("confidential:staff_list") in page and reverse("confidential:access_log") in page
