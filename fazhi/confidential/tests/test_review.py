"""Records past their review date are listed for review or removal; dashboards get counts, never names."""

import pytest
from django.urls import reverse

from fazhi.confidential.models import SpecialStudent, StaffConcern
from fazhi.confidential.stats import counts
from fazhi.confidential.tests.conftest import DAY, concern, student, today

pytestmark = pytest.mark.django_db


def test_the_due_filter_and_section(client, world):
    past = student(world.school, reference="P1", next_review=today() - 2 * DAY)
    due_today = student(world.school, reference="P2", next_review=today())
    later = student(world.school, reference="P3", next_review=today() + DAY)
    client.force_login(world.school_admin)
    url = reverse("confidential:student_list")
    response = client.get(url)
    assert [r.pk for r in response.context["due"]] == [past.pk, due_today.pk]
    assert response.context["due_total"] == 2
    page = response.content.decode()
    for record in (past, due_today):
        assert reverse("confidential:student_edit", args=[record.pk]) in page
        assert reverse("confidential:student_delete", args=[record.pk]) in page
    assert reverse("confidential:student_edit", args=[later.pk]) not in page
    response = client.get(url, {"review": "due"})
    assert {r.pk for r in response.context["page_obj"]} == {past.pk, due_today.pk}
    assert response.context["due"] == []  # the list is the due list: no second section


def test_no_due_section_when_nothing_is_due(client, world):
    student(world.school, next_review=today() + 5 * DAY)
    client.force_login(world.school_admin)
    response = client.get(reverse("confidential:student_list"))
    assert response.context["due"] == [] and 'id="due-title"' not in response.content.decode()


def test_the_staff_list_has_its_due_section(client, world):
    old = concern(world.school, next_review=today() - DAY)
    concern(world.school, next_review=today() + DAY)
    client.force_login(world.school_admin)
    response = client.get(reverse("confidential:staff_list"))
    assert [r.pk for r in response.context["due"]] == [old.pk]
    assert reverse("confidential:staff_delete", args=[old.pk]) in response.content.decode()


def test_the_due_section_follows_the_filters(client, world):
    student(world.school, category="hardship", next_review=today() - DAY)
    client.force_login(world.school_admin)
    response = client.get(reverse("confidential:student_list"), {"category": "disabled"})
    assert response.context["due"] == []


def test_a_reviewed_record_is_removed(client, world):
    record = student(world.school, next_review=today() - DAY)
    client.force_login(world.school_admin)
    page = client.get(reverse("confidential:student_delete", args=[record.pk]))
    assert page.status_code == 200 and 'method="post"' in page.content.decode()
    response = client.post(reverse("confidential:student_delete", args=[record.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("confidential:student_list")
    assert not SpecialStudent.objects.exists()
    assert len(list(response.context["messages"])) == 1


def test_counts_for_dashboards(world):
    student(world.school, category="left_behind", next_review=today() - DAY)
    student(world.school, category="left_behind")
    student(world.school2, category="disabled", next_review=today())  # due today: not overdue yet
    student(world.other_school, category="hardship", next_review=today() - 10 * DAY)
    concern(world.school, next_review=today() - DAY)
    concern(world.other_school)
    dunhuang = counts("620982")
    assert dunhuang == {
        "special_students_by_category": {"left_behind": 2, "single_parent": 0, "disabled": 1, "hardship": 0,
                                         "behaviour": 0, "other": 0},
        "special_students_total": 3,
        "staff_concerns_total": 1,
        "reviews_overdue": 2,
    }
    everything = counts(None)
    assert everything["special_students_total"] == 4 and everything["staff_concerns_total"] == 2
    assert everything["reviews_overdue"] == 3
    assert counts("620902")["special_students_by_category"]["hardship"] == 1
    assert counts("11") == {"special_students_by_category": dict.fromkeys(SpecialStudent.Category.values, 0),
                            "special_students_total": 0, "staff_concerns_total": 0, "reviews_overdue": 0}


def test_counts_are_computed_in_the_database_and_decrypt_nothing(world, django_assert_max_num_queries,
                                                                  monkeypatch):
    for n in range(5):
        student(world.school, reference=f"R{n}")
        concern(world.school, reference=f"T{n}")

    def refuse(*args):
        raise AssertionError("counts must not decrypt")

    monkeypatch.setattr("fazhi.confidential.fields.decrypt", refuse)
    with django_assert_max_num_queries(3):
        result = counts("62")
    assert result["special_students_total"] == 5 and result["staff_concerns_total"] == 5
    assert StaffConcern.objects.count() == 5
