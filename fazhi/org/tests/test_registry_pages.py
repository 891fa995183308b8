"""The registry pages as staff use them: lists with search, filters and pagination; create and edit
with clear validation; officers' status changes and photos; change history."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from fazhi.org.models import Officer, School, SchoolClass, Unit

pytestmark = pytest.mark.django_db


def photo_bytes(fmt="JPEG", size=(60, 80)):
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, fmt)
    buf.seek(0)
    buf.name = "photo." + fmt.lower()
    return buf


def test_school_search_and_stage_filter(client, world):
    client.force_login(world.committee_admin)
    page = client.get("/schools/", {"q": "东街"}).content.decode()
    assert world.school2.name in page and world.school.name not in page
    page = client.get("/schools/", {"stage": "junior"}).content.decode()
    assert world.school.name in page and world.school2.name not in page
    page = client.get("/schools/", {"q": "不存在的学校"}).content.decode()
    assert "没有" in page or "No school" in page


def test_lists_paginate(client, world):
    for n in range(1, 31):
        SchoolClass.objects.create(school=world.school, grade=9, number=n)
    client.force_login(world.committee_admin)
    first = client.get("/classes/", {"school": world.school.pk})
    assert len(first.context["page_obj"].object_list) == 25
    second = client.get("/classes/", {"school": world.school.pk, "page": 2})
    assert len(second.context["page_obj"].object_list) == 32 - 25


@pytest.mark.parametrize("url", ["/units/", "/schools/", "/classes/", "/officers/", "/accounts/", "/"])
def test_list_query_counts_do_not_grow_with_data(client, world, url):
    client.force_login(world.committee_admin)
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    for n in range(10):
        school = School.objects.create(region=world.dunhuang, name=f"敦煌市测试学校{n}", stage="primary")
        SchoolClass.objects.create(school=school, grade=1, number=1)
        Officer.objects.create(unit=world.court, name=f"测试{n}", gender="F", phone=f"1370937{n:04d}")
    with CaptureQueriesContext(connection) as after:
        assert client.get(url).status_code == 200
    assert len(after) == len(before), [q["sql"] for q in after.captured_queries]


def test_unit_create_validates_phone_and_committee_hotline(client, world):
    client.force_login(world.committee_admin)
    response = client.post("/units/new/", {"name": "敦煌市人民检察院", "kind": "procuratorate",
                                           "region": world.dunhuang.pk, "phone": "12345"})
    assert response.status_code == 200 and "phone" in response.context["form"].errors
    response = client.post("/units/new/", {"name": "敦煌市委政法委2", "kind": "committee",
                                           "region": world.dunhuang.pk, "phone": "0937-8822009"})
    assert "supervision_hotline" in response.context["form"].errors
    response = client.post("/units/new/", {"name": "敦煌市人民检察院", "kind": "procuratorate",
                                           "region": world.dunhuang.pk, "phone": "0937 882 2004"})
    assert response.status_code == 302
    assert Unit.objects.get(name="敦煌市人民检察院").phone == "09378822004"


def test_unit_cannot_be_created_in_another_county(client, world):
    client.force_login(world.committee_admin)
    response = client.post("/units/new/", {"name": "外县单位", "kind": "court", "region": world.suzhou.pk,
                                           "phone": "0937-2612300"})
    assert response.status_code == 200 and "region" in response.context["form"].errors


def test_duplicate_school_name_in_a_region_is_a_clear_error(client, world):
    client.force_login(world.education_staff)
    response = client.post("/schools/new/", {"region": world.dunhuang.pk, "name": world.school.name,
                                             "stage": "junior"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_class_grade_must_fit_the_school_stage_and_be_unique(client, world):
    client.force_login(world.school_admin)
    data = {"school": world.school.pk, "school_year": world.klass.school_year, "grade": 2, "number": 1,
            "student_count": 30}
    response = client.post("/classes/new/", data)
    assert "grade" in response.context["form"].errors
    data.update(grade=7, number=3)
    response = client.post("/classes/new/", data)
    assert response.status_code == 200 and response.context["form"].errors


def test_renumbering_a_class_renames_it(client, world):
    client.force_login(world.school_admin)
    response = client.post(f"/classes/{world.klass.pk}/edit/", {
        "school": world.school.pk, "school_year": world.klass.school_year, "grade": 8, "number": 5,
        "name": world.klass.name, "student_count": 45})
    assert response.status_code == 302
    world.klass.refresh_from_db()
    assert world.klass.name == "八年级(5)班"


def test_class_public_tokens_are_unguessable_and_unique(world):
    tokens = set(SchoolClass.objects.values_list("public_token", flat=True))
    assert len(tokens) == SchoolClass.objects.count()
    assert all(len(t) >= 20 for t in tokens)


def test_liaison_adds_an_officer_with_a_photo(client, world):
    client.force_login(world.liaison)
    response = client.post("/officers/new/", {"unit": world.court.pk, "name": "陈晓", "gender": "F",
                                              "phone": "13909370101", "title": "法官助理", "photo": photo_bytes()})
    assert response.status_code == 302
    officer = Officer.objects.get(phone="13909370101")
    assert client.get(f"/officers/{officer.pk}/photo/").status_code == 200
    outsider = client.__class__()
    outsider.force_login(world.outsider)
    assert outsider.get(f"/officers/{officer.pk}/photo/").status_code == 404


def test_officer_photo_must_be_an_image_of_limited_size(client, world, settings):
    client.force_login(world.liaison)
    fake = io.BytesIO(b"%PDF-1.4 not an image")
    fake.name = "photo.jpg"
    response = client.post(f"/officers/{world.officer.pk}/edit/", {
        "unit": world.court.pk, "name": "李明", "gender": "M", "phone": world.officer.phone, "photo": fake})
    assert response.status_code == 200 and "photo" in response.context["form"].errors
    settings.MAX_PHOTO_BYTES = 100
    response = client.post(f"/officers/{world.officer.pk}/edit/", {
        "unit": world.court.pk, "name": "李明", "gender": "M", "phone": world.officer.phone,
        "photo": photo_bytes(size=(400, 400))})
    assert "photo" in response.context["form"].errors
    world.officer.refresh_from_db()
    assert not world.officer.photo


def test_liaison_cannot_move_an_officer_to_another_unit(client, world):
    client.force_login(world.liaison)
    response = client.post(f"/officers/{world.officer.pk}/edit/", {
        "unit": world.police.pk, "name": "李明", "gender": "M", "phone": world.officer.phone})
    assert "unit" in response.context["form"].errors


def test_recording_a_transfer_keeps_date_reason_and_history(client, world):
    client.force_login(world.liaison)
    response = client.post(f"/officers/{world.officer.pk}/status/", {
        "status": "transferred", "changed_on": "2026-11-01", "reason": "调任酒泉市中级人民法院"})
    assert response.status_code == 302
    world.officer.refresh_from_db()
    assert world.officer.status == "transferred" and str(world.officer.status_changed_on) == "2026-11-01"
    last = world.officer.history.first()
    assert last.history_user == world.liaison and last.history_change_reason == "调任酒泉市中级人民法院"
    committee = client.__class__()
    committee.force_login(world.committee_admin)
    page = committee.get(f"/history/officer/{world.officer.pk}/").content.decode()
    assert "调任酒泉市中级人民法院" in page and "liaison" in page
    assert world.officer.name in committee.get("/changes/", {"kind": "officer"}).content.decode()


def test_status_change_cannot_be_dated_in_the_future(client, world):
    client.force_login(world.liaison)
    response = client.post(f"/officers/{world.officer.pk}/status/", {"status": "retired", "changed_on": "2999-01-01"})
    assert response.status_code == 400
    world.officer.refresh_from_db()
    assert world.officer.status == "active"


def test_change_log_is_for_the_committee_and_scoped(client, world):
    world.other_officer.title = "庭长"
    world.other_officer.save()
    client.force_login(world.committee_admin)
    page = client.get("/changes/", {"kind": "officer"}).content.decode()
    assert world.officer.name in page and world.other_officer.name not in page
    client.force_login(world.liaison)
    assert client.get("/changes/").status_code == 404
    assert client.get(f"/history/officer/{world.officer.pk}/").status_code == 404


def test_officer_photo_is_stored_without_its_gps_position(client, world):
    buf = io.BytesIO()
    image = Image.new("RGB", (60, 80), (10, 20, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif.get_ifd(0x8825)[2] = (40.0, 8.0, 30.0)  # GPS latitude
    image.save(buf, "JPEG", exif=exif)
    buf.seek(0)
    buf.name = "me.jpg"
    client.force_login(world.liaison)
    response = client.post(f"/officers/{world.officer.pk}/edit/", {
        "unit": world.court.pk, "name": "李明", "gender": "M", "phone": world.officer.phone, "photo": buf})
    assert response.status_code == 302
    world.officer.refresh_from_db()
    with Image.open(world.officer.photo.path) as stored:
        assert dict(stored.getexif()) == {}
