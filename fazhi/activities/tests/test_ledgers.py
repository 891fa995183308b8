"""Ledgers (工作台账): the activities of an officer, unit, school or region for a period, as Excel and as a
printed PDF with photos; always within the user's scope."""

import datetime
import io
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader
from python_calamine import CalamineWorkbook

from fazhi.activities import ledger, ledger_views
from fazhi.activities.models import Activity, Evidence, Kind, Mode

D = datetime.date
START, END = D(2026, 9, 1), D(2026, 11, 30)
TITLE = "敦煌市 法治班主任工作台账 2026-09-01 至 2026-11-30"


def add_activity(world, *, date, school=None, officer=None, classes=None, **fields):
    values = {"kind": Kind.LEGAL_EDUCATION, "duration_minutes": 45, "students": 40, "teachers": 2, "parents": 0,
              "handbooks": 40, "pledges": 40, "title": "拒绝校园欺凌", "recorded_by": world.officer_user}
    values.update(fields)
    activity = Activity.objects.create(date=date, school=school or world.school,
                                       officer=world.officer if officer is None else officer or None, **values)
    activity.classes.set(classes if classes is not None else [world.klass])
    return activity


def write_jpeg(name: str, color=(200, 40, 40)) -> str:
    path = Path(settings.MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (64, 48), color).save(path, "JPEG")
    return name


def add_photos(activity, count: int, prefix: str = "p") -> None:
    for i in range(count):
        name = write_jpeg(f"activities/thumbs/2026/09/{prefix}{activity.pk}-{i}.jpg", (40 * i % 255, 90, 160))
        Evidence.objects.create(activity=activity, type=Evidence.Type.PHOTO, file=f"activities/2026/09/{i}.jpg",
                                thumbnail=name)


def query(kind, subject, start=START, end=END) -> dict:
    return {"scope": kind, kind: subject, "start": start.isoformat(), "end": end.isoformat()}


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def template_names(response) -> list[str]:
    return [t.name for t in response.templates]


@pytest.fixture
def season(world):
    """Autumn 2026 in Dunhuang, and a few activities just outside it and in the neighbouring county."""
    w = world
    inside = [
        add_activity(w, date=D(2026, 9, 1), title="开学第一课", classes=[w.klass, w.klass2]),
        add_activity(w, date=D(2026, 10, 15), kind=Kind.CASE_TALK, officer=w.officer2, school=w.school2,
                     classes=[w.klass3], mode=Mode.ONLINE, handbooks=0, pledges=0, students=38, parents=12,
                     title='=HYPERLINK("http://example.com","点击")'),
        add_activity(w, date=D(2026, 11, 30), kind=Kind.HOME_VISIT, officer=False, classes=[], whole_school=True,
                     students=1, teachers=1, parents=2, handbooks=1, pledges=1, title="=1+1",
                     notes="<r>a&b</r>"),
    ]
    outside = [
        add_activity(w, date=D(2026, 8, 31)),
        add_activity(w, date=D(2026, 12, 1)),
        add_activity(w, date=D(2026, 10, 1), school=w.other_school, officer=w.other_officer,
                     classes=[w.other_class]),
    ]
    return inside, outside


# ---- what a ledger holds ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_region_ledger_holds_the_period_exactly_in_date_order(world, season):
    inside, _outside = season
    qs = ledger.select_activities(world.committee_admin, region=world.dunhuang, start=START, end=END)
    assert list(qs) == inside  # 1 Sept and 30 Nov included; 31 Aug, 1 Dec and Suzhou's activity not


@pytest.mark.django_db
def test_unit_ledger_holds_the_activities_of_its_officers(world, season):
    inside, _ = season
    assert list(ledger.select_activities(world.superuser, unit=world.court, start=START, end=END)) == [inside[0]]
    assert list(ledger.select_activities(world.superuser, unit=world.police, start=START, end=END)) == [inside[1]]


@pytest.mark.django_db
def test_officer_and_school_ledgers(world, season):
    inside, _ = season
    assert list(ledger.select_activities(world.superuser, officer=world.officer2, start=START, end=END)) == [inside[1]]
    assert list(ledger.select_activities(world.superuser, school=world.school, start=START, end=END)) == [
        inside[0], inside[2]]


@pytest.mark.django_db
def test_city_ledger_spans_its_counties(world, season):
    qs = ledger.select_activities(world.superuser, region="6209", start=START, end=END)
    assert qs.count() == 4


