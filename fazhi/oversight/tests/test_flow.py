"""The story: the committee plans a joint inspection, an inspector records a finding with a photo on a phone,
the school rectifies it; what is overdue; accountability on the ledgers."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from fazhi.oversight.models import (
    AccountabilityRecord,
    ChecklistItem,
    ChecklistTemplate,
    Finding,
    FindingPhoto,
    Inspection,
)
from fazhi.oversight.tests.helpers import builtin, days, finding, inspection, jpeg, record


def test_builtin_checklist_is_shipped(db):
    template = builtin()
    texts = list(template.items.values_list("text", flat=True))
    assert len(texts) >= 12
    assert any("2次" in t for t in texts) and any("24小时" in t and "10日" in t for t in texts)
    assert any("8学时" in t for t in texts) and any("台账" in t for t in texts)
    assert set(template.items.values_list("area", flat=True)) == {"school", "unit", "officer"}


def test_committee_plans_inspector_records_school_rectifies(client, world):
    client.force_login(world.committee_admin)
    assert client.get(reverse("oversight:inspection_create")).status_code == 200
    response = client.post(reverse("oversight:inspection_create"), {
        "region": world.dunhuang.pk, "title": "2026年秋季联合检查", "date": days(-3).isoformat(),
        "agencies": ["committee", "education", "court", "public_security"], "template": builtin().pk,
        "schools": [world.school.pk, world.school2.pk], "units": [world.court.pk], "state": "planned"})
    insp = Inspection.objects.get()
    assert response.status_code == 302
    assert insp.created_by == world.committee_admin and insp.agencies == [
        "committee", "education", "court", "public_security"]
    assert set(insp.schools.all()) == {world.school, world.school2}

    item = builtin().items.filter(area="school").first()
    client.force_login(world.inspector)
    page = client.get(reverse("oversight:finding_create", args=[insp.pk]), {"item": item.pk}).content.decode()
    assert 'accept="image/*"' in page and 'capture="environment"' in page and 'enctype="multipart/form-data"' in page
    response = client.post(reverse("oversight:finding_create", args=[insp.pk]), {
        "item": item.pk, "school": world.school.pk, "severity": "serious", "description": "七年级(3)班公示牌未张贴",
        "requirement": "三日内张贴", "deadline": days(2).isoformat(), "photos": [jpeg(), jpeg("b.jpg")]})
    assert response.status_code == 302, response.content.decode()[:3000]
    f = Finding.objects.get()
    assert f.recorded_by == world.inspector and f.item == item and f.school == world.school
    photos = list(f.photos.all())
    assert len(photos) == 2
    stored = Image.open(photos[0].file.open("rb"))
    assert not stored.getexif()  # EXIF (camera, GPS) stripped
    insp.refresh_from_db()
    assert insp.state == "in_progress"

    # the inspection page lists the finding under its checklist item
    detail = client.get(reverse("oversight:inspection_detail", args=[insp.pk])).content.decode()
    assert detail.index(item.text) < detail.index(reverse("oversight:finding_detail", args=[f.pk]))

    # the photo is served to who can see the finding only
    assert client.get(reverse("oversight:photo_file", args=[photos[0].pk])).status_code == 200
    client.force_login(world.school_admin)
    assert client.get(reverse("oversight:photo_thumbnail", args=[photos[0].pk])).status_code == 200
    page = client.get(reverse("oversight:finding_detail", args=[f.pk])).content.decode()
    assert reverse("oversight:finding_rectify", args=[f.pk]) in page
    response = client.post(reverse("oversight:finding_rectify", args=[f.pk]), {
        "rectified_on": days(0).isoformat(), "rectification": "已全部张贴并拍照存档"})
    assert response.status_code == 302
    f.refresh_from_db()
    assert f.rectified_on == days(0) and f.rectified_by == world.school_admin
    client.force_login(world.outsider)
    assert client.get(reverse("oversight:photo_file", args=[photos[0].pk])).status_code == 404


def test_liaison_rectifies_unit_and_officer_findings_not_school_ones(client, world):
    insp = inspection(world)
    unit_f = finding(insp, unit=world.court)
    officer_f = finding(insp, officer=world.officer)
    school_f = finding(insp, school=world.school)
    police_f = finding(insp, unit=world.police)
    client.force_login(world.liaison)
    post = {"rectified_on": days(0).isoformat(), "rectification": "已整改"}
    for f in (unit_f, officer_f):
        assert client.post(reverse("oversight:finding_rectify", args=[f.pk]), post).status_code == 302
    for f in (school_f, police_f):
        assert client.post(reverse("oversight:finding_rectify", args=[f.pk]), post).status_code == 404
    client.force_login(world.officer_user)  # an officer reads their finding but does not record the rectification
    assert client.get(reverse("oversight:finding_detail", args=[officer_f.pk])).status_code == 200
    assert client.get(reverse("oversight:finding_rectify", args=[officer_f.pk])).status_code == 404


def test_overdue_list_and_filters(client, world):
    insp = inspection(world, date=days(-30))
    late = finding(insp, school=world.school, deadline=days(-1), severity="serious")
    late_unit = finding(insp, officer=world.officer, deadline=days(-5), severity="critical")
    finding(insp, school=world.school, deadline=days(3))  # not due yet
    finding(insp, school=world.school2, deadline=days(-3), rectified_on=days(-4), rectification="好了")
    client.force_login(world.committee_admin)

    def rows(**params):
        page = client.get(reverse("oversight:overdue_list"), params).content.decode()
        return {int(x) for x in re.findall(r'href="/oversight/findings/(\d+)/"', page)}

    assert rows() == {late.pk, late_unit.pk}
    assert rows(school=world.school.pk) == {late.pk}
    assert rows(unit=world.court.pk) == {late_unit.pk}
    assert rows(severity="critical") == {late_unit.pk}
    client.force_login(world.school_admin)
    assert rows() == {late.pk}
    assert late.is_overdue and not Finding.objects.get(deadline=days(3)).is_overdue


def test_accountability_linked_to_finding_shows_on_ledgers(client, world):
    insp = inspection(world)
    f = finding(insp, officer=world.officer, severity="serious")
    client.force_login(world.committee_admin)
    page = client.get(reverse("oversight:accountability_create"), {"finding": f.pk}).content.decode()
    assert "selected" in page
    response = client.post(reverse("oversight:accountability_create"), {
        "measure": "talk", "officer": world.officer.pk, "date": days(0).isoformat(),
        "reason": "整改不力，约谈提醒", "finding": f.pk, "circular_ref": "敦政法〔2026〕12号"})
    assert response.status_code == 302, response.content.decode()[:2000]
    rec = AccountabilityRecord.objects.get()
    assert rec.region == world.dunhuang and rec.recorded_by == world.committee_admin
    detail = reverse("oversight:accountability_detail", args=[rec.pk])
    for user in (world.committee_admin, world.liaison, world.officer_user):
        client.force_login(user)
        for url in (reverse("oversight:officer_ledger", args=[world.officer.pk]),
                    reverse("oversight:unit_ledger", args=[world.court.pk])):
            if user == world.officer_user and "unit" in url:
                assert client.get(url).status_code == 404
                continue
            assert detail in client.get(url).content.decode(), (user, url)
        page = client.get(detail).content.decode()
        assert reverse("oversight:finding_detail", args=[f.pk]) in page
    client.force_login(world.school_admin)
    assert client.get(detail).status_code == 404
    client.force_login(world.outsider)
    assert client.get(reverse("oversight:officer_ledger", args=[world.officer.pk])).status_code == 404


def test_accountability_may_link_a_case(client, world):
    from django.utils import timezone

    from fazhi.tips.models import Case, Tip

    tip = Tip.objects.create(school=world.school, channel="talk", category="physical", description="打人")
    case = Case.objects.create(tip=tip, acknowledge_due=timezone.now())
    client.force_login(world.committee_admin)
    response = client.post(reverse("oversight:accountability_create"), {
        "measure": "circular", "unit": world.police.pk, "date": days(0).isoformat(), "reason": "未及时处置",
        "case_number": case.pk})
    assert response.status_code == 302
    rec = AccountabilityRecord.objects.get()
    assert rec.case == case
    assert reverse("tips:case", args=[case.pk]) in client.get(
        reverse("oversight:accountability_detail", args=[rec.pk])).content.decode()
    response = client.post(reverse("oversight:accountability_create"), {
        "measure": "circular", "unit": world.police.pk, "date": days(0).isoformat(), "reason": "x",
        "case_number": 999999})
    assert response.status_code == 400


def test_checklist_copy_and_edit(client, world):
    client.force_login(world.committee_admin)
    template = builtin()
    assert client.get(reverse("oversight:template_edit", args=[template.pk])).status_code == 404
    response = client.post(reverse("oversight:template_copy", args=[template.pk]))
    copy = ChecklistTemplate.objects.get(region=world.dunhuang)
    assert response.status_code == 302 and copy.items.count() == template.items.count()
    items = list(copy.items.all())
    data = {"name": "敦煌市联合检查清单", "items-TOTAL_FORMS": str(len(items) + 1),
            "items-INITIAL_FORMS": str(len(items)), "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "100"}
    for n, item in enumerate(items):
        data.update({f"items-{n}-id": item.pk, f"items-{n}-order": item.order, f"items-{n}-text": item.text,
                     f"items-{n}-area": item.area})
    data["items-0-DELETE"] = "on"
    n = len(items)
    data.update({f"items-{n}-order": 999, f"items-{n}-text": "学校周边治安隐患已排查", f"items-{n}-area": "school"})
    response = client.post(reverse("oversight:template_edit", args=[copy.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    copy.refresh_from_db()
    assert copy.name == "敦煌市联合检查清单"
    assert copy.items.count() == len(items)
    assert copy.items.last().text == "学校周边治安隐患已排查"
    assert ChecklistItem.objects.filter(template=template).count() == len(items)  # the built-in is untouched
    client.force_login(world.inspector)  # inspectors read checklists, do not edit them
    assert client.get(reverse("oversight:template_detail", args=[copy.pk])).status_code == 200
    assert client.get(reverse("oversight:template_edit", args=[copy.pk])).status_code == 404
    client.force_login(world.outsider)
    assert client.get(reverse("oversight:template_detail", args=[copy.pk])).status_code == 404
    assert client.post(reverse("oversight:template_edit", args=[copy.pk]), data).status_code == 404


@pytest.mark.parametrize("n", [7])
def test_at_most_six_photos(client, world, n):
    insp = inspection(world)
    client.force_login(world.inspector)
    response = client.post(reverse("oversight:finding_create", args=[insp.pk]), {
        "school": world.school.pk, "severity": "minor", "description": "x", "requirement": "y",
        "deadline": days(5).isoformat(), "photos": [jpeg(f"{i}.jpg", gps=False) for i in range(n)]})
    assert response.status_code == 400 and not Finding.objects.exists() and not FindingPhoto.objects.exists()


def test_fake_or_large_image_refused(client, world, settings):
    insp = inspection(world)
    client.force_login(world.inspector)
    base = {"school": world.school.pk, "severity": "minor", "description": "x", "requirement": "y",
            "deadline": days(5).isoformat()}
    fake = SimpleUploadedFile("a.jpg", b"\xff\xd8\xff\xe0 not really a jpeg" * 10, content_type="image/jpeg")
    response = client.post(reverse("oversight:finding_create", args=[insp.pk]), {**base, "photos": [fake]})
    assert response.status_code == 400 and not Finding.objects.exists()
    settings.MAX_PHOTO_BYTES = 1000
    response = client.post(reverse("oversight:finding_create", args=[insp.pk]), {**base, "photos": [jpeg()]})
    assert response.status_code == 400 and not Finding.objects.exists()


def test_jpeg_bytes_helper_is_real(db):
    assert Image.open(io.BytesIO(jpeg().read())).format == "JPEG"


def test_record_helper(world):
    r = record(world, unit=world.court)
    assert r.region == world.dunhuang


def test_every_page_renders_for_the_committee(client, world):
    insp = inspection(world)
    f = finding(insp, officer=world.officer)
    r = record(world, officer=world.officer, finding=f)
    client.force_login(world.committee_admin)
    client.post(reverse("oversight:template_copy", args=[builtin().pk]))
    copy = ChecklistTemplate.objects.get(region=world.dunhuang)
    for url in (reverse("oversight:inspection_list"), reverse("oversight:inspection_create"),
                reverse("oversight:inspection_detail", args=[insp.pk]),
                reverse("oversight:inspection_edit", args=[insp.pk]),
                reverse("oversight:finding_create", args=[insp.pk]), reverse("oversight:finding_list"),
                reverse("oversight:overdue_list"), reverse("oversight:finding_detail", args=[f.pk]),
                reverse("oversight:finding_rectify", args=[f.pk]), reverse("oversight:template_list"),
                reverse("oversight:template_detail", args=[copy.pk]),
                reverse("oversight:template_edit", args=[copy.pk]), reverse("oversight:accountability_list"),
                reverse("oversight:accountability_create"), reverse("oversight:accountability_detail", args=[r.pk]),
                reverse("oversight:unit_ledger", args=[world.court.pk]),
                reverse("oversight:officer_ledger", args=[world.officer.pk])):
        assert client.get(url).status_code == 200, url
