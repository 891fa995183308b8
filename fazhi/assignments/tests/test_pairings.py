"""Pairings (包校): the list, pairing and unpairing, copying a year, and the pairing workbook.

Stories with the `world` personas of Dunhuang (620982) and the outsider of Suzhou district (620902).
"""

import io

import openpyxl
import pytest
import xlsxwriter
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from python_calamine import CalamineWorkbook

from fazhi.assignments import services
from fazhi.assignments.models import Pairing
from fazhi.assignments.pairing_excel import COLUMNS, SHEET, import_pairings
from fazhi.org.models import School, current_school_year

YEAR = current_school_year()
LIST = "/pairings/"
NEW = "/pairings/new/"


def pair(unit, school, year=YEAR):
    return Pairing.objects.create(unit=unit, school=school, school_year=year)


def pairs(year=None):
    qs = Pairing.objects.all() if year is None else Pairing.objects.filter(school_year=year)
    return set(qs.values_list("unit__name", "school__name", "school_year"))


def workbook(path, rows, columns=COLUMNS, sheet=SHEET):
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(sheet)
    for c, column in enumerate(columns):
        ws.write_string(0, c, column)
    for r, row in enumerate(rows, start=1):
        for c, column in enumerate(columns):
            value = row.get(column)
            if isinstance(value, int):
                ws.write_number(r, c, value)
            elif value:
                ws.write_string(r, c, value)
    wb.close()
    return path


def row(**kw):
    r = {"学年": YEAR, "区划代码": 620982, "学校名称": "敦煌市第二中学", "单位名称": "敦煌市人民法院"}
    r.update(kw)
    return r


def sheet_rows(content: bytes, sheet=SHEET):
    wb = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return wb.get_sheet_by_name(sheet).to_python(skip_empty_area=True)


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# ---- the list ------------------------------------------------------------------------------------

def test_committee_sees_each_school_with_its_units_and_the_unpaired_schools_apart(client, world):
    pair(world.court, world.school)
    pair(world.police, world.school)
    pair(world.other_court, world.other_school)
    client.force_login(world.committee_admin)
    response = client.get(LIST)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(r["school"], sorted(p.unit.name for p in r["pairings"])) for r in rows] == [
        (world.school, ["敦煌市人民法院", "敦煌市公安局"])]
    assert response.context["todo"] == [world.school2]
    html = response.content.decode()
    assert "酒泉市第四中学" not in html and "酒泉市肃州区人民法院" not in html


def test_list_filters_by_unit_region_search_and_year(client, world):
    pair(world.court, world.school)
    pair(world.court, world.school2)
    pair(world.police, world.school)
    pair(world.police, world.school2, YEAR - 1)
    client.force_login(world.committee_admin)
    schools = lambda **q: [r["school"] for r in client.get(LIST, q).context["rows"]]  # noqa: E731
    assert schools(unit=world.police.pk) == [world.school]
    assert schools(q="东街") == [world.school2]
    assert schools(q="公安") == [world.school]
    assert schools(region="620902") == []
    assert schools(year=YEAR - 1) == [world.school2]
    response = client.get(LIST, {"show": "unpaired", "year": YEAR - 1})
    assert [r["school"] for r in response.context["rows"]] == [world.school]


def test_list_query_count_stays_flat(client, world, django_assert_max_num_queries):
    client.force_login(world.committee_admin)
    for i in range(30):
        school = School.objects.create(region=world.dunhuang, name=f"敦煌市测试学校{i}", stage=School.Stage.PRIMARY)
        pair(world.court, school)
        pair(world.police, school)
    client.get(LIST)  # warm the session
    with django_assert_max_num_queries(13):  # + the unread-notification count in the menu
        response = client.get(LIST)
    assert len(response.context["rows"]) == 25


def test_liaison_sees_own_units_pairings_but_cannot_create(client, world):
    pair(world.court, world.school)
    pair(world.police, world.school2)
    client.force_login(world.liaison)
    response = client.get(LIST)
    assert response.status_code == 200
    assert [r["school"] for r in response.context["rows"]] == [world.school]
    assert b"/pairings/new/" not in response.content
    assert client.get(NEW).status_code == 404
    assert client.post(NEW, {"school_year": YEAR, "unit": world.court.pk, "schools": [world.school2.pk]}).status_code == 404
    assert client.post("/pairings/copy/", {"year": YEAR}).status_code == 404
    assert client.get("/pairings/import/").status_code == 404
    assert client.get("/pairings/template.xlsx").status_code == 404
    assert pairs() == {("敦煌市人民法院", "敦煌市第二中学", YEAR), ("敦煌市公安局", "敦煌市东街小学", YEAR)}


