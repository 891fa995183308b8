"""What a record may hold: a number or initials (no full names), plain text, a class of the record's school,
a review date between today and a year ahead, one of the categories (the database checks too)."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from fazhi.confidential.forms import SpecialStudentForm, StaffConcernForm
from fazhi.confidential.models import SpecialStudent, StaffConcern, validate_reference
from fazhi.confidential.tests.conftest import DAY, hold_class, today

pytestmark = pytest.mark.django_db


def student_data(world, **fields) -> dict:
    data = {"school": world.school.pk, "school_class": world.klass.pk, "reference": "2024031",
            "category": "left_behind", "plan": "每周谈心一次", "responsible": "王老师",
            "next_review": (today() + 30 * DAY).isoformat()}
    data.update(fields)
    return data


def staff_data(world, **fields) -> dict:
    data = {"school": world.school.pk, "reference": "T01", "category": "other", "measures": "约谈",
            "responsible": "校长", "next_review": (today() + 30 * DAY).isoformat()}
    data.update(fields)
    return data


def errors(form_class, user, data) -> dict:
    """The form's errors as codes (the messages are translated): {"reference": ["name"]}."""
    form = form_class(data, user=user)
    form.is_valid()
    return {field: [e.code for e in found] for field, found in form.errors.as_data().items()}


@pytest.mark.parametrize("reference", ["张三", "张 三", "欧阳·娜", "7班李小明", "王五A"])
def test_full_names_are_refused(world, reference):
    found = errors(SpecialStudentForm, world.school_admin, student_data(world, reference=reference))
    assert found == {"reference": ["name"]}
    assert "reference" in errors(StaffConcernForm, world.school_admin, staff_data(world, reference=reference))


@pytest.mark.parametrize("reference", ["ZS", "2024031", "张S", "Z.S.", "七3-12"])
def test_numbers_and_initials_are_accepted(world, reference):
    validate_reference(reference)
    assert errors(SpecialStudentForm, world.school_admin, student_data(world, reference=reference)) == {}


def test_lengths_are_limited(world):
    found = errors(SpecialStudentForm, world.school_admin, student_data(
        world, reference="1" * 21, plan="很" * 2001, responsible="x" * 51))
    assert set(found) == {"reference", "plan", "responsible"}


@pytest.mark.parametrize("field", ["reference", "plan", "responsible"])
def test_markup_is_refused(world, field):
    found = errors(SpecialStudentForm, world.school_admin, student_data(world, **{field: "<script>x</script>"}))
    assert found == {field: ["markup"]}


def test_required_fields(world):
    found = errors(SpecialStudentForm, world.school_admin, {})
    assert set(found) == {"school", "reference", "category", "plan", "responsible", "next_review"}
    assert errors(SpecialStudentForm, world.school_admin, student_data(world, school_class="")) == {}


def test_a_class_of_another_school_is_refused(world):
    # The superuser is offered every school and class: the model refuses the mismatch.
    found = errors(SpecialStudentForm, world.superuser, student_data(world, school_class=world.klass3.pk))
    assert found == {"school_class": ["other_school"]}
    # A school administrator is not even offered the other school's classes.
    found = errors(SpecialStudentForm, world.school_admin, student_data(world, school_class=world.klass3.pk))
    assert found == {"school_class": ["invalid_choice"]}


def test_the_review_date_lies_between_today_and_a_year_ahead(world):
    def review(days):
        return errors(SpecialStudentForm, world.school_admin,
                      student_data(world, next_review=(today() + days * DAY).isoformat()))

    assert review(0) == {} and review(366) == {}
    assert review(-1) == {"next_review": ["past"]}
    assert review(367) == {"next_review": ["too_far"]}


def test_editing_a_due_record_asks_for_the_next_review_date(client, world):
    hold_class(world)
    record = SpecialStudent.objects.create(school=world.school, reference="ZS", category="other", plan="p",
                                           responsible="r", next_review=today() - 3 * DAY)
    client.force_login(world.officer_user)
    url = reverse("confidential:student_edit", args=[record.pk])
    data = student_data(world, next_review=record.next_review.isoformat())
    response = client.post(url, data)
    assert response.status_code == 400 and "next_review" in response.context["form"].errors
    response = client.post(url, {**data, "next_review": (today() + 180 * DAY).isoformat()})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.next_review == today() + 180 * DAY and record.reference == "2024031"


def test_the_database_refuses_unknown_categories(world):
    for model, extra in [(SpecialStudent, {"plan": "p"}), (StaffConcern, {"measures": "m"})]:
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.create(school=world.school, reference="A", category="bogus", responsible="r",
                                 next_review=today(), **extra)


def test_the_constraints_list_every_category():
    for model in (SpecialStudent, StaffConcern):
        constraint = next(c for c in model._meta.constraints if c.name.endswith("category_valid"))
        assert sorted(dict(constraint.condition.children)["category__in"]) == sorted(model.Category.values)


def test_str_never_shows_the_reference(world):
    record = SpecialStudent.objects.create(school=world.school, reference="QX99", category="other", plan="p",
                                           responsible="r", next_review=today())
    assert "QX99" not in str(record)