@pytest.mark.parametrize("today, expected", [
    (D(2026, 9, 1), (D(2026, 9, 1), D(2027, 1, 31))),
    (D(2026, 12, 31), (D(2026, 9, 1), D(2027, 1, 31))),
    (D(2027, 1, 31), (D(2026, 9, 1), D(2027, 1, 31))),
    (D(2027, 2, 1), (D(2027, 2, 1), D(2027, 7, 31))),
    (D(2027, 7, 31), (D(2027, 2, 1), D(2027, 7, 31))),
    (D(2027, 8, 15), (D(2027, 2, 1), D(2027, 7, 31))),  # the holiday: the semester just ended
])
def test_semester_range(today, expected):
    assert ledger.semester_range(today) == expected


# ---- Excel -----------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_excel_ledger_has_title_one_row_per_activity_and_totals(client, world, season):
    inside, _ = season
    client.force_login(world.committee_admin)
    response = client.get(reverse("ledgers:export_xlsx"), query("region", "620982"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    data = body(response)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("工作台账").to_python()
    assert rows[0][0] == TITLE
    assert "区域：敦煌市（620982）" in rows[1][0]
    assert rows[2][:5] == ["序号", "日期", "活动类型", "形式(线上/线下)", "主题/标题"]
    assert rows[2][-2:] == ["佐证材料(份)", "记录人"]
    body_rows = rows[3:6]
    assert [r[1] for r in body_rows] == [D(2026, 9, 1), D(2026, 10, 15), D(2026, 11, 30)]
    first, second, third = body_rows
    assert first[2:9] == ["法治宣传教育", "线下", "开学第一课", "敦煌市第二中学", "七年级(3)班、八年级(1)班", "李明",
                          "敦煌市人民法院"]
    assert second[2:5] == ["案例宣讲", "线上", '=HYPERLINK("http://example.com","点击")']
    assert third[6] == "全校" and third[7] == "" and third[8] == ""
    # Formula-like text stays text, and rich-text-like XML neither breaks the file nor becomes markup.
    assert third[4] == "=1+1"
    assert third[15].rstrip("\u200b") == "<r>a&b</r>"
    assert third[17] == "officer"
    totals = rows[6]
    assert totals[0] == "合计（3 次活动）"
    assert totals[9:15] == [135, 79, 5, 14, 41, 41]
    assert totals[16] == 0
    figures = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("分类汇总").to_python()
    by_kind = {r[0]: r for r in figures[3:14]}
    assert by_kind["法治宣传教育"][1] == 1 and by_kind["案例宣讲"][1:3] == [1, 1] and by_kind["家访"][1] == 1
    assert by_kind["合计"][1:] == [3, 1, 135, 79, 5, 14, 41, 41, 0]

    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["工作台账"]
    assert sheet["E6"].data_type == "s" and sheet["E6"].value == "=1+1"
    assert sheet["J7"].value == "=SUM(J4:J6)"  # live totals
    assert sheet.freeze_panes == "A4"
    assert sheet.print_title_rows == "$3:$3"
    assert sheet.page_setup.orientation == "landscape" and str(sheet.page_setup.paperSize) == "9"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth in (1, None)


@pytest.mark.django_db
def test_excel_export_query_count_is_flat(client, world, django_assert_max_num_queries):
    for day in range(1, 16):
        a = add_activity(world, date=D(2026, 9, day), classes=[world.klass, world.klass2])
        Evidence.objects.create(activity=a, type=Evidence.Type.FILE, file="activities/x.pdf")
    client.force_login(world.committee_admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("ledgers:export_xlsx"), query("region", "620982"))
        data = body(response)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("工作台账").to_python()
    assert len(rows[3:18]) == 15 and rows[18][16] == 15


# ---- PDF -------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_pdf_ledger_has_cover_entries_photos_and_embedded_chinese_font(client, world, season, tmp_path):
    inside, _ = season
    add_photos(inside[0], 5)  # four are printed
    missing = Evidence.objects.create(activity=inside[1], type="photo", file="activities/gone.jpg",
                                      thumbnail="activities/thumbs/gone.jpg")
    outside = tmp_path / "secret.jpg"
    Image.new("RGB", (10, 10)).save(outside, "JPEG")
    Evidence.objects.create(activity=inside[1], type="photo", file="activities/a.jpg",
                            thumbnail=f"../{outside.name}")  # outside MEDIA_ROOT: never read
    client.force_login(world.committee_admin)
    response = client.get(reverse("ledgers:export_pdf"), query("region", "620982"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    data = body(response)
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    pages = len(reader.pages)
    assert 2 <= pages <= 4  # a cover and three entries
    texts = [page.extract_text() for page in reader.pages]
    assert "敦煌市 法治班主任工作台账" in texts[0] and "2026-09-01 至 2026-11-30" in texts[0]
    assert "分类汇总" in texts[0]
    for n, text in enumerate(texts, start=1):
        assert f"第 {n} 页" in text and f"共 {pages} 页" in text
    entries = "".join(texts[1:])
    assert "第 1 条" in entries and "第 3 条" in entries and "开学第一课" in entries and "共 5 份" in entries
    images = {image.name: image.image.size for page in reader.pages for image in page.images}  # pages share resources
    assert list(images.values()) == [(64, 48)] * 4  # neither the missing thumbnail nor the file outside MEDIA_ROOT
    assert missing.pk  # the missing thumbnail was skipped without failing the print
    if shutil.which("pdffonts"):
        path = tmp_path / "ledger.pdf"
        path.write_bytes(data)
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout  # noqa: S603,S607
        cjk = [line for line in fonts.splitlines() if "Noto-Sans-CJK-SC" in line]
        assert cjk and all(" yes yes " in line for line in cjk)  # embedded and subset
    else:
        assert b"Noto-Sans-CJK-SC" in data


@pytest.mark.django_db
def test_large_pdf_is_laid_out_in_parts_and_numbered_as_one(world, monkeypatch, tmp_path):
    for day in range(1, 8):
        add_activity(world, date=D(2026, 9, day), notes="结合典型案例讲解校园欺凌的法律后果。" * 12)
    monkeypatch.setattr(ledger, "ACTIVITIES_PER_PROCESS", 3)
    monkeypatch.setattr(ledger, "_cpu_count", lambda: 2)
    qs = ledger.for_export(ledger.select_activities(world.superuser, region="620982", start=START, end=END))
    out = tmp_path / "big.pdf"
    pages = ledger.render_pdf(qs, out, TITLE, period="2026-09-01 至 2026-11-30")
    reader = PdfReader(out)
    assert len(reader.pages) == pages >= 3
    for n, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"第 {n} 页" in text and f"共 {pages} 页" in text
        if n > 1:
            assert TITLE in text  # the running title
    assert "第 7 条" in reader.pages[-1].extract_text()


@pytest.mark.django_db
def test_pdf_over_the_cap_asks_to_narrow_the_range(client, world, season, monkeypatch):
    monkeypatch.setattr(ledger_views, "MAX_PDF_ACTIVITIES", 2)
    client.force_login(world.committee_admin)
    response = client.get(reverse("ledgers:export_pdf"), query("region", "620982"))
    assert response.status_code == 400
    assert "activities/ledger_message.html" in template_names(response)
    assert "3" in response.content.decode()
    assert client.get(reverse("ledgers:export_xlsx"), query("region", "620982")).status_code == 200


# ---- messages --------------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("name", ["ledgers:export_xlsx", "ledgers:export_pdf"])
def test_empty_period_gives_a_message_page(client, world, season, name):
    client.force_login(world.committee_admin)
    response = client.get(reverse(name), query("school", world.school2.pk, D(2027, 3, 1), D(2027, 3, 31)))
    assert response.status_code == 404
    assert "activities/ledger_message.html" in template_names(response)
    assert "敦煌市东街小学" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("params", [
    query("region", "620982", END, START),  # backwards
    {"scope": "region", "region": "620982", "start": "2026-13-01", "end": "2026-11-30"},
    {"scope": "region", "region": "620982", "start": "", "end": "2026-11-30"},
    {"scope": "school", "start": "2026-09-01", "end": "2026-11-30"},  # no school chosen
    {"scope": "everything", "start": "2026-09-01", "end": "2026-11-30"},
])
def test_invalid_request_gives_a_message_page(client, world, season, params):
    client.force_login(world.committee_admin)
    for name in ("ledgers:export_xlsx", "ledgers:export_pdf"):
        response = client.get(reverse(name), params)
        assert response.status_code == 400
        assert "activities/ledger_message.html" in template_names(response)
    page = client.get(reverse("ledgers:index"), params)
    assert page.status_code == 200 and page.context["ledger"] is None and page.context["form"].errors


# ---- scope -----------------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("name", ["ledgers:index", "ledgers:export_xlsx", "ledgers:export_pdf"])
def test_outsider_gets_404_for_another_countys_ledgers(client, world, season, name):
    client.force_login(world.outsider)
    for params in (query("school", world.school.pk), query("officer", world.officer.pk),
                   query("unit", world.court.pk), query("region", "620982")):
        assert client.get(reverse(name), params).status_code == 404, params
    # their own county is fine
    assert client.get(reverse(name), query("region", "620902")).status_code == 200


@pytest.mark.django_db
def test_county_user_cannot_export_the_city_above(client, world, season):
    client.force_login(world.committee_admin)
    for code in ("6209", "62", "620902"):
        assert client.get(reverse("ledgers:export_xlsx"), query("region", code)).status_code == 404


@pytest.mark.django_db
def test_liaison_exports_only_their_units_officers(client, world, season):
    client.force_login(world.liaison)
    ok = client.get(reverse("ledgers:export_xlsx"), query("officer", world.officer.pk))
    assert ok.status_code == 200
    assert client.get(reverse("ledgers:export_xlsx"), query("unit", world.court.pk)).status_code == 200
    assert client.get(reverse("ledgers:export_xlsx"), query("officer", world.officer2.pk)).status_code == 404
    assert client.get(reverse("ledgers:export_pdf"), query("unit", world.police.pk)).status_code == 404
    assert client.get(reverse("ledgers:export_xlsx"), query("region", "620982")).status_code == 404
    page = client.get(reverse("ledgers:index"))
    assert [o.pk for o in page.context["officers"]] == [world.officer.pk]
    assert page.context["regions"] == []


@pytest.mark.django_db
def test_liaisons_school_ledger_holds_only_their_units_work(client, world, season):
    """A liaison sees the schools paired with their unit; that school's ledger holds their unit's work only."""
    from fazhi.assignments.models import Pairing
    from fazhi.org.models import current_school_year

    Pairing.objects.create(unit=world.court, school=world.school, school_year=current_school_year())
    client.force_login(world.liaison)
    response = client.get(reverse("ledgers:export_xlsx"), query("school", world.school.pk))
    assert response.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(body(response))).get_sheet_by_name("工作台账").to_python()
    assert rows[4][0] == "合计（1 次活动）" and rows[3][7] == "李明"


@pytest.mark.django_db
def test_anonymous_and_roleless_users_are_refused(client, world):
    assert client.get(reverse("ledgers:index")).status_code == 302
    client.force_login(world.nobody)
    assert client.get(reverse("ledgers:index")).status_code == 404
    assert client.get(reverse("ledgers:export_xlsx"), query("region", "620982")).status_code == 404


# ---- the page --------------------------------------------------------------------------------------

@pytest.mark.django_db
@time_machine.travel(datetime.datetime(2026, 11, 15, 10, 0, tzinfo=datetime.UTC), tick=False)
def test_page_defaults_to_the_users_region_and_semester_with_preview(client, world, season,
                                                                     django_assert_max_num_queries):
    client.force_login(world.committee_admin)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("ledgers:index"))
    assert response.status_code == 200
    lg = response.context["ledger"]
    assert (lg.kind, lg.subject.code, lg.start, lg.end) == ("region", "620982", D(2026, 9, 1), D(2027, 1, 31))
    assert response.context["total"]["count"] == 4  # the three of the season and 1 December
    counts = {row["kind"]: row["count"] for row in response.context["kinds"]}
    assert counts == {Kind.LEGAL_EDUCATION: 2, Kind.CASE_TALK: 1, Kind.HOME_VISIT: 1}
    html = response.content.decode()
    assert reverse("ledgers:export_xlsx") in html and reverse("ledgers:export_pdf") in html


@pytest.mark.django_db
def test_page_preview_matches_the_export(client, world, season):
    client.force_login(world.committee_admin)
    response = client.get(reverse("ledgers:index"), query("region", "620982"))
    total = response.context["total"]
    assert (total["count"], total["students"], total["handbooks"], total["pledges"]) == (3, 79, 41, 41)
    assert response.context["summary"].school_count == 2


@pytest.mark.django_db
@pytest.mark.parametrize("persona, kind", [
    ("liaison", "unit"), ("officer", "officer"), ("school_admin", "school"), ("teacher", "school"),
    ("inspector", "region"), ("education_staff", "region"),
])
def test_each_role_starts_from_its_own_ledger(client, world, season, persona, kind):
    client.force_login(world.personas[persona])
    response = client.get(reverse("ledgers:index"))
    assert response.status_code == 200
    assert response.context["ledger"].kind == kind