def test_teacher_and_officer_have_no_pairing_pages(client, world):
    for user in (world.teacher, world.officer_user, world.nobody):
        client.force_login(user)
        assert client.get(LIST).status_code == 404
        assert client.get("/pairings/export.xlsx").status_code == 404


# ---- pairing -------------------------------------------------------------------------------------

def test_committee_pairs_one_unit_with_several_schools(client, world):
    client.force_login(world.committee_admin)
    form = client.get(NEW)
    assert set(form.context["form"].fields["schools"].queryset) == {world.school, world.school2}
    assert world.committee not in form.context["form"].fields["unit"].queryset
    response = client.post(NEW, {"school_year": YEAR, "unit": world.court.pk, "schools": [world.school.pk, world.school2.pk]})
    assert response.status_code == 302
    assert pairs() == {("敦煌市人民法院", "敦煌市第二中学", YEAR), ("敦煌市人民法院", "敦煌市东街小学", YEAR)}
    assert set(Pairing.objects.values_list("created_by", flat=True)) == {world.committee_admin.pk}
    assert Pairing.history.filter(history_user=world.committee_admin).count() == 2


def test_duplicates_are_reported_clearly(client, world):
    pair(world.court, world.school)
    client.force_login(world.committee_admin)
    response = client.post(NEW, {"school_year": YEAR, "unit": world.court.pk,
                                 "schools": [world.school.pk, world.school2.pk]}, follow=True)
    assert response.status_code == 200
    assert any("敦煌市第二中学" in m for m in messages_of(response))
    assert Pairing.objects.count() == 2
    response = client.post(NEW, {"school_year": YEAR, "unit": world.court.pk, "schools": [world.school.pk]})
    assert response.status_code == 400
    assert "敦煌市第二中学" in str(response.context["form"].errors["schools"])
    assert Pairing.objects.count() == 2


def test_committee_cannot_pair_another_countys_school_or_a_committee(client, world):
    client.force_login(world.committee_admin)
    response = client.post(NEW, {"school_year": YEAR, "unit": world.court.pk, "schools": [world.other_school.pk]})
    assert response.status_code == 400 and "schools" in response.context["form"].errors
    response = client.post(NEW, {"school_year": YEAR, "unit": world.committee.pk, "schools": [world.school.pk]})
    assert response.status_code == 400 and "unit" in response.context["form"].errors
    response = client.post(NEW, {"school_year": YEAR, "unit": world.other_court.pk, "schools": [world.school.pk]})
    assert response.status_code == 400
    assert not Pairing.objects.exists()


# ---- unpairing -----------------------------------------------------------------------------------

def test_committee_unpairs_a_pairing_nobody_relies_on(client, world):
    p = pair(world.court, world.school)
    client.force_login(world.committee_admin)
    assert client.get(f"/pairings/{p.pk}/delete/").status_code == 405
    response = client.post(f"/pairings/{p.pk}/delete/")
    assert response.status_code == 302
    assert not Pairing.objects.exists()


def test_outsider_and_readers_get_404_on_unpairing(client, world):
    p = pair(world.court, world.school)
    for user in (world.outsider, world.liaison, world.education_staff, world.inspector, world.school_admin):
        client.force_login(user)
        assert client.post(f"/pairings/{p.pk}/delete/").status_code == 404
    assert Pairing.objects.filter(pk=p.pk).exists()


def test_unpairing_is_refused_while_an_assignment_relies_on_it(client, world):
    p = pair(world.court, world.school)
    services.propose(by=world.liaison, officer=world.officer, school_class=world.klass)
    client.force_login(world.committee_admin)
    response = client.post(f"/pairings/{p.pk}/delete/", follow=True)
    assert response.status_code == 200
    assert any("敦煌市人民法院" in m and "1" in m for m in messages_of(response))
    assert Pairing.objects.filter(pk=p.pk).exists()
    shown = response.context["rows"][0]["pairings"][0]
    assert shown.in_use == 1


# ---- copying a year ------------------------------------------------------------------------------

def test_copying_last_years_pairings_is_idempotent(client, world):
    pair(world.court, world.school, YEAR - 1)
    pair(world.police, world.school2, YEAR - 1)
    pair(world.other_court, world.other_school, YEAR - 1)
    client.force_login(world.committee_admin)
    assert client.get(LIST).context["can_copy"]
    response = client.post("/pairings/copy/", {"year": YEAR})
    assert response.status_code == 302
    assert pairs(YEAR) == {("敦煌市人民法院", "敦煌市第二中学", YEAR), ("敦煌市公安局", "敦煌市东街小学", YEAR)}
    history = Pairing.history.count()
    response = client.post("/pairings/copy/", {"year": YEAR}, follow=True)
    assert Pairing.objects.filter(school_year=YEAR).count() == 2
    assert Pairing.history.count() == history
    assert any("2" in m for m in messages_of(response))


