"""Recording the education ledger: an officer records a class meeting from a phone in one go, photos lose
their EXIF, bad uploads stop the whole record, corrections are possible for a week and then locked, and
nobody outside the record's scope learns that it exists."""

import datetime
import io
import re
import zipfile
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from fazhi.activities.models import Activity, Evidence, Kind, Topic
from fazhi.assignments.models import Assignment, Pairing
from fazhi.org.models import Officer

pytestmark = pytest.mark.django_db

NEW = "/activities/new/"


def give_class(world, klass=None, officer=None, slot=1):
    klass = klass or world.klass
    officer = officer or world.officer
    pairing, _ = Pairing.objects.get_or_create(unit=officer.unit, school=klass.school, school_year=klass.school_year)
    return Assignment.objects.create(
        role="homeroom", officer=officer, school=klass.school, school_class=klass, school_year=klass.school_year,
        status="active", load_slot=slot, starts_on=timezone.localdate() - datetime.timedelta(days=30),
        pairing=pairing)


@pytest.fixture
def covered(world):
    """李明 (world.officer, login `officer`) holds 七年级(3)班 of 敦煌市第二中学."""
    give_class(world)
    return world


def jpeg(size=(1200, 900), gps=False, name="IMG_0001.jpg") -> SimpleUploadedFile:
    image = Image.new("RGB", size, (90, 120, 160))
    out = io.BytesIO()
    exif = Image.Exif()
    if gps:
        exif[0x010F] = "SecretCam"  # Make
        exif[0x0110] = "Model X"
        gps_ifd = exif.get_ifd(0x8825)
        gps_ifd[1] = "N"
        gps_ifd[2] = (40.0, 8.0, 30.0)
        gps_ifd[3] = "E"
        gps_ifd[4] = (94.0, 40.0, 12.0)
    image.save(out, "JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def docx(name="签到表.docx", macros=False) -> SimpleUploadedFile:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
        if macros:
            z.writestr("word/vbaProject.bin", b"\x00" * 10)
    return SimpleUploadedFile(name, out.getvalue())


def phone_post(world, **overrides) -> dict:
    """What the phone form sends when the officer only takes a photo and taps Save."""
    data = {
        "kind": Kind.CLASS_MEETING, "date": timezone.localdate().isoformat(), "classes": [world.klass.pk],
        "students": "", "handbooks": "0", "pledges": "0", "teachers": "0", "parents": "0",
        "duration_minutes": "45", "mode": "offline", "title": "", "notes": "",
    }
    data.update(overrides)
    return data


def record(client, data, **files):
    return client.post(NEW, {**data, **files})


def make_activity(world, *, school=None, classes=(), officer=None, kind=Kind.CLASS_MEETING, date=None, **fields):
    activity = Activity.objects.create(
        kind=kind, date=date or timezone.localdate(), school=school or world.school, officer=officer, **fields)
    activity.classes.set(classes)
    return activity


def media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# ---- the officer on a phone ------------------------------------------------------------------------

def test_officer_records_a_class_meeting_with_a_photo_in_one_post(client, covered):
    w = covered
    client.force_login(w.officer_user)
    page = client.get(NEW).content.decode()
    # The phone form: their class ticked, class meeting, today, 45 minutes, offline, camera straight away.
    assert f'name="classes" value="{w.klass.pk}" checked' in page
    assert f'name="classes" value="{w.klass2.pk}"' not in page  # not their class
    assert '<option value="class_meeting" selected>' in page
    assert f'value="{timezone.localdate().isoformat()}"' in page
    assert 'name="duration_minutes" value="45"' in page
    assert re.search(r'<input type="radio" name="mode" value="offline"[^>]* checked>', page)
    assert 'type="file" name="photos" accept="image/*" capture="environment" multiple' in page
    assert w.school.name in page and w.officer.name in page
    assert 'placeholder="45"' in page  # students: the class's 45 unless told otherwise

    response = record(client, phone_post(w), photos=jpeg())
    activity = Activity.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/activities/{activity.pk}/"
    assert activity.officer == w.officer and activity.school == w.school
    assert list(activity.classes.all()) == [w.klass]
    assert activity.kind == Kind.CLASS_MEETING and activity.duration_minutes == 45 and activity.mode == "offline"
    assert activity.students == 45 and activity.handbooks == 0
    assert activity.recorded_by == w.officer_user
    photo = activity.evidence.get()
    assert photo.type == Evidence.Type.PHOTO and photo.original_name == "IMG_0001.jpg"
    assert photo.uploaded_by == w.officer_user
    version = activity.history.get()
    assert version.history_user == w.officer_user and w.klass.name in version.history_change_reason

    detail = client.get(response["Location"]).content.decode()
    assert f"/activities/evidence/{photo.pk}/thumb" in detail and f"/activities/evidence/{photo.pk}/" in detail
    assert w.klass.name in detail and w.officer.name in detail and str(w.officer_user) in detail
    thumb = client.get(f"/activities/evidence/{photo.pk}/thumb")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(b"".join(thumb.streaming_content))).size) <= 320


