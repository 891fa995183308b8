"""Class noticeboards: the public QR page, the printed boards, postings and reprints, the chat introduction."""

import datetime
import io
import json
import re
import shutil
import subprocess

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from fazhi.assignments import noticeboard as nb
from fazhi.assignments.models import Assignment, NoticeboardPosting, Pairing
from fazhi.org.models import SchoolClass

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 9, 1)


def give_class(world, klass=None, officer=None, slot=1):
    klass = klass or world.klass
    officer = officer or world.officer
    pairing, _ = Pairing.objects.get_or_create(unit=officer.unit, school=klass.school, school_year=klass.school_year)
    return Assignment.objects.create(
        role="homeroom", officer=officer, school=klass.school, school_class=klass, school_year=klass.school_year,
        status="active", load_slot=slot, starts_on=START, pairing=pairing)


@pytest.fixture
def covered(world):
    give_class(world)
    return world


def jpeg(size=(60, 80), exif_gps=False) -> bytes:
    image = Image.new("RGB", size, (90, 120, 160))
    out = io.BytesIO()
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "SecretCam"  # Make
        image.save(out, "JPEG", exif=exif)
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def pdf_pages(data: bytes) -> int:
    if tool := shutil.which("pdfinfo"):
        with_info = subprocess.run([tool, "-"], input=data, capture_output=True, check=True).stdout.decode()  # noqa: S603
        return int(re.search(r"^Pages:\s+(\d+)", with_info, re.M).group(1))
    return len(re.findall(rb"/Type\s*/Page\b", data))


def pdf_fonts(data: bytes) -> str:
    if tool := shutil.which("pdffonts"):
        return subprocess.run([tool, "-"], input=data, capture_output=True, check=True).stdout.decode()  # noqa: S603
    return data.decode("latin-1")


# ---- the public page --------------------------------------------------------------------------------