# ---- the workbook --------------------------------------------------------------------------------

def test_template_has_the_sheet_and_its_help(client, world):
    client.force_login(world.committee_admin)
    response = client.get("/pairings/template.xlsx")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    wb = CalamineWorkbook.from_filelike(io.BytesIO(content))
    assert wb.sheet_names == ["说明", SHEET]
    assert sheet_rows(content)[0] == list(COLUMNS)


def test_export_reimports_unchanged_and_rebuilds_after_a_loss(client, world, tmp_path):
    pair(world.court, world.school)
    pair(world.police, world.school)
    pair(world.court, world.school2)
    pair(world.court, world.school2, YEAR - 1)
    client.force_login(world.committee_admin)
    response = client.get("/pairings/export.xlsx", {"year": "all"})
    content = b"".join(response.streaming_content)
    assert sheet_rows(content)[1:] == [
        [float(YEAR - 1), "620982", "敦煌市东街小学", "敦煌市人民法院"],
        [float(YEAR), "620982", "敦煌市东街小学", "敦煌市人民法院"],
        [float(YEAR), "620982", "敦煌市第二中学", "敦煌市人民法院"],
        [float(YEAR), "620982", "敦煌市第二中学", "敦煌市公安局"],
    ]
    before = pairs()
    path = tmp_path / "export.xlsx"
    path.write_bytes(content)
    result = import_pairings(path, user=world.committee_admin)
    assert result.ok and (result.created, result.unchanged) == (0, 4)
    Pairing.objects.all().delete()
    result = import_pairings(path, user=world.committee_admin)
    assert result.ok and (result.created, result.unchanged) == (4, 0)
    assert pairs() == before


def test_export_shows_only_what_the_user_may_see(client, world):
    pair(world.court, world.school)
    pair(world.police, world.school2)
    pair(world.other_court, world.other_school)
    client.force_login(world.liaison)
    content = b"".join(client.get("/pairings/export.xlsx").streaming_content)
    assert [r[2:] for r in sheet_rows(content)[1:]] == [["敦煌市第二中学", "敦煌市人民法院"]]


def test_export_keeps_formula_like_names_as_text(client, world):
    school = School.objects.create(region=world.dunhuang, name="=HYPERLINK(\"x\")", stage=School.Stage.PRIMARY)
    pair(world.court, school)
    client.force_login(world.committee_admin)
    content = b"".join(client.get("/pairings/export.xlsx").streaming_content)
    ws = openpyxl.load_workbook(io.BytesIO(content))[SHEET]
    assert ws.cell(2, 3).value == "=HYPERLINK(\"x\")" and ws.cell(2, 3).data_type == "s"


def test_import_is_idempotent_and_accepts_blank_year_and_aliases(world, tmp_path):
    aliased = [{"学年": r["学年"], "区划": r["区划代码"], "学校": r["学校名称"], "单位": r["单位名称"]} for r in (
        row(),
        row(学年="", 区划代码="620982", 学校名称="敦煌市东街小学", 单位名称="敦煌市公安局"),
        row(学年=f"{YEAR + 1}-{YEAR + 2}学年"),
    )]
    path = workbook(tmp_path / "p.xlsx", aliased, columns=("学年", "区划", "学校", "单位"))
    first = import_pairings(path, user=world.committee_admin)
    assert first.ok, first.errors
    assert (first.created, first.unchanged) == (3, 0)
    assert pairs() == {("敦煌市人民法院", "敦煌市第二中学", YEAR), ("敦煌市公安局", "敦煌市东街小学", YEAR),
                       ("敦煌市人民法院", "敦煌市第二中学", YEAR + 1)}
    history = Pairing.history.count()
    second = import_pairings(path, user=world.committee_admin)
    assert (second.created, second.unchanged) == (0, 3)
    assert Pairing.history.count() == history


def test_a_bad_row_saves_nothing_and_each_problem_is_named(world, tmp_path):
    path = workbook(tmp_path / "bad.xlsx", [
        row(),  # good
        row(学校名称="敦煌市不存在中学"),  # row 3: unknown school
        row(单位名称="敦煌市人民检察院"),  # row 4: unknown unit
        row(学年="明年"),  # row 5: bad year
        row(),  # row 6: duplicate of row 2
        row(单位名称="敦煌市委政法委"),  # row 7: a committee is not paired
        row(区划代码=620902, 学校名称="酒泉市第四中学", 单位名称="敦煌市公安局"),  # row 8: not in the user's area
        row(区划代码="", 单位名称=""),  # row 9: two required cells
    ])
    result = import_pairings(path, user=world.committee_admin)
    assert not result.ok
    assert not Pairing.objects.exists()
    found = [(e.sheet, e.row, e.column) for e in result.errors]
    assert found == [
        (SHEET, 3, "学校名称"), (SHEET, 4, "单位名称"), (SHEET, 5, "学年"), (SHEET, 6, "单位名称"),
        (SHEET, 7, "单位名称"), (SHEET, 8, "学校名称"), (SHEET, 9, "区划代码"), (SHEET, 9, "单位名称")]
    assert "2" in result.errors[3].message  # the duplicate names the row it repeats