def test_an_officer_cannot_record_for_another_officer_or_school(client, covered):
    w = covered
    client.force_login(w.officer_user)
    response = record(client, phone_post(w, officer=w.officer2.pk, school=w.school2.pk))
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert activity.officer == w.officer and activity.school == w.school  # fixed fields ignore what is posted


def test_photo_is_stored_without_exif_and_scaled_down(client, covered, settings):
    w = covered
    upload = jpeg(size=(3200, 2400), gps=True)
    assert Image.open(io.BytesIO(upload.read())).getexif().get_ifd(0x8825)  # the original has a GPS position
    upload.seek(0)
    client.force_login(w.officer_user)
    assert record(client, phone_post(w), photos=upload).status_code == 302
    photo = Evidence.objects.get()
    with Image.open(photo.file.path) as stored:
        assert stored.format == "JPEG"
        assert not stored.getexif()
        assert "exif" not in stored.info and "xmp" not in stored.info
        assert stored.size == (1600, 1200)
    raw = Path(photo.file.path).read_bytes()
    assert b"SecretCam" not in raw and b"Exif" not in raw
    with Image.open(photo.thumbnail.path) as thumb:
        assert max(thumb.size) == 320 and not thumb.getexif()


def test_png_screenshot_is_accepted_and_stored_as_jpeg(client, covered):
    w = covered
    out = io.BytesIO()
    Image.new("RGBA", (400, 300), (0, 0, 0, 0)).save(out, "PNG")
    client.force_login(w.officer_user)
    assert record(client, phone_post(w), photos=SimpleUploadedFile("shot.png", out.getvalue())).status_code == 302
    photo = Evidence.objects.get()
    assert photo.file.name.endswith(".jpg")
    response = client.get(f"/activities/evidence/{photo.pk}/")
    assert response["Content-Type"] == "image/jpeg" and "shot.jpg" in response["Content-Disposition"]


def test_fake_image_stops_the_whole_record_and_keeps_what_was_typed(client, covered, settings):
    w = covered
    client.force_login(w.officer_user)
    client.cookies["django_language"] = "en"
    fake = SimpleUploadedFile("IMG_0002.jpg", b"this is not a picture at all", content_type="image/jpeg")
    response = record(client, phone_post(w, notes="讲了三个案例", pledges="40"), photos=[jpeg(), fake])
    assert response.status_code == 400
    assert Activity.objects.count() == 0 and Evidence.objects.count() == 0
    assert media_files(settings) == []
    page = response.content.decode()
    assert "IMG_0002.jpg" in page  # which file, and why
    assert "讲了三个案例" in page and 'name="pledges" value="40"' in page  # what was typed is kept
    assert f'name="classes" value="{w.klass.pk}" checked' in page
    assert "Nothing has been saved yet" in page
    assert "Choose your photos and files again" in page  # the browser cannot keep them


def test_too_large_photo_is_refused(client, covered, settings):
    w = covered
    settings.MAX_PHOTO_BYTES = 2000
    client.force_login(w.officer_user)
    response = record(client, phone_post(w), photos=jpeg(size=(800, 600)))
    assert response.status_code == 400 and Activity.objects.count() == 0
    assert "IMG_0001.jpg" in response.content.decode()


