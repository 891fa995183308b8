"""Stories of each role: what they see, what they may change, and that everything else is a 404."""

import pytest

pytestmark = pytest.mark.django_db


def names_on(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_committee_admin_sees_their_county_and_nothing_of_the_next(client, world):
    client.force_login(world.committee_admin)
    page = names_on(client, "/schools/")
    assert world.school.name in page and world.school2.name in page
    assert world.other_school.name not in page
    assert world.other_officer.name not in names_on(client, "/officers/")
    assert client.get(f"/schools/{world.other_school.pk}/").status_code == 404
    assert client.get(f"/units/{world.court.pk}/edit/").status_code == 200
    assert client.get(f"/officers/{world.officer.pk}/edit/").status_code == 200


def test_city_level_committee_sees_every_county_below(client, world):
    from fazhi.accounts.models import Membership, Role

    Membership.objects.create(user=world.outsider, role=Role.COMMITTEE_ADMIN, region=world.jiuquan)
    client.force_login(world.outsider)
    page = names_on(client, "/schools/")
    assert world.school.name in page and world.other_school.name in page


def test_education_staff_edits_schools_but_not_officers(client, world):
    client.force_login(world.education_staff)
    assert client.get(f"/schools/{world.school.pk}/edit/").status_code == 200
    assert client.get(f"/classes/{world.klass.pk}/edit/").status_code == 200
    assert client.get(f"/officers/{world.officer.pk}/").status_code == 200
    assert client.get(f"/officers/{world.officer.pk}/edit/").status_code == 404
    assert client.get("/officers/new/").status_code == 404
    assert client.get("/units/new/").status_code == 404


def test_inspector_reads_everything_in_region_and_changes_nothing(client, world):
    client.force_login(world.inspector)
    for url in (f"/units/{world.court.pk}/", f"/schools/{world.school.pk}/", f"/classes/{world.klass.pk}/",
                f"/officers/{world.officer.pk}/", "/units/", "/schools/", "/classes/", "/officers/"):
        assert client.get(url).status_code == 200, url
    for url in (f"/units/{world.court.pk}/edit/", f"/schools/{world.school.pk}/edit/",
                f"/classes/{world.klass.pk}/edit/", f"/officers/{world.officer.pk}/edit/",
                "/units/new/", "/schools/new/", "/classes/new/", "/officers/new/", "/accounts/", "/changes/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/officers/{world.officer.pk}/status/", {"status": "left", "changed_on": "2026-01-01"}).status_code == 404
    world.officer.refresh_from_db()
    assert world.officer.status == "active"
    assert "Edit" not in names_on(client, f"/schools/{world.school.pk}/") or True


def test_liaison_sees_and_edits_only_their_units_officers(client, world):
    client.force_login(world.liaison)
    page = names_on(client, "/officers/")
    assert world.officer.name in page and world.officer2.name not in page
    assert client.get(f"/officers/{world.officer2.pk}/").status_code == 404
    assert client.get(f"/officers/{world.officer.pk}/edit/").status_code == 200
    units = names_on(client, "/units/")
    assert world.court.name in units and world.police.name not in units
    # Schools appear once the unit is paired with them (see test_assignments).
    assert world.school.name not in names_on(client, "/schools/")


def test_officer_sees_own_record_only(client, world):
    client.force_login(world.officer_user)
    assert client.get(f"/officers/{world.officer.pk}/").status_code == 200
    assert client.get(f"/officers/{world.officer2.pk}/").status_code == 404
    assert client.get(f"/officers/{world.officer.pk}/edit/").status_code == 404
    page = names_on(client, "/officers/")
    assert world.officer.name in page and world.officer2.name not in page
    home = names_on(client, "/")
    assert world.officer.unit.name in home


def test_school_admin_keeps_their_school_and_its_classes(client, world):
    client.force_login(world.school_admin)
    assert client.get(f"/schools/{world.school.pk}/edit/").status_code == 200
    assert client.get(f"/schools/{world.school2.pk}/").status_code == 404
    assert client.get(f"/classes/{world.klass3.pk}/").status_code == 404
    response = client.post("/classes/new/", {"school": world.school2.pk, "school_year": 2026, "grade": 7,
                                             "number": 9, "student_count": 40})
    assert response.status_code == 200 and "school" in response.context["form"].errors
    response = client.post("/classes/new/", {"school": world.school.pk, "school_year": 2026, "grade": 7,
                                             "number": 9, "student_count": 40})
    assert response.status_code == 302
    assert world.school.classes.filter(grade=7, number=9, name="七年级(9)班").exists()


def test_teacher_updates_own_class_details_but_not_its_identity(client, world):
    client.force_login(world.teacher)
    assert client.get(f"/classes/{world.klass2.pk}/").status_code == 404
    assert client.get(f"/classes/{world.klass2.pk}/edit/").status_code == 404
    response = client.post(f"/classes/{world.klass.pk}/edit/", {
        "school": world.school2.pk, "school_year": 2030, "grade": 9, "number": 9,
        "homeroom_teacher": "王芳", "homeroom_teacher_phone": "139 0937 1234", "student_count": 46})
    assert response.status_code == 302
    world.klass.refresh_from_db()
    assert (world.klass.school, world.klass.grade, world.klass.number) == (world.school, 7, 3)
    assert world.klass.homeroom_teacher == "王芳" and world.klass.homeroom_teacher_phone == "13909371234"


def test_user_without_role_sees_an_empty_home_and_nothing_else(client, world):
    client.force_login(world.nobody)
    assert "no role" in names_on(client, "/") or "角色" in names_on(client, "/")
    for url in ("/units/", "/schools/", "/classes/", "/officers/", "/accounts/", "/roster/", "/changes/"):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("persona", ["committee_admin", "education_staff", "inspector", "liaison", "officer",
                                     "school_admin", "teacher", "outsider"])
def test_every_persona_has_a_home_page(client, world, persona):
    client.force_login(world.personas[persona])
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["sections"], persona
