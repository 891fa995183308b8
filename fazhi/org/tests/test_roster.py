"""The roster workbook: template, import (all-or-nothing, idempotent, scoped), export and the command.

Stories with the `world` personas of Dunhuang (620982); workbooks are built in tmp_path with xlsxwriter.
"""

import io
import zipfile

import openpyxl
import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from python_calamine import CalamineWorkbook

from fazhi.org import roster
from fazhi.org.models import Officer, School, SchoolClass, current_school_year
from fazhi.org.roster import CLASS_COLUMNS, OFFICER_COLUMNS, SHEET_CLASSES, SHEET_OFFICERS, import_roster
from fazhi.org.validators import normalize_phone

URL = "/roster/"


def workbook(path, classes=None, officers=None, class_columns=CLASS_COLUMNS, officer_columns=OFFICER_COLUMNS,
             extra_sheets=()):
    """Write a roster workbook: `classes` / `officers` are lists of {column: value} (None: no sheet)."""
    wb = xlsxwriter.Workbook(str(path))
    for name, rows, columns in ((SHEET_CLASSES, classes, class_columns), (SHEET_OFFICERS, officers, officer_columns)):
        if rows is None:
            continue
        ws = wb.add_worksheet(name)
        for c, column in enumerate(columns):
            ws.write_string(0, c, column)
        for r, row in enumerate(rows, start=1):
            for c, column in enumerate(columns):
                value = row.get(column)
                if isinstance(value, int | float):
                    ws.write_number(r, c, value)  # as Excel stores numbers: 13909370011 comes back 13909370011.0
                elif value:
                    ws.write_string(r, c, value)
    for name in extra_sheets:
        wb.add_worksheet(name).write_string(0, 0, "whatever")
    wb.close()
    return path


def class_row(**kw):
    row = {"区划代码": 620982, "学校名称": "敦煌市第三中学", "学段": "初中", "学校地址": "敦煌市沙州镇阳关中路1号",
           "学年": 2026, "年级": 7, "班号": 1, "班主任": "刘老师", "班主任电话": 13909371001, "学生人数": 42}
    row.update(kw)
    return row


def officer_row(**kw):
    row = {"单位名称": "敦煌市人民法院", "姓名": "陈刚", "性别": "男", "手机号": 13909370011, "职务职级": "审判员",
           "状态": "在岗"}
    row.update(kw)
    return row


GOOD_CLASSES = [
    class_row(),
    class_row(年级="七年级", 班号=2, 班主任="周老师", 班主任电话="139 0937 1002"),
    class_row(年级=8, 班号=1, 班级名称="八年级火箭班", 班主任="", 班主任电话=None, 学生人数=None),
    class_row(学校名称="敦煌市七里镇小学", 学段="小学", 学校地址="", 年级="一年级", 班号=1, 班主任电话="0937-8821234"),
]
GOOD_OFFICERS = [
    officer_row(),
    officer_row(单位名称="敦煌市公安局", 姓名="马丽", 性别="女", 手机号="13909370012", 职务职级="一级警长"),
]


def history_counts():
    return (School.history.count(), SchoolClass.history.count(), Officer.history.count())


def counts(result):
    return {kind: (c.created, c.updated, c.unchanged) for kind, c in
            (("schools", result.schools), ("classes", result.classes), ("officers", result.officers))}


def upload(client, path, name=None):
    with open(path, "rb") as fh:
        return client.post(URL, {"file": SimpleUploadedFile(name or path.name, fh.read())})


def error_cells(result):
    return {(e.sheet, e.row, e.column) for e in result.errors}


# ---- access --------------------------------------------------------------------------------------

@pytest.mark.parametrize("persona", ["teacher", "inspector", "officer", "nobody"])
def test_roster_pages_are_404_without_the_right(client, world, persona):
    client.force_login(world.nobody if persona == "nobody" else world.personas[persona])
    for url in (URL, "/roster/template.xlsx", "/roster/export.xlsx"):
        assert client.get(url).status_code == 404, url
    assert client.post(URL, {}).status_code == 404