def test_documents_are_recognised_by_their_bytes(client, covered):
    w = covered
    client.force_login(w.officer_user)
    bad = [
        SimpleUploadedFile("plan.pdf", b"MZ\x90\x00 an executable"),
        docx("macro.docx", macros=True),
        SimpleUploadedFile("archive.docx", _zip({"a.txt": "x"})),
    ]
    for upload in bad:
        response = record(client, phone_post(w), files=upload)
        assert response.status_code == 400, upload.name
        assert upload.name in response.content.decode()
    assert Activity.objects.count() == 0
    pdf = SimpleUploadedFile("教案.pdf", b"%PDF-1.4\n%fake but starts right\n")
    assert record(client, phone_post(w), files=[pdf, docx()]).status_code == 302
    activity = Activity.objects.get()
    assert sorted(e.file.name.rsplit(".", 1)[1] for e in activity.evidence.all()) == ["docx", "pdf"]
    doc = activity.evidence.get(original_name="签到表.docx")
    response = client.get(f"/activities/evidence/{doc.pk}/")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert client.get(f"/activities/evidence/{doc.pk}/thumb").status_code == 404  # documents have none


def _zip(members: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    return out.getvalue()


def test_at_most_nine_files(client, covered):
    w = covered
    client.force_login(w.officer_user)
    response = record(client, phone_post(w), photos=[jpeg(size=(40, 30), name=f"p{i}.jpg") for i in range(10)])
    assert response.status_code == 400 and Activity.objects.count() == 0


# ---- the rules of a record ---------------------------------------------------------------------------

def test_future_date_is_refused(client, covered):
    w = covered
    client.force_login(w.officer_user)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = record(client, phone_post(w, date=tomorrow.isoformat()))
    assert response.status_code == 400 and Activity.objects.count() == 0


def test_class_of_another_school_is_refused(client, covered):
    w = covered
    client.force_login(w.committee_admin)
    response = record(client, phone_post(w, school=w.school2.pk, classes=[w.klass.pk]))
    assert response.status_code == 400 and Activity.objects.count() == 0
    assert w.school2.name in response.content.decode()  # “七年级(3)班: not a class of 敦煌市东街小学.”
    client.force_login(w.officer_user)
    response = record(client, phone_post(w, classes=[w.other_class.pk]))
    assert response.status_code == 400 and Activity.objects.count() == 0


def test_a_class_or_the_whole_school_unless_a_talk_or_home_visit(client, covered):
    w = covered
    client.force_login(w.officer_user)
    assert record(client, phone_post(w, classes=[])).status_code == 400
    assert record(client, phone_post(w, classes=[], whole_school="on")).status_code == 302
    assert record(client, phone_post(w, classes=[], kind=Kind.HOME_VISIT, students="1")).status_code == 302
    visit = Activity.objects.get(kind=Kind.HOME_VISIT)
    assert visit.school == w.school and visit.students == 1 and not visit.classes.exists()


def test_counts_are_limited(client, covered):
    w = covered
    client.force_login(w.officer_user)
    assert record(client, phone_post(w, handbooks="20001")).status_code == 400
    assert record(client, phone_post(w, students="-3")).status_code == 400
    assert record(client, phone_post(w, duration_minutes="0")).status_code == 400
    assert Activity.objects.count() == 0


def test_topics_and_counts_are_kept(client, covered):
    w = covered
    client.force_login(w.officer_user)
    data = phone_post(w, topics=[Topic.FORMS, Topic.RESPONSE], students="44", handbooks="45", pledges="45",
                      mode="online", title="拒绝校园欺凌主题班会")
    assert record(client, data).status_code == 302
    a = Activity.objects.get()
    assert a.topics == ["forms", "response"] and (a.students, a.handbooks, a.pledges) == (44, 45, 45)
    assert a.mode == "online" and a.title == "拒绝校园欺凌主题班会"


# ---- other recorders ---------------------------------------------------------------------------------

def test_teacher_records_for_their_class(client, covered):
    w = covered
    client.force_login(w.teacher)
    page = client.get(NEW).content.decode()
    assert f'name="classes" value="{w.klass.pk}" checked' in page and f'name="classes" value="{w.klass2.pk}"' not in page
    assert record(client, phone_post(w, kind=Kind.LEGAL_EDUCATION)).status_code == 302
    a = Activity.objects.get()
    assert a.school == w.school and a.officer is None and a.recorded_by == w.teacher
    assert client.get("/activities/").content.decode().count(f"/activities/{a.pk}/") == 1
    # Not another class, and not a record they could never find again.
    assert record(client, phone_post(w, classes=[w.klass2.pk])).status_code == 400
    assert record(client, phone_post(w, classes=[], whole_school="on")).status_code == 400


def test_school_admin_records_a_whole_school_lecture_with_an_officer_optional(client, covered):
    w = covered
    client.force_login(w.school_admin)
    page = client.get(NEW).content.decode()
    choices = page.split('id="class-choices"')[1].split("</div>")[0]
    assert f'name="classes" value="{w.klass.pk}"' in choices and f'name="classes" value="{w.klass2.pk}"' in choices
    assert "checked" not in choices  # a school's staff tick the classes themselves
    data = phone_post(w, kind=Kind.LECTURE, classes=[], whole_school="on")
    assert record(client, data).status_code == 302
    a = Activity.objects.get()
    assert a.whole_school and a.students == 45 + 44 and a.officer is None  # the school's two classes
    assert record(client, phone_post(w, officer=w.officer.pk)).status_code == 302  # their class's officer
    assert record(client, phone_post(w, officer=w.other_officer.pk)).status_code == 400


def test_liaison_records_for_an_officer_of_their_unit(client, covered):
    w = covered
    Officer.objects.create(unit=w.court, name="王芳", gender="F", phone="13909370003")
    client.force_login(w.liaison)
    page = client.get(f"{NEW}?officer={w.officer.pk}").content.decode()
    assert f'name="classes" value="{w.klass.pk}" checked' in page  # the officer's class
    assert record(client, phone_post(w, school=w.school.pk)).status_code == 400  # an officer is required
    assert record(client, phone_post(w, school=w.school.pk, officer=w.officer2.pk)).status_code == 400  # police
    assert record(client, phone_post(w, school=w.school.pk, officer=w.officer.pk)).status_code == 302
    a = Activity.objects.get()
    assert a.officer == w.officer and a.recorded_by == w.liaison


def test_committee_picks_a_school_and_gets_its_classes(client, covered):
    w = covered
    client.force_login(w.committee_admin)
    page = client.get(NEW).content.decode()
    assert 'hx-get="/activities/new/classes/"' in page
    part = client.get(f"/activities/new/classes/?school={w.school2.pk}").content.decode()
    assert f'value="{w.klass3.pk}"' in part and f'value="{w.klass.pk}"' not in part
    assert f'value="{w.other_class.pk}"' not in client.get(
        f"/activities/new/classes/?school={w.other_school.pk}").content.decode()


def test_officer_with_classes_in_two_schools_chooses_the_school(client, covered):
    w = covered
    give_class(w, klass=w.klass3, slot=2)
    client.force_login(w.officer_user)
    page = client.get(NEW).content.decode()
    assert 'name="school"' in page and w.school2.name in page
    first, second = sorted([w.klass, w.klass3], key=lambda c: c.school.name)
    assert f'name="classes" value="{first.pk}" checked' in page  # the first school's class, ticked
    assert f'name="classes" value="{second.pk}"' not in page  # the other school's class comes with its school
    part = client.get(f"/activities/new/classes/?school={w.school2.pk}").content.decode()
    assert f'value="{w.klass3.pk}" checked' in part and f'value="{w.klass.pk}"' not in part
    assert record(client, phone_post(w, school=w.school.pk, classes=[w.klass3.pk])).status_code == 400
    assert record(client, phone_post(w, school=w.school2.pk, classes=[w.klass3.pk])).status_code == 302
    assert Activity.objects.get().school == w.school2


def test_education_bureau_records_for_a_school_of_its_region(client, covered):
    w = covered
    client.force_login(w.education_staff)
    data = phone_post(w, kind=Kind.MENTAL_HEALTH, school=w.school2.pk, classes=[w.klass3.pk], students="")
    assert record(client, data).status_code == 302
    a = Activity.objects.get()
    assert a.school == w.school2 and a.students == 40 and a.officer is None and a.recorded_by == w.education_staff
    assert record(client, phone_post(w, school=w.other_school.pk, classes=[w.other_class.pk])).status_code == 400


def test_inspector_and_nobody_cannot_record(client, covered):
    w = covered
    for user in (w.inspector, w.nobody):
        client.force_login(user)
        assert client.get(NEW).status_code == 404
        assert client.post(NEW, phone_post(w)).status_code == 404
    assert Activity.objects.count() == 0


def test_officer_without_a_class_is_told_why(client, world):
    client.force_login(world.officer_user)
    response = client.get(NEW)
    page = response.content.decode()
    assert response.status_code == 200 and 'enctype="multipart/form-data"' not in page and 'class="empty"' in page


# ---- corrections and the lock ------------------------------------------------------------------------

def test_edit_within_the_window_then_locked(client, covered):
    w = covered
    client.force_login(w.officer_user)
    assert record(client, phone_post(w), photos=jpeg()).status_code == 302
    activity = Activity.objects.get()
    photo = activity.evidence.get()
    now = timezone.now()
    with time_machine.travel(now + datetime.timedelta(days=3), tick=False):
        client.force_login(w.officer_user)
        page = client.get(f"/activities/{activity.pk}/edit/").content.decode()
        assert 'name="remove_evidence"' in page
        response = client.post(f"/activities/{activity.pk}/edit/", phone_post(
            w, handbooks="45", classes=[w.klass.pk], remove_evidence=[photo.pk], notes="补充记录"))
        assert response.status_code == 302
        activity.refresh_from_db()
        assert activity.handbooks == 45 and activity.notes == "补充记录" and not activity.evidence.exists()
        versions = list(activity.history.order_by("history_date"))
        assert [v.history_type for v in versions] == ["+", "~"]
        assert versions[1].history_user == w.officer_user and "IMG_0001.jpg" in versions[1].history_change_reason
        detail = client.get(f"/activities/{activity.pk}/").content.decode()
        assert "<del>0</del> → <ins>45</ins>" in detail and str(w.officer_user) in detail
    with time_machine.travel(now + datetime.timedelta(days=Activity.EDIT_DAYS, hours=1), tick=False):
        client.force_login(w.officer_user)
        response = client.get(f"/activities/{activity.pk}/edit/")
        assert response.status_code == 403 and 'role="alert"' in response.content.decode()
        response = client.post(f"/activities/{activity.pk}/edit/", phone_post(w, handbooks="999"))
        assert response.status_code == 403
        activity.refresh_from_db()
        assert activity.handbooks == 45 and activity.history.count() == 2
        assert f"/activities/{activity.pk}/edit/" not in client.get(f"/activities/{activity.pk}/").content.decode()


def test_edit_keeps_the_limit_of_nine_files(client, covered):
    w = covered
    client.force_login(w.officer_user)
    record(client, phone_post(w), photos=[jpeg(size=(40, 30), name=f"p{i}.jpg") for i in range(8)])
    activity = Activity.objects.get()
    url = f"/activities/{activity.pk}/edit/"
    assert client.post(url, {**phone_post(w), "photos": [jpeg(size=(40, 30)), jpeg(size=(40, 30))]}).status_code == 400
    assert client.post(url, {**phone_post(w), "photos": [jpeg(size=(40, 30))]}).status_code == 302
    assert activity.evidence.count() == 9


def test_only_those_who_could_record_it_may_correct_it(client, covered):
    w = covered
    a = make_activity(w, classes=[w.klass], officer=w.officer)
    url = f"/activities/{a.pk}/edit/"
    for user in (w.inspector, w.nobody, w.outsider):
        client.force_login(user)
        assert client.get(url).status_code == 404
    for user in (w.committee_admin, w.school_admin, w.teacher, w.liaison, w.officer_user):
        client.force_login(user)
        assert client.get(url).status_code == 200, user


# ---- outsiders -----------------------------------------------------------------------------------------

def test_outsider_gets_404_for_the_activity_and_its_evidence(client, covered):
    w = covered
    client.force_login(w.officer_user)
    record(client, phone_post(w), photos=jpeg(), files=docx())
    activity = Activity.objects.get()
    urls = [f"/activities/{activity.pk}/", f"/activities/{activity.pk}/edit/"]
    for e in activity.evidence.all():
        urls += [f"/activities/evidence/{e.pk}/", f"/activities/evidence/{e.pk}/thumb"]
    for user in (w.outsider, w.nobody):
        client.force_login(user)
        for url in urls:
            for method in ("get", "post"):
                assert getattr(client, method)(url).status_code in (404, 405), (user, url, method)
    client.force_login(w.teacher)  # the class's homeroom teacher sees it all
    for url in urls:
        expected = 404 if url.endswith("thumb") and "/evidence/" in url and Evidence.objects.get(
            pk=url.split("/")[3]).type == Evidence.Type.FILE else 200
        assert client.get(url).status_code == expected, url
    client.logout()
    for url in urls:
        assert client.get(url).status_code == 302


def test_outsiders_list_is_empty(client, covered):
    w = covered
    make_activity(w, classes=[w.klass], officer=w.officer, title="敦煌的班会")
    client.force_login(w.outsider)
    page = client.get("/activities/").content.decode()
    assert "敦煌的班会" not in page


# ---- the list ------------------------------------------------------------------------------------------

def test_list_filters(client, covered):
    w = covered
    today = timezone.localdate()
    meeting = make_activity(w, classes=[w.klass], officer=w.officer, title="主题班会", date=today)
    lecture = make_activity(w, school=w.school2, kind=Kind.LECTURE, whole_school=True, title="专题讲座",
                            date=today - datetime.timedelta(days=20), notes="法院 李明 主讲")
    visit = make_activity(w, kind=Kind.HOME_VISIT, officer=w.officer2, title="家访",
                          date=today - datetime.timedelta(days=40))
    client.force_login(w.committee_admin)

    def shown(query):
        page = client.get(f"/activities/?{query}").content.decode()
        return {a for a in (meeting, lecture, visit) if f'href="/activities/{a.pk}/"' in page}

    assert shown("") == {meeting, lecture, visit}
    assert shown("kind=lecture") == {lecture}
    assert shown(f"from={(today - datetime.timedelta(days=30)).isoformat()}") == {meeting, lecture}
    assert shown(f"to={(today - datetime.timedelta(days=30)).isoformat()}") == {visit}
    assert shown(f"school={w.school2.pk}") == {lecture}
    assert shown(f"officer={w.officer2.pk}") == {visit}
    assert shown("q=主讲") == {lecture}
    assert shown("q=班会") == {meeting}
    assert shown("from=not-a-date&kind=nonsense") == {meeting, lecture, visit}
    page = client.get("/activities/?q=没有这个").content.decode()
    assert 'class="empty"' in page


def test_list_is_scoped(client, covered):
    w = covered
    mine = make_activity(w, classes=[w.klass], officer=w.officer)
    other_class = make_activity(w, classes=[w.klass2])
    client.force_login(w.teacher)
    page = client.get("/activities/").content.decode()
    assert f"/activities/{mine.pk}/" in page and f"/activities/{other_class.pk}/" not in page
    assert client.get(f"/activities/{other_class.pk}/").status_code == 404


def test_empty_list_invites_the_first_record(client, covered):
    client.force_login(covered.officer_user)
    page = client.get("/activities/").content.decode()
    assert 'class="empty"' in page and 'href="/activities/new/"' in page


def test_list_query_count_stays_flat(client, covered, settings):
    w = covered
    client.force_login(w.committee_admin)

    def add(n):
        for i in range(n):
            a = make_activity(w, classes=[w.klass, w.klass2], officer=w.officer if i % 2 else None,
                              title=f"班会{i}")
            Evidence.objects.create(activity=a, type=Evidence.Type.PHOTO, file=f"x/{a.pk}.jpg")

    add(2)
    client.get("/activities/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/activities/").status_code == 200
    add(30)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/activities/").status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_a_teacher_cannot_rewrite_a_school_record_that_covers_other_classes(client, world):
    from fazhi.activities.models import Activity

    shared = Activity.objects.create(kind="class_meeting", date=world.klass.created_at.date(), school=world.school,
                                     students=89, notes="学校登记")
    shared.classes.set([world.klass, world.klass2])
    own = Activity.objects.create(kind="class_meeting", date=world.klass.created_at.date(), school=world.school,
                                  students=45)
    own.classes.set([world.klass])
    client.force_login(world.teacher)
    assert client.get(f"/activities/{shared.pk}/").status_code == 200
    assert client.get(f"/activities/{shared.pk}/edit/").status_code == 404
    assert client.get(f"/activities/{own.pk}/edit/").status_code == 200
    shared.refresh_from_db()
    assert set(shared.classes.all()) == {world.klass, world.klass2}


def test_the_activity_list_takes_the_drill_down_filters(client, world):
    from fazhi.activities.models import Activity

    Activity.objects.create(kind="class_meeting", date=world.klass.created_at.date(), school=world.school,
                            officer=world.officer)
    Activity.objects.create(kind="class_meeting", date=world.klass.created_at.date(), school=world.other_school,
                            officer=world.other_officer)
    client.force_login(world.superuser)
    assert client.get("/activities/", {"region": "620982"}).context["page_obj"].paginator.count == 1
    assert client.get("/activities/", {"unit": world.court.pk}).context["page_obj"].paginator.count == 1
    assert client.get("/activities/", {"unit": world.police.pk}).context["page_obj"].paginator.count == 0