def test_public_page_shows_the_officer_and_the_hotline_without_login(client, covered):
    w = covered
    response = client.get(f"/c/{w.klass.public_token}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert w.officer.name in page and w.court.name in page and w.officer.title in page
    assert 'href="tel:13909370001"' in page
    assert "0937-8822110" in page  # the committee's supervision hotline
    assert w.school.name in page and w.klass.name in page
    assert 'id="tips"' in page and 'id="surveys"' in page  # where the tip line and the surveys plug in
    # No staff navigation, no scripts, nothing about the visitor kept.
    assert "/units/" not in page and "/accounts/" not in page and "<script" not in page
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    assert not response.cookies


def test_public_page_of_a_class_without_officer_says_so_and_shows_the_hotline(client, world):
    page = client.get(f"/c/{world.klass.public_token}/").content.decode()
    assert world.officer.name not in page
    assert "0937-8822110" in page
    assert "tel:" in page


def test_unknown_token_is_404(client, covered):
    response = client.get("/c/this-token-does-not-exist/")
    assert response.status_code == 404
    assert not response.cookies and "/units/" not in response.content.decode()
    assert client.get("/c/x/").status_code == 404
    assert client.get("/c/this-token-does-not-exist/photo").status_code == 404


def test_photo_is_404_when_the_officer_has_none(client, covered):
    assert client.get(f"/c/{covered.klass.public_token}/photo").status_code == 404


def test_photo_is_served_without_exif(client, covered):
    w = covered
    w.officer.photo.save("li.jpg", ContentFile(jpeg(exif_gps=True)), save=True)
    response = client.get(f"/c/{w.klass.public_token}/photo")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    data = b"".join(response.streaming_content)
    assert b"SecretCam" not in data
    assert Image.open(io.BytesIO(data)).size == (60, 80)
    assert response["Cache-Control"] == "no-store"
    page = client.get(f"/c/{w.klass.public_token}/").content.decode()
    assert f"/c/{w.klass.public_token}/photo" in page


# ---- the board and its fingerprint ------------------------------------------------------------------

def test_board_content(covered):
    w = covered
    board = nb.board_for(w.klass)
    assert board["school"] == w.school.name and board["class_name"] == w.klass.name
    assert board["officer"]["name"] == w.officer.name and board["officer"]["unit"] == w.court.name
    assert board["officer"]["photo"] is None
    assert board["unit_phone"] == w.court.phone
    assert board["hotline"] == w.committee.supervision_hotline
    assert board["url"] == w.klass.public_url()
    assert re.fullmatch(r"[0-9a-f]{64}", board["fingerprint"])


def test_hotline_comes_from_the_nearest_committee_up_the_region_tree(world):
    from fazhi.org.models import Unit

    city = Unit.objects.create(name="酒泉市委政法委", kind=Unit.Kind.COMMITTEE, region=world.jiuquan,
                               phone="0937-2600001", supervision_hotline="0937-2600110")
    board = nb.board_for(world.other_class)  # Suzhou district has no committee of its own
    assert board["officer"] is None
    assert board["hotline"] == city.supervision_hotline


def test_boards_for_many_classes_take_a_fixed_number_of_queries(world):
    give_class(world)
    give_class(world, klass=world.klass2, officer=world.officer2)
    classes = list(SchoolClass.objects.select_related("school"))
    with CaptureQueriesContext(connection) as queries:
        boards = nb.boards_for(classes)
    assert len(boards) == 4 and len(queries) <= 3
    with CaptureQueriesContext(connection) as queries:
        states = nb.posting_states(classes, boards=boards)
    assert len(queries) == 1 and set(states.values()) == {nb.NOT_POSTED}
    with CaptureQueriesContext(connection) as queries:
        nb.posting_states(SchoolClass.objects.all())  # classes, their boards and their postings
    assert len(queries) <= 5


# ---- printing ---------------------------------------------------------------------------------------

def test_school_pdf_has_one_page_per_class_and_embeds_the_cjk_font(client, covered):
    w = covered
    w.officer.photo.save("li.jpg", ContentFile(jpeg()), save=True)
    client.force_login(w.school_admin)
    response = client.get(f"/noticeboards/print.pdf?school={w.school.pk}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"].lower()
    data = response.content
    assert data.startswith(b"%PDF")
    assert pdf_pages(data) == SchoolClass.objects.filter(school=w.school).count() == 2
    assert "NotoSansCJK" in pdf_fonts(data).replace("-", "")


def test_class_and_region_prints(client, covered):
    w = covered
    client.force_login(w.committee_admin)
    response = client.get(f"/noticeboards/print.pdf?class={w.klass.pk}")
    assert response.status_code == 200 and pdf_pages(response.content) == 1
    response = client.get("/noticeboards/print.pdf?region=620982")
    assert response.status_code == 200 and pdf_pages(response.content) == 3


def test_render_pdf_writes_one_document_for_many_classes(tmp_path, covered):
    out = tmp_path / "boards.pdf"
    pages = nb.render_pdf(SchoolClass.objects.all(), out)
    assert pages == 4 and pdf_pages(out.read_bytes()) == 4


def test_the_pdf_fetches_nothing_outside_media(covered, settings, tmp_path):
    fetcher = nb._fetcher()
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    for url in ("http://example.com/x.png", outside.as_uri(), "file:///etc/passwd"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain,hi").read() == b"hi"


def test_outsider_gets_404_for_another_countys_print(client, covered):
    w = covered
    client.force_login(w.outsider)
    for query in (f"school={w.school.pk}", f"class={w.klass.pk}", "region=620982"):
        assert client.get(f"/noticeboards/print.pdf?{query}").status_code == 404
    # Their own county prints.
    assert client.get(f"/noticeboards/print.pdf?school={w.other_school.pk}").status_code == 200


def test_print_is_refused_to_anonymous_visitors(client, covered):
    response = client.get(f"/noticeboards/print.pdf?school={covered.school.pk}")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_print_is_limited_in_size(client, covered, monkeypatch):
    from fazhi.assignments import noticeboard_views

    monkeypatch.setattr(noticeboard_views, "MAX_PRINT_CLASSES", 2)
    client.force_login(covered.committee_admin)
    response = client.get("/noticeboards/print.pdf?region=620982")
    assert response.status_code == 400
    assert b"%PDF" not in response.content


# ---- posting and reprints ---------------------------------------------------------------------------

def post_confirmation(client, klass, **extra):
    fingerprint = nb.board_for(klass)["fingerprint"]
    return client.post(f"/noticeboards/{klass.pk}/posted/",
                       {"fingerprint": fingerprint, "posted_on": "2026-09-02", **extra})


@pytest.mark.parametrize("persona", ["school_admin", "teacher", "education_staff", "committee_admin"])
def test_posting_marks_the_board_posted(client, covered, persona):
    w = covered
    assert nb.needs_reprint(w.klass)
    client.force_login(getattr(w, persona))
    response = post_confirmation(client, w.klass)
    assert response.status_code == 302
    posting = NoticeboardPosting.objects.get()
    assert posting.confirmed_by == getattr(w, persona) and posting.posted_on == datetime.date(2026, 9, 2)
    assert not nb.needs_reprint(w.klass)


def test_a_phone_change_flags_a_reprint(client, covered):
    w = covered
    client.force_login(w.school_admin)
    post_confirmation(client, w.klass)
    assert not nb.needs_reprint(w.klass)
    w.officer.phone = "13909370077"
    w.officer.save()
    assert nb.needs_reprint(w.klass)
    states = nb.posting_states(SchoolClass.objects.filter(school=w.school))
    assert states[w.klass.pk] == nb.REPRINT
    assert states[w.klass2.pk] == nb.NOT_POSTED
    assert nb.posting_summary(SchoolClass.objects.all()) == {"posted": 0, "not_posted": 3, "reprint": 1}
    page = client.get(f"/noticeboards/{w.klass.pk}/").content.decode()
    assert "reprint" in page


def test_a_new_officer_or_hotline_changes_the_fingerprint(covered):
    w = covered
    before = nb.board_for(w.klass)["fingerprint"]
    w.committee.supervision_hotline = "12337"
    w.committee.save()
    after_hotline = nb.board_for(w.klass)["fingerprint"]
    assert after_hotline != before
    w.officer.photo.save("li.jpg", ContentFile(jpeg()), save=True)
    assert nb.board_for(w.klass)["fingerprint"] != after_hotline


def test_a_stale_confirmation_is_refused(client, covered):
    w = covered
    client.force_login(w.school_admin)
    response = client.post(f"/noticeboards/{w.klass.pk}/posted/", {"fingerprint": "0" * 64, "posted_on": "2026-09-02"})
    assert response.status_code == 400
    assert not NoticeboardPosting.objects.exists()


def test_posting_photo_is_checked_and_stripped_of_exif(client, covered, settings):
    w = covered
    client.force_login(w.teacher)
    response = post_confirmation(client, w.klass, photo=ContentFile(jpeg(exif_gps=True), name="wall.jpg"))
    assert response.status_code == 302
    posting = NoticeboardPosting.objects.get()
    data = posting.photo.read()
    assert data.startswith(b"\xff\xd8") and b"SecretCam" not in data
    assert client.get(f"/noticeboards/postings/{posting.pk}/photo").status_code == 200

    response = post_confirmation(client, w.klass, photo=ContentFile(b"not an image", name="wall.jpg"))
    assert response.status_code == 400
    settings.MAX_PHOTO_BYTES = 100
    response = post_confirmation(client, w.klass, photo=ContentFile(jpeg(size=(400, 400)), name="big.jpg"))
    assert response.status_code == 400
    assert NoticeboardPosting.objects.count() == 1


@pytest.mark.parametrize("persona", ["outsider", "liaison", "officer", "inspector"])
def test_others_get_404_when_posting(client, covered, persona):
    w = covered
    client.force_login(w.personas[persona])
    assert post_confirmation(client, w.klass).status_code == 404
    assert not NoticeboardPosting.objects.exists()


def test_outsider_gets_404_for_the_staff_page(client, covered):
    client.force_login(covered.outsider)
    assert client.get(f"/noticeboards/{covered.klass.pk}/").status_code == 404


def test_staff_page_shows_the_board_the_chat_intro_and_the_form(client, covered):
    w = covered
    client.force_login(w.school_admin)
    page = client.get(f"/noticeboards/{w.klass.pk}/").content.decode()
    assert w.officer.name in page and "<textarea" in page and "readonly" in page
    assert f'action="/noticeboards/{w.klass.pk}/posted/"' in page
    assert f"/noticeboards/print.pdf?class={w.klass.pk}" in page
    # An officer may look but not confirm.
    client.force_login(w.officer_user)
    page = client.get(f"/noticeboards/{w.klass.pk}/").content.decode()
    assert w.officer.name in page and "/posted/" not in page


# ---- chat introduction ------------------------------------------------------------------------------

def test_chat_intro_names_the_officer_and_links_the_class_page(covered):
    w = covered
    text = nb.chat_intro(w.klass)
    assert w.officer.name in text and w.court.name in text
    assert "139 0937 0001" in text
    assert w.klass.public_url() in text
    assert "0937-8822110" in text


def test_chat_intro_without_officer(world):
    text = nb.chat_intro(world.klass)
    assert "安排" in text and world.klass.public_url() in text


# ---- commands ---------------------------------------------------------------------------------------

def test_export_class_links_json(covered):
    out = io.StringIO()
    call_command("export_class_links", "--json", "--region", "620982", stdout=out)
    rows = json.loads(out.getvalue())
    assert len(rows) == 3
    assert {"school": covered.school.name, "class": covered.klass.name, "url": covered.klass.public_url()} in rows
    assert "敦煌市第二中学" in out.getvalue()  # UTF-8, not \u-escaped
    out = io.StringIO()
    call_command("export_class_links", "--json", stdout=out)
    assert len(json.loads(out.getvalue())) == 4
    out = io.StringIO()
    call_command("export_class_links", "--json", "--year", "2001", stdout=out)
    assert json.loads(out.getvalue()) == []


def test_print_noticeboards_command_writes_a_file(tmp_path, covered):
    out_file = tmp_path / "dunhuang.pdf"
    out = io.StringIO()
    call_command("print_noticeboards", "--region", "620982", "--out", str(out_file), stdout=out)
    assert out_file.read_bytes().startswith(b"%PDF")
    assert pdf_pages(out_file.read_bytes()) == 3
    assert "3 pages" in out.getvalue()
    call_command("print_noticeboards", "--region", "620982", "--school", str(covered.school.pk),
                 "--out", str(out_file), stdout=io.StringIO())
    assert pdf_pages(out_file.read_bytes()) == 2


def test_format_phone():
    assert nb.format_phone("13909370001") == "139 0937 0001"
    assert nb.format_phone("09378822110") == "0937-8822110"
    assert nb.format_phone("0937-8822110") == "0937-8822110"
    assert nb.format_phone("01012345678") == "010-12345678"
    assert nb.format_phone("12337") == "12337"