def test_only_the_committee_of_the_schools_region_adds_pairings(world, tmp_path):
    path = workbook(tmp_path / "p.xlsx", [row()])
    # The outsider cannot see Dunhuang's school: it does not exist for them.
    result = import_pairings(path, user=world.outsider)
    assert [(e.row, e.column) for e in result.errors] == [(2, "学校名称")]
    # The liaison sees the school (paired through another year) but is not the committee.
    pair(world.court, world.school, YEAR + 1)
    result = import_pairings(path, user=world.liaison)
    assert [(e.row, e.column) for e in result.errors] == [(2, "区划代码")]
    assert pairs(YEAR) == set()
    # Restating an existing pairing needs no right.
    pair(world.court, world.school)
    result = import_pairings(path, user=world.liaison)
    assert result.ok and result.unchanged == 1


def test_file_problems_are_reported_without_saving(world, tmp_path):
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04 not really")
    assert not import_pairings(junk, user=world.committee_admin).ok
    path = workbook(tmp_path / "cols.xlsx", [row()], columns=("学年", "学校名称", "单位名称"))
    result = import_pairings(path, user=world.committee_admin)
    assert [(e.column) for e in result.errors] == ["区划代码"]
    path = workbook(tmp_path / "two.xlsx", [row()], sheet="Sheet1")
    assert import_pairings(path, user=world.committee_admin).ok  # the only sheet is taken
    empty = workbook(tmp_path / "empty.xlsx", [])
    assert not import_pairings(empty, user=world.committee_admin).ok


def test_import_page_shows_the_result_or_every_problem(client, world, tmp_path):
    client.force_login(world.committee_admin)
    assert client.get("/pairings/import/").status_code == 200
    good = workbook(tmp_path / "good.xlsx", [row(), row(学校名称="敦煌市东街小学")]).read_bytes()
    response = client.post("/pairings/import/", {"file": SimpleUploadedFile("p.xlsx", good)})
    assert response.status_code == 200 and response.context["result"].created == 2
    bad = workbook(tmp_path / "bad.xlsx", [row(学校名称="不存在")]).read_bytes()
    response = client.post("/pairings/import/", {"file": SimpleUploadedFile("p.xlsx", bad)})
    assert response.status_code == 400
    assert "import-errors" in response.content.decode()
    response = client.post("/pairings/import/", {"file": SimpleUploadedFile("p.txt", b"hello")})
    assert response.status_code == 400
    assert Pairing.objects.count() == 2


def test_command_imports_with_full_scope_and_dry_run(world, tmp_path, capsys):
    path = workbook(tmp_path / "p.xlsx", [row(), row(区划代码=620902, 学校名称="酒泉市第四中学", 单位名称="酒泉市肃州区人民法院")])
    call_command("import_pairings", str(path), "--dry-run")
    assert "Dry run" in capsys.readouterr().out
    assert not Pairing.objects.exists()
    call_command("import_pairings", str(path))
    assert len(pairs()) == 2
    bad = workbook(tmp_path / "bad.xlsx", [row(学校名称="不存在")])
    with pytest.raises(CommandError):
        call_command("import_pairings", str(bad))
    with pytest.raises(CommandError):
        call_command("import_pairings", str(tmp_path / "missing.xlsx"))


def test_a_pairing_on_the_record_of_past_assignments_stays(client, world):
    p = pair(world.court, world.school)
    proposal = services.propose(by=world.liaison, officer=world.officer, school_class=world.klass)
    services.reject(by=world.committee_admin, assignment=proposal, reason="另选人选")
    client.force_login(world.committee_admin)
    response = client.get(LIST)
    shown = response.context["rows"][0]["pairings"][0]
    assert (shown.in_use, shown.on_record) == (0, 1)
    assert f"/pairings/{p.pk}/delete/" not in response.content.decode()
    response = client.post(f"/pairings/{p.pk}/delete/", follow=True)
    assert any(str(YEAR) in m for m in messages_of(response))
    assert Pairing.objects.filter(pk=p.pk).exists()