def test_outsider_has_the_page_for_their_own_county_only(client, world):
    # The outsider administers Suzhou district: the page is theirs too, but Dunhuang is not (next test).
    client.force_login(world.outsider)
    assert client.get(URL).status_code == 200


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_outsider_cannot_import_into_dunhuang_nor_export_it(client, world, tmp_path):
    client.force_login(world.outsider)
    response = upload(client, workbook(tmp_path / "r.xlsx", classes=[class_row()], officers=[officer_row()]))
    assert response.status_code == 400
    cells = error_cells(response.context["result"])
    assert (SHEET_CLASSES, 2, "区划代码") in cells
    assert (SHEET_OFFICERS, 2, "单位名称") in cells
    assert not School.objects.filter(name="敦煌市第三中学").exists()
    export = client.get("/roster/export.xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content)))
    text = str([[c.value for c in row] for ws in wb for row in ws.iter_rows()])
    assert "敦煌" not in text and "酒泉市第四中学" in text


# ---- template ------------------------------------------------------------------------------------

def test_template_downloads_and_parses(client, world, tmp_path):
    client.force_login(world.committee_admin)
    response = client.get("/roster/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    data = b"".join(response.streaming_content)
    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert set(wb.sheet_names) == {roster.SHEET_HELP, SHEET_CLASSES, SHEET_OFFICERS}
    assert wb.get_sheet_by_name(SHEET_CLASSES).to_python()[0] == list(CLASS_COLUMNS)
    assert wb.get_sheet_by_name(SHEET_OFFICERS).to_python()[0] == list(OFFICER_COLUMNS)
    assert "区划代码" in str(wb.get_sheet_by_name(roster.SHEET_HELP).to_python())
    # The empty template is a valid layout with nothing in it.
    path = tmp_path / "t.xlsx"
    path.write_bytes(data)
    result = import_roster(path, user=world.committee_admin)
    assert not result.ok and len(result.errors) == 1 and result.file_errors == result.errors


# ---- import: creating, re-importing, correcting ---------------------------------------------------

def test_committee_admin_imports_schools_classes_and_officers(client, world, tmp_path):
    client.force_login(world.committee_admin)
    response = upload(client, workbook(tmp_path / "r.xlsx", GOOD_CLASSES, GOOD_OFFICERS))
    assert response.status_code == 200, response.context["errors"]
    assert counts(response.context["result"]) == {
        "schools": (2, 0, 0), "classes": (4, 0, 0), "officers": (2, 0, 0)}
    assert 'aria-live="polite"' in response.content.decode()

    school = School.objects.get(region=world.dunhuang, name="敦煌市第三中学")
    assert school.stage == School.Stage.JUNIOR and school.address == "敦煌市沙州镇阳关中路1号"
    classes = {(k.grade, k.number): k for k in school.classes.all()}
    assert set(classes) == {(7, 1), (7, 2), (8, 1)}
    assert classes[7, 1].name == "七年级(1)班" and classes[7, 1].school_year == 2026
    assert classes[7, 1].homeroom_teacher_phone == "13909371001"  # not 13909371001.0
    assert classes[7, 2].homeroom_teacher_phone == "13909371002"
    assert classes[8, 1].name == "八年级火箭班" and classes[8, 1].student_count == 0
    primary = SchoolClass.objects.get(school__name="敦煌市七里镇小学")
    assert (primary.grade, primary.school.stage, primary.homeroom_teacher_phone) == (1, "primary", normalize_phone("0937-8821234"))

    chen = Officer.objects.get(phone="13909370011")
    assert (chen.unit, chen.name, chen.gender, chen.title, chen.status) == (world.court, "陈刚", "M", "审判员", "active")
    assert Officer.objects.get(phone="13909370012").unit == world.police
    assert chen.history.get().history_user == world.committee_admin


def test_reimporting_the_same_file_changes_nothing(world, tmp_path):
    path = workbook(tmp_path / "r.xlsx", GOOD_CLASSES, GOOD_OFFICERS)
    assert import_roster(path, user=world.committee_admin).ok
    before = history_counts()
    result = import_roster(path, user=world.committee_admin)
    assert result.ok
    assert counts(result) == {"schools": (0, 0, 2), "classes": (0, 0, 4), "officers": (0, 0, 2)}
    assert history_counts() == before


def test_corrected_file_updates_records_by_natural_key(world, tmp_path):
    assert import_roster(workbook(tmp_path / "a.xlsx", GOOD_CLASSES, GOOD_OFFICERS), user=world.committee_admin).ok
    before_ids = set(SchoolClass.objects.values_list("pk", flat=True)), set(Officer.objects.values_list("pk", flat=True))
    before = history_counts()
    corrected_classes = [dict(r) for r in GOOD_CLASSES]
    corrected_classes[0].update(班主任="刘芳", 学生人数=44)
    corrected_officers = [dict(r) for r in GOOD_OFFICERS]
    corrected_officers[1].update(职务职级="二级警长", 状态="调离", 手机号="139-0937-0012")
    result = import_roster(workbook(tmp_path / "b.xlsx", corrected_classes, corrected_officers),
                           user=world.committee_admin)
    assert result.ok, result.errors
    assert counts(result) == {"schools": (0, 0, 2), "classes": (0, 1, 3), "officers": (0, 1, 1)}
    assert (set(SchoolClass.objects.values_list("pk", flat=True)), set(Officer.objects.values_list("pk", flat=True))) \
        == before_ids
    klass = SchoolClass.objects.get(school__name="敦煌市第三中学", grade=7, number=1)
    assert (klass.homeroom_teacher, klass.student_count) == ("刘芳", 44)
    ma = Officer.objects.get(phone="13909370012")
    assert (ma.title, ma.status, ma.status_changed_on is not None) == ("二级警长", "transferred", True)
    # the officer's corrected title, then the transfer as its own entry (through Officer.change_status, which
    # also ends the officer's classes and opens their handovers)
    assert history_counts() == (before[0], before[1] + 1, before[2] + 2)


def test_blank_optional_cells_keep_what_is_stored(world, tmp_path):
    row = {"区划代码": "620982", "学校名称": world.school.name, "学段": "初中", "年级": 7, "班号": 3,
           "学年": world.klass.school_year}
    result = import_roster(workbook(tmp_path / "r.xlsx", [row]), user=world.school_admin)
    assert counts(result)["classes"] == (0, 0, 1)
    world.klass.refresh_from_db()
    assert (world.klass.homeroom_teacher, world.klass.student_count) == ("王老师", 45)


def test_school_only_rows_and_school_year_default(world, tmp_path):
    rows = [{"区划代码": "620982", "学校名称": "敦煌市阳关学校", "学段": "九年一贯制"},
            {"区划代码": "620982", "学校名称": "敦煌中学", "学段": "高中", "年级": "高二", "班号": "(4)班"}]
    result = import_roster(workbook(tmp_path / "r.xlsx", rows), user=world.education_staff)
    assert result.ok, result.errors
    assert counts(result)["schools"] == (2, 0, 0) and counts(result)["classes"] == (1, 0, 0)
    assert not School.objects.get(name="敦煌市阳关学校").classes.exists()
    klass = SchoolClass.objects.get(school__name="敦煌中学")
    assert (klass.grade, klass.number, klass.school_year, klass.name) == (11, 4, current_school_year(), "高二(4)班")


# ---- import: all or nothing, row-by-row errors ----------------------------------------------------

def test_one_bad_row_among_good_ones_saves_nothing_and_says_where(client, world, tmp_path):
    client.force_login(world.committee_admin)
    rows = [*GOOD_CLASSES[:2], class_row(班号=5, 班主任电话="1390937"), *GOOD_CLASSES[2:]]
    before = history_counts()
    response = upload(client, workbook(tmp_path / "r.xlsx", rows, GOOD_OFFICERS))
    assert response.status_code == 400
    result = response.context["result"]
    assert error_cells(result) == {(SHEET_CLASSES, 4, "班主任电话")}
    html = response.content.decode()
    assert 'id="import-errors"' in html and "<td>班主任电话</td>" in html
    assert history_counts() == before
    assert not School.objects.filter(name="敦煌市第三中学").exists()
    assert not Officer.objects.filter(phone="13909370011").exists()


def test_every_problem_is_reported_with_row_and_column(world, tmp_path):
    classes = [
        class_row(),
        class_row(),  # the same class again
        class_row(班号=2, 学段="小学"),  # the school's stage differs from row 2
        class_row(学校名称="敦煌市东街小学", 学段="小学", 年级=7),  # grade 7 in a primary school
        class_row(区划代码="620999", 学校名称="不存在的学校"),  # unknown region
        class_row(班号=3, 年级="十三年级", 学年="明年", 学生人数=500),
        class_row(学校名称="", 学段="大学"),
    ]
    officers = [
        officer_row(),
        officer_row(姓名="陈刚二"),  # the same phone again
        officer_row(单位名称="敦煌市检察院", 手机号=13909370021),  # no such unit
        officer_row(手机号="12345", 性别="未知", 状态="在家"),
        officer_row(姓名="", 手机号=13909370022),
    ]
    result = import_roster(workbook(tmp_path / "r.xlsx", classes, officers), user=world.committee_admin)
    assert not result.ok
    cells = error_cells(result)
    assert cells == {
        (SHEET_CLASSES, 3, "班号"),
        (SHEET_CLASSES, 4, "学段"),
        (SHEET_CLASSES, 5, "年级"),
        (SHEET_CLASSES, 6, "区划代码"),
        (SHEET_CLASSES, 7, "年级"), (SHEET_CLASSES, 7, "学年"), (SHEET_CLASSES, 7, "学生人数"),
        (SHEET_CLASSES, 8, "学校名称"), (SHEET_CLASSES, 8, "学段"),
        (SHEET_OFFICERS, 3, "手机号"),
        (SHEET_OFFICERS, 4, "单位名称"),
        (SHEET_OFFICERS, 5, "手机号"), (SHEET_OFFICERS, 5, "性别"), (SHEET_OFFICERS, 5, "状态"),
        (SHEET_OFFICERS, 6, "姓名"),
    }, sorted(result.errors, key=str)
    messages = {(e.row, e.column): e.message for e in result.errors if e.sheet == SHEET_CLASSES}
    assert "2" in messages[3, "班号"]  # the row the class first appears on
    assert "6" in messages[5, "年级"]  # a primary school has grades 1–6
    assert School.objects.count() == 3 and Officer.objects.count() == 3


def test_grade_not_allowed_for_stage(world, tmp_path):
    result = import_roster(workbook(tmp_path / "r.xlsx", [class_row(学段="高中", 年级=9)]), user=world.committee_admin)
    assert error_cells(result) == {(SHEET_CLASSES, 2, "年级")}


def test_duplicates_in_the_file(world, tmp_path):
    result = import_roster(workbook(tmp_path / "r.xlsx", [class_row(), class_row(班主任="另一位")],
                                    [officer_row(), officer_row(手机号="13909370011", 姓名="另一位")]),
                           user=world.committee_admin)
    assert error_cells(result) == {(SHEET_CLASSES, 3, "班号"), (SHEET_OFFICERS, 3, "手机号")}


def test_unknown_unit_and_bad_phone(world, tmp_path):
    result = import_roster(workbook(tmp_path / "r.xlsx", officers=[
        officer_row(单位名称="敦煌市法院"), officer_row(手机号="0937882", 姓名="王五")]), user=world.committee_admin)
    assert error_cells(result) == {(SHEET_OFFICERS, 2, "单位名称"), (SHEET_OFFICERS, 3, "手机号")}
    assert "敦煌市法院" in result.errors[0].message


def test_missing_columns_and_title_row(world, tmp_path):
    path = tmp_path / "r.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(SHEET_OFFICERS)
    ws.write_string(0, 0, "敦煌市干警名单")  # a title above the header
    for c, column in enumerate(["单位名称", "姓名", "手机号"]):
        ws.write_string(1, c, column)
    wb.close()
    result = import_roster(path, user=world.committee_admin)
    assert error_cells(result) == {(SHEET_OFFICERS, 2, "性别")}


def test_a_title_row_above_the_header_shifts_the_row_numbers(world, tmp_path):
    path = tmp_path / "r.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(SHEET_OFFICERS)
    ws.write_string(0, 0, "敦煌市干警名单")
    for c, column in enumerate(OFFICER_COLUMNS):
        ws.write_string(2, c, column)
    ws.write_row(3, 0, ["敦煌市人民法院", "陈刚", "男", "13909370011"])
    ws.write_row(5, 0, ["敦煌市人民法院", "陈强", "男", "1390937"])
    wb.close()
    result = import_roster(path, user=world.committee_admin)
    assert error_cells(result) == {(SHEET_OFFICERS, 6, "手机号")}


def test_ambiguous_unit_name_asks_for_distinct_names(world, tmp_path):
    from fazhi.org.models import Unit

    Unit.objects.create(name="敦煌市人民法院", kind=Unit.Kind.COURT, region=world.suzhou, phone="0937-2610000")
    result = import_roster(workbook(tmp_path / "r.xlsx", officers=[officer_row()]), user=None)
    assert error_cells(result) == {(SHEET_OFFICERS, 2, "单位名称")}
    assert "敦煌市" in result.errors[0].message and "肃州区" in result.errors[0].message


# ---- import: scope -------------------------------------------------------------------------------

def test_education_staff_imports_classes_but_not_officers(world, tmp_path):
    result = import_roster(workbook(tmp_path / "r.xlsx", GOOD_CLASSES, [officer_row()]), user=world.education_staff)
    assert error_cells(result) == {(SHEET_OFFICERS, 2, "单位名称")}
    assert not School.objects.filter(name="敦煌市第三中学").exists()
    result = import_roster(workbook(tmp_path / "s.xlsx", GOOD_CLASSES), user=world.education_staff)
    assert result.ok and counts(result)["classes"] == (4, 0, 0)
    # Nor may they change an officer they can see.
    result = import_roster(workbook(tmp_path / "t.xlsx", officers=[officer_row(
        姓名="李明", 手机号=world.officer.phone, 职务职级="庭长")]), user=world.education_staff)
    assert error_cells(result) == {(SHEET_OFFICERS, 2, "手机号")}


def test_liaison_imports_only_its_units_officers(world, tmp_path):
    ok = import_roster(workbook(tmp_path / "a.xlsx", officers=[officer_row()]), user=world.liaison)
    assert ok.ok and counts(ok)["officers"] == (1, 0, 0)
    result = import_roster(workbook(tmp_path / "b.xlsx", officers=[
        officer_row(单位名称="敦煌市公安局", 手机号=13909370031),  # not their unit: they do not even see it
        officer_row(单位名称="敦煌市人民法院", 姓名="张静", 性别="女", 手机号=world.officer2.phone),  # a police officer
        officer_row(单位名称="敦煌市人民法院", 姓名="赵强", 手机号=world.other_officer.phone),  # another county
    ]), user=world.liaison)
    assert error_cells(result) == {
        (SHEET_OFFICERS, 2, "单位名称"), (SHEET_OFFICERS, 3, "手机号"), (SHEET_OFFICERS, 4, "手机号")}
    assert world.officer2.unit == world.police and Officer.objects.get(pk=world.officer2.pk).unit == world.police
    # And no schools.
    result = import_roster(workbook(tmp_path / "c.xlsx", classes=[class_row()]), user=world.liaison)
    assert error_cells(result) == {(SHEET_CLASSES, 2, "区划代码")}


def test_school_admin_imports_only_own_schools_classes(world, tmp_path):
    own = class_row(学校名称=world.school.name, 学校地址="", 年级=9, 班号=2)
    result = import_roster(workbook(tmp_path / "a.xlsx", [own]), user=world.school_admin)
    assert result.ok and counts(result) == {"schools": (0, 0, 1), "classes": (1, 0, 0), "officers": (0, 0, 0)}
    result = import_roster(workbook(tmp_path / "b.xlsx", [
        class_row(学校名称=world.school2.name, 学段="小学", 年级=2),
        class_row(学校名称="新学校"),
    ]), user=world.school_admin)
    assert error_cells(result) == {(SHEET_CLASSES, 2, "区划代码"), (SHEET_CLASSES, 3, "区划代码")}


def test_committee_admin_moves_an_officer_between_units_of_the_region(world, tmp_path):
    row = officer_row(单位名称="敦煌市公安局", 姓名="李明", 手机号=world.officer.phone)
    result = import_roster(workbook(tmp_path / "a.xlsx", officers=[row]), user=world.committee_admin)
    assert counts(result)["officers"] == (0, 1, 0)
    world.officer.refresh_from_db()
    assert world.officer.unit == world.police


def test_changing_a_schools_stage_against_its_existing_classes_is_refused(world, tmp_path):
    row = {"区划代码": "620982", "学校名称": world.school.name, "学段": "小学"}
    result = import_roster(workbook(tmp_path / "a.xlsx", [row]), user=world.committee_admin)
    assert error_cells(result) == {(SHEET_CLASSES, 2, "学段")}


# ---- export --------------------------------------------------------------------------------------

@pytest.mark.parametrize("persona", ["committee_admin", "education_staff", "liaison", "school_admin"])
def test_export_then_import_changes_nothing(client, world, tmp_path, persona):
    import_roster(workbook(tmp_path / "seed.xlsx", GOOD_CLASSES + [
        {"区划代码": "620982", "学校名称": "敦煌市阳关学校", "学段": "九年一贯制"}], GOOD_OFFICERS), user=None)
    user = world.personas[persona]
    client.force_login(user)
    response = client.get("/roster/export.xlsx")
    assert response.status_code == 200
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    before = history_counts()
    result = import_roster(path, user=user)
    assert result.ok, result.errors
    assert result.changed == 0
    assert history_counts() == before
    visible_classes = SchoolClass.objects.visible_to(user).count()
    assert result.classes.unchanged == visible_classes
    assert result.officers.unchanged == Officer.objects.visible_to(user).count()


def test_export_writes_formula_like_text_as_text(client, world, tmp_path):
    world.klass.homeroom_teacher = '=HYPERLINK("http://evil.example","点我")'
    world.klass.save()
    world.officer.title = "+1+2"
    world.officer.save()
    world.officer2.title = "@SUM(A1)"
    world.officer2.save()
    client.force_login(world.committee_admin)
    data = b"".join(client.get("/roster/export.xlsx").streaming_content)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    cells = [c for ws in wb for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and c.value[:1] in "=+@"]
    assert {c.value for c in cells} == {world.klass.homeroom_teacher, "+1+2", "@SUM(A1)"}
    for cell in cells:
        assert cell.data_type == "s"  # a string, not a formula
        assert cell.quotePrefix  # and Excel keeps it text when the cell is edited
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert not any(b"<f>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    # And it comes back as it went out.
    path = tmp_path / "e.xlsx"
    path.write_bytes(data)
    assert import_roster(path, user=world.committee_admin).changed == 0


# ---- the management command ----------------------------------------------------------------------

def test_import_roster_command(world, tmp_path, capsys):
    path = workbook(tmp_path / "r.xlsx", GOOD_CLASSES, GOOD_OFFICERS)
    call_command("import_roster", str(path), "--dry-run")
    assert "Dry run" in capsys.readouterr().out
    assert not School.objects.filter(name="敦煌市第三中学").exists()
    call_command("import_roster", str(path))
    assert capsys.readouterr().out.startswith("Imported")
    assert SchoolClass.objects.filter(school__name="敦煌市第三中学").count() == 3
    assert Officer.objects.filter(phone__in=["13909370011", "13909370012"]).count() == 2
    # The command has full scope: another county's officer is fine.
    other = workbook(tmp_path / "o.xlsx", officers=[officer_row(单位名称="酒泉市肃州区人民法院", 手机号=13909370041)])
    call_command("import_roster", str(other))


def test_import_roster_command_fails_with_the_errors_and_saves_nothing(world, tmp_path, capsys):
    path = workbook(tmp_path / "r.xlsx", [class_row(), class_row(班号=2, 年级=12)], GOOD_OFFICERS)
    with pytest.raises(CommandError, match="nothing was saved"):
        call_command("import_roster", str(path))
    assert "年级" in capsys.readouterr().err
    assert not School.objects.filter(name="敦煌市第三中学").exists()
    with pytest.raises(CommandError):
        call_command("import_roster", str(tmp_path / "missing.xlsx"))


def test_import_roster_command_exit_status(world, tmp_path):
    from django.core.management import execute_from_command_line

    path = workbook(tmp_path / "r.xlsx", [class_row(年级=13)])
    with pytest.raises(SystemExit) as exc:
        execute_from_command_line(["manage.py", "import_roster", str(path)])
    assert exc.value.code != 0


# ---- bad files -----------------------------------------------------------------------------------

def test_non_xlsx_upload_shows_a_form_error(client, world):
    client.force_login(world.committee_admin)
    response = client.post(URL, {"file": SimpleUploadedFile("roster.csv", "区划代码,学校名称\n".encode())})
    assert response.status_code == 400
    assert response.context["form"].errors["file"]


@pytest.mark.parametrize("content", [
    b"PK\x03\x04" + b"\0" * 200,  # a zip header and nothing behind it
    "zip-of-something-else",
    "workbook-without-roster-sheets",
])
def test_bad_workbooks_show_a_form_error_not_a_500(client, world, tmp_path, content):
    if content == "zip-of-something-else":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("word/document.xml", "<w:document/>")
        content = buf.getvalue()
    elif content == "workbook-without-roster-sheets":
        content = workbook(tmp_path / "x.xlsx", extra_sheets=["Sheet1"]).read_bytes()
    client.force_login(world.committee_admin)
    response = client.post(URL, {"file": SimpleUploadedFile("roster.xlsx", content)})
    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert response.context["result"] is None


def test_parsers():
    assert [roster.parse_grade(t) for t in ("7", "七年级", "高一", "初三", "12", "7年级", "十二年级")] == \
        [7, 7, 10, 9, 12, 7, 12]
    for bad in ("0", "13", "大班", ""):
        with pytest.raises(roster._Invalid):
            roster.parse_grade(bad)
    assert roster.parse_school_year("2026-2027学年") == 2026
    assert roster.parse_class_number("（3）班") == 3
    assert roster.cell_text(13909370001.0) == "13909370001" and roster.cell_text(" 王 ") == "王"
    assert roster.parse_phone("+86 139 0937 0001") == "13909370001"


def test_queries_do_not_grow_with_the_rows(world, tmp_path, django_assert_max_num_queries):
    classes = [class_row(学年=2020 + i // 99 % 5, 年级=7 + i // 495, 班号=1 + i % 99) for i in range(600)]
    officers = [officer_row(姓名=f"干警{i}", 手机号=13800000000 + i) for i in range(600)]
    path = workbook(tmp_path / "r.xlsx", classes, officers)
    assert import_roster(path, user=world.committee_admin).ok
    with django_assert_max_num_queries(20):
        result = import_roster(path, user=world.committee_admin)
    assert result.classes.unchanged == 600 and result.officers.unchanged == 600


def test_a_departure_in_the_roster_ends_the_officers_classes_like_the_page_does(world, tmp_path):
    from fazhi.assignments.models import Assignment, Handover, Pairing

    assert import_roster(workbook(tmp_path / "a.xlsx", GOOD_CLASSES, GOOD_OFFICERS), user=world.committee_admin).ok
    officer = Officer.objects.get(phone="13909370012")
    klass = SchoolClass.objects.filter(school__region_id="620982").first()
    pairing = Pairing.objects.create(unit=officer.unit, school=klass.school, school_year=klass.school_year)
    held = Assignment.objects.create(officer=officer, school=klass.school, school_class=klass,
                                     school_year=klass.school_year, pairing=pairing, status="active", load_slot=1,
                                     starts_on=klass.created_at.date())
    departed = [dict(r) for r in GOOD_OFFICERS]
    departed[1].update(状态="离职", 手机号="13909370012")
    assert import_roster(workbook(tmp_path / "b.xlsx", GOOD_CLASSES, departed), user=world.committee_admin).ok
    held.refresh_from_db()
    assert held.status == "ended" and held.end_reason == "left"
    assert Handover.objects.filter(school_class=klass, closed_on__isnull=True).exists()


def test_a_workbook_naming_a_far_away_cell_is_refused_before_it_is_read(world, tmp_path):
    """A 5 KB file with a cell at XFD1048576 would make the reader allocate half a terabyte."""
    import zipfile

    good = workbook(tmp_path / "a.xlsx", GOOD_CLASSES, GOOD_OFFICERS)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
                                                      b"</sheetData>")
            dst.writestr(item, data)
    result = import_roster(bomb, user=world.committee_admin)
    assert not result.ok and "100" in str(result.errors[0].message)
    assert not SchoolClass.objects.filter(school__name="敦煌市第三中学").exists()
