"""The roster workbook: schools, classes and officers in one Excel file, for the template, the import and
the export.

Format (sheet and column names are Chinese because the people filling them in are):

* 「学校班级」 one row per class: 区划代码, 学校名称, 学段, 学校地址, 学年, 年级, 班号, 班级名称, 班主任,
  班主任电话, 学生人数. A row whose class columns are all blank stands for the school alone.
* 「干警」 one row per officer: 单位名称, 姓名, 性别, 手机号, 职务职级, 状态.
* 「说明」 instructions (template only; ignored on import).

Import (`import_roster`): every row is parsed and checked first (formats, required cells, duplicates in
the file, the user's scope); if anything is wrong nothing is saved and the errors are returned, one per
problem with its sheet, row number as Excel shows it and column. Otherwise everything is saved in one
transaction: schools upserted by (region, name), classes by (school, school year, grade, number),
officers by phone. Existing rows are fetched in bulk and compared; `save()` (which writes the
django-simple-history record) is called only for rows whose values change, so importing the same file
twice changes nothing the second time.

A blank optional cell leaves the stored value as it is (the pages clear values); on a new row it means
the default (automatic class name, 0 students, 在岗).

Rights are the pages' rights: schools and classes are changed by the committee and education bureau of
the region and by a school's administrator (its own classes); officers by the committee of the region
and the liaison of their unit. A row that restates a visible record unchanged needs no right to change
it, so that anyone's export re-imports cleanly. `user=None` (the management command) has full scope.

Export (`write_export`): the user's visible roster in the same format; text cells that a spreadsheet
would take for a formula (= + - @) are written as quoted text.
"""

import datetime
import re
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from python_calamine import CalamineError, CalamineWorkbook

from fazhi.accounts.scope import Scope, scope_for
from fazhi.lib import excel
from fazhi.lib.excel import WorkbookTooLarge, check_xlsx_bounds
from fazhi.org.models import Officer, Region, School, SchoolClass, Unit, current_school_year
from fazhi.org.validators import normalize_phone, validate_phone

# ---- the format ----------------------------------------------------------------------------------

SHEET_CLASSES = "学校班级"
SHEET_OFFICERS = "干警"
SHEET_HELP = "说明"

REGION, SCHOOL, STAGE, ADDRESS, YEAR, GRADE, NUMBER, CLASS_NAME, TEACHER, TEACHER_PHONE, SIZE = (
    "区划代码", "学校名称", "学段", "学校地址", "学年", "年级", "班号", "班级名称", "班主任", "班主任电话", "学生人数",
)
CLASS_COLUMNS = (REGION, SCHOOL, STAGE, ADDRESS, YEAR, GRADE, NUMBER, CLASS_NAME, TEACHER, TEACHER_PHONE, SIZE)
CLASS_REQUIRED_COLUMNS = (REGION, SCHOOL, STAGE, GRADE, NUMBER)
# The columns that make a row a class row rather than a school-only row.
CLASS_PART = (YEAR, GRADE, NUMBER, CLASS_NAME, TEACHER, TEACHER_PHONE, SIZE)

UNIT, NAME, GENDER, PHONE, TITLE, STATUS = "单位名称", "姓名", "性别", "手机号", "职务职级", "状态"
OFFICER_COLUMNS = (UNIT, NAME, GENDER, PHONE, TITLE, STATUS)
OFFICER_REQUIRED_COLUMNS = (UNIT, NAME, GENDER, PHONE)

# Headers people type instead of ours.
HEADER_ALIASES = {
    "区划": REGION, "行政区划代码": REGION, "学校": SCHOOL, "班级": CLASS_NAME, "学年度": YEAR,
    "班主任手机": TEACHER_PHONE, "班主任手机号": TEACHER_PHONE, "人数": SIZE, "学生数": SIZE,
    "单位": UNIT, "手机": PHONE, "手机号码": PHONE, "职务": TITLE, "职级": TITLE, "职务/职级": TITLE,
}

STAGE_LABELS = {
    School.Stage.PRIMARY: "小学",
    School.Stage.JUNIOR: "初中",
    School.Stage.SENIOR: "高中",
    School.Stage.NINE_YEAR: "九年一贯制",
    School.Stage.VOCATIONAL: "职业学校",
}
STAGE_BY_TEXT = {label: stage for stage, label in STAGE_LABELS.items()} | {
    "初级中学": School.Stage.JUNIOR, "高级中学": School.Stage.SENIOR, "九年制": School.Stage.NINE_YEAR,
    "九年一贯制学校": School.Stage.NINE_YEAR, "职业高中": School.Stage.VOCATIONAL, "职高": School.Stage.VOCATIONAL,
    "中职": School.Stage.VOCATIONAL, "中等职业学校": School.Stage.VOCATIONAL, "小学校": School.Stage.PRIMARY,
} | {stage.value: stage for stage in School.Stage}

GENDER_LABELS = {Officer.Gender.MALE: "男", Officer.Gender.FEMALE: "女"}
GENDER_BY_TEXT = {"男": "M", "女": "F", "男性": "M", "女性": "F", "M": "M", "F": "F"}

STATUS_LABELS = {
    Officer.Status.ACTIVE: "在岗",
    Officer.Status.TRANSFERRED: "调离",
    Officer.Status.RETIRED: "退休",
    Officer.Status.LEFT: "离职",
}
STATUS_BY_TEXT = {label: status for status, label in STATUS_LABELS.items()} | {
    s.value: s for s in Officer.Status
}

CN_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
              "十一": 11, "十二": 12}
GRADE_WORDS = {"初一": 7, "初二": 8, "初三": 9, "高一": 10, "高二": 11, "高三": 12}

MAX_ROWS = 100_000  # per sheet; a county has a few thousand classes
TOO_LARGE = gettext_lazy("The workbook is too large: it reaches beyond 100,000 rows or 100 columns, or holds more than "
              "100 MB of data. Remove empty rows and columns, or split the file.")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LOOKUP_CHUNK = 900  # SQL parameters per IN (...) lookup, below SQLite's historic limit of 999

FULL_WIDTH = str.maketrans("０１２３４５６７８９（）－", "0123456789()-")

SCHOOL_MAX = {f.name: f.max_length for f in School._meta.fields if f.max_length}
CLASS_MAX = {f.name: f.max_length for f in SchoolClass._meta.fields if f.max_length}
OFFICER_MAX = {f.name: f.max_length for f in Officer._meta.fields if f.max_length}
MAX_STUDENTS = 150
MAX_CLASS_NUMBER = 99

CHANGE_REASON = "roster import"


# ---- results -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RowError:
    """One problem: sheet and row as Excel shows them ('' / None for the file as a whole), the column
    header, and a message for the person who fills in the file."""

    sheet: str
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = " ".join(p for p in (
            self.sheet, _("row %(row)s") % {"row": self.row} if self.row else "", self.column) if p)
        return f"{where}: {self.message}" if where else self.message


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class RosterResult:
    schools: Counts = field(default_factory=Counts)
    classes: Counts = field(default_factory=Counts)
    officers: Counts = field(default_factory=Counts)
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def file_errors(self) -> list[RowError]:
        """Problems with the file as a whole (not an Excel workbook, no roster sheets)."""
        return [e for e in self.errors if not e.sheet]

    @property
    def changed(self) -> int:
        return sum(c.created + c.updated for c in (self.schools, self.classes, self.officers))

    def kinds(self) -> list[tuple[str, Counts]]:
        return [(_("Schools"), self.schools), (_("Classes"), self.classes), (_("Officers"), self.officers)]

    def summary(self) -> str:
        return "; ".join(
            _("%(kind)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged") % {
                "kind": kind, "created": c.created, "updated": c.updated, "unchanged": c.unchanged}
            for kind, c in self.kinds()
        )


class _Invalid(Exception):
    """A cell that cannot be read; the message says why."""


# ---- reading cells -------------------------------------------------------------------------------

def cell_text(value: Any) -> str:
    """A cell as text: numbers Excel stored as floats (13909370001.0, 2026.0) lose their '.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    # zero-width marks and control characters (NUL is refused by PostgreSQL) are never meant
    return CONTROL_CHARS.sub("", str(value).replace("\u200b", "").replace("\ufeff", "")).strip()


def _header(value: Any) -> str:
    text = re.sub(r"[\s*＊]", "", cell_text(value))
    return HEADER_ALIASES.get(text, text)


def _int(text: str) -> int:
    text = text.translate(FULL_WIDTH).replace(" ", "")
    if not re.fullmatch(r"[0-9]+", text):
        raise _Invalid(_("Enter a whole number."))
    return int(text)


def parse_grade(text: str) -> int:
    t = text.translate(FULL_WIDTH).replace(" ", "")
    if t in GRADE_WORDS:
        return GRADE_WORDS[t]
    m = re.fullmatch(r"([0-9]{1,2})(?:年级)?", t)
    if m:
        grade = int(m.group(1))
    else:
        m = re.fullmatch(r"([一二三四五六七八九十]{1,3})年级", t)
        if not m or m.group(1) not in CN_NUMBERS:
            raise _Invalid(_("Enter the grade as a number 1–12 or as 七年级, 高一 and so on."))
        grade = CN_NUMBERS[m.group(1)]
    if not 1 <= grade <= 12:
        raise _Invalid(_("The grade must be between 1 and 12."))
    return grade


def parse_school_year(text: str) -> int:
    t = text.translate(FULL_WIDTH).replace(" ", "")
    m = re.fullmatch(r"([0-9]{4})(?:[-–—~/至]([0-9]{2}|[0-9]{4}))?(?:学年度?|年度?)?", t)
    if not m:
        raise _Invalid(_("Enter the year the school year starts, e.g. 2026 for 2026–2027."))
    year = int(m.group(1))
    if not 2000 <= year <= 2100:
        raise _Invalid(_("The school year must be between 2000 and 2100."))
    return year


def parse_class_number(text: str) -> int:
    t = text.translate(FULL_WIDTH).replace(" ", "")
    m = re.fullmatch(r"\(?([0-9]{1,3})\)?班?", t)
    if not m:
        raise _Invalid(_("Enter the class number as a whole number, e.g. 3."))
    number = int(m.group(1))
    if not 1 <= number <= MAX_CLASS_NUMBER:
        raise _Invalid(_("The class number must be between 1 and %(max)s.") % {"max": MAX_CLASS_NUMBER})
    return number


def parse_phone(text: str) -> str:
    phone = normalize_phone(text)
    try:
        validate_phone(phone)
    except ValidationError as exc:
        raise _Invalid(" ".join(str(m) for m in exc.messages)) from None
    return phone


def _choice(text: str, mapping: dict, labels: dict) -> str:
    key = text.replace(" ", "")
    if key in mapping:
        return str(mapping[key])
    raise _Invalid(_("Enter one of: %(choices)s.") % {"choices": "、".join(labels.values())})


def parse_region(text: str) -> str:
    code = text.translate(FULL_WIDTH).replace(" ", "")
    if not re.fullmatch(r"[0-9]{2}|[0-9]{4}|[0-9]{6}", code):
        raise _Invalid(_("Enter the 6-digit region code (GB/T 2260), e.g. 620982."))
    return code


def parse_student_count(text: str) -> int:
    count = _int(text)
    if count > MAX_STUDENTS:
        raise _Invalid(_("At most %(max)s students.") % {"max": MAX_STUDENTS})
    return count


class _Row:
    """One row being read: its cells, and the problems found in them."""

    def __init__(self, errors: list[RowError], sheet: str, row: int, values: dict[str, str]):
        self.errors, self.sheet, self.row, self.values = errors, sheet, row, values
        self.ok = True

    def bad(self, column: str, message: str) -> None:
        self.ok = False
        self.errors.append(RowError(self.sheet, self.row, column, message))

    def read(self, column: str, parser, required: bool = False):
        """The parsed cell, or None when it is blank or wrong (a wrong or missing required cell is noted)."""
        text = self.values.get(column, "")
        if not text:
            if required:
                self.bad(column, _("Required."))
            return None
        try:
            return parser(text)
        except _Invalid as exc:
            self.bad(column, str(exc))
            return None

    def text(self, column: str, max_length: int, required: bool = False) -> str | None:
        def check(text):
            if len(text) > max_length:
                raise _Invalid(_("At most %(max)s characters.") % {"max": max_length})
            return text

        return self.read(column, check, required)


# ---- reading the workbook ------------------------------------------------------------------------

Record = tuple[int, dict[str, str]]  # (Excel row number, {column: text})


def _open_workbook(source) -> CalamineWorkbook:
    check_xlsx_bounds(source, max_rows=MAX_ROWS + 20)  # raises WorkbookTooLarge before the reader allocates
    if hasattr(source, "read"):
        if hasattr(source, "seek"):
            source.seek(0)
        return CalamineWorkbook.from_filelike(source)
    return CalamineWorkbook.from_path(str(source))


def _read_sheet(wb: CalamineWorkbook, name: str, columns, required, errors: list[RowError]) -> list[Record]:
    sheet = wb.get_sheet_by_name(name)
    rows = sheet.to_python(skip_empty_area=True)
    if not rows:
        return []
    offset = sheet.start[0] if sheet.start else 0  # rows before the data that calamine skipped
    if len(rows) > MAX_ROWS:
        errors.append(RowError(name, None, "", _("The sheet has more than %(max)s rows; split the file.") % {
            "max": MAX_ROWS}))
        return []
    # The header is the first row naming at least two of our columns (a title row above it is fine).
    header_index = 0
    for i, row in enumerate(rows[:10]):
        if sum(1 for c in row if _header(c) in columns) >= 2:
            header_index = i
            break
    header_row = offset + header_index + 1
    index: dict[str, int] = {}
    for i, cell in enumerate(rows[header_index]):
        header = _header(cell)
        if header not in columns:
            continue
        if header in index:
            errors.append(RowError(name, header_row, header, _("This column appears twice; keep one.")))
        else:
            index[header] = i
    missing = [c for c in required if c not in index]
    for column in missing:
        errors.append(RowError(name, header_row, column, _(
            "The required column is missing from the header row; use the columns of the template.")))
    if missing:
        return []
    records = []
    for i in range(header_index + 1, len(rows)):
        row = rows[i]
        values = {c: cell_text(row[j]) if j < len(row) else "" for c, j in index.items()}
        if any(values.values()):
            records.append((offset + i + 1, values))
    return records


def read_roster(source) -> tuple[list[Record] | None, list[Record] | None, list[RowError]]:
    """The class rows and officer rows of a roster workbook (None for an absent sheet), and the errors
    of the file's layout."""
    errors: list[RowError] = []
    try:
        wb = _open_workbook(source)
    except WorkbookTooLarge:
        return None, None, [RowError("", None, "", TOO_LARGE)]
    except (CalamineError, OSError, ValueError):
        return None, None, [RowError("", None, "", _(
            "This file cannot be read as an Excel workbook (.xlsx). Save it from Excel or WPS as .xlsx "
            "and try again."))]
    try:
        names = {n.strip(): n for n in wb.sheet_names}
        if SHEET_CLASSES not in names and SHEET_OFFICERS not in names:
            return None, None, [RowError("", None, "", _(
                "The workbook has neither a sheet named %(classes)s nor one named %(officers)s. Download "
                "the template and copy your rows into its sheets.") % {
                "classes": f"「{SHEET_CLASSES}」", "officers": f"「{SHEET_OFFICERS}」"})]
        classes = officers = None
        if SHEET_CLASSES in names:
            classes = _read_sheet(wb, names[SHEET_CLASSES], CLASS_COLUMNS, CLASS_REQUIRED_COLUMNS, errors)
        if SHEET_OFFICERS in names:
            officers = _read_sheet(wb, names[SHEET_OFFICERS], OFFICER_COLUMNS, OFFICER_REQUIRED_COLUMNS, errors)
    except (CalamineError, ValueError):
        return None, None, [RowError("", None, "", _(
            "This file is damaged and cannot be read. Save it again from Excel or WPS as .xlsx."))]
    finally:
        wb.close()
    return classes, officers, errors


# ---- the import ----------------------------------------------------------------------------------

FULL_SCOPE = Scope(superuser=True)


def _chunks(items, size=LOOKUP_CHUNK):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i:i + size]


@dataclass
class _SchoolPlan:
    key: tuple[str, str]
    first_row: int
    stage: str
    stage_row: int
    address: str | None = None  # None: not given, keep
    obj: School | None = None
    changes: dict = field(default_factory=dict)
    new: bool = False


@dataclass
class _ClassRow:
    row: int
    school_key: tuple[str, str]
    year: int
    grade: int
    number: int
    values: dict  # field -> value, only the cells given


@dataclass
class _OfficerRow:
    row: int
    phone: str
    values: dict  # field -> value, only the cells given (unit_id, name, gender, title, status)


class _Importer:
    def __init__(self, user):
        self.user = user
        self.scope = FULL_SCOPE if user is None else scope_for(user)
        self.errors: list[RowError] = []
        self.result = RosterResult()

    # -- scope ----------------------------------------------------------------------------------------

    def _qs(self, model, edit: bool):
        if self.user is None:
            return model.objects.all()
        return model.objects.editable_by(self.user) if edit else model.objects.visible_to(self.user)

    def may_create_school_in(self, region: str) -> bool:
        s = self.scope
        return s.superuser or any(region.startswith(p) for p in s.committee_prefixes + s.education_prefixes)

    def error(self, sheet: str, row: int | None, column: str, message: str) -> None:
        self.errors.append(RowError(sheet, row, column, message))

    # -- schools and classes --------------------------------------------------------------------------

    def parse_classes(self, records: list[Record]):
        schools: dict[tuple[str, str], _SchoolPlan] = {}
        rows: list[_ClassRow] = []
        seen: dict[tuple, int] = {}
        default_year = current_school_year()
        for row_number, v in records:
            r = _Row(self.errors, SHEET_CLASSES, row_number, v)
            region = r.read(REGION, parse_region, required=True)
            name = r.text(SCHOOL, SCHOOL_MAX["name"], required=True)
            stage = r.read(STAGE, lambda t: _choice(t, STAGE_BY_TEXT, STAGE_LABELS), required=True)
            address = r.text(ADDRESS, SCHOOL_MAX["address"])
            key = (region, name)
            plan = None
            if r.ok:
                plan = schools.get(key)
                if plan is None:
                    plan = schools[key] = _SchoolPlan(key=key, first_row=row_number, stage=stage,
                                                      stage_row=row_number)
                elif plan.stage != stage:
                    r.bad(STAGE, _("Row %(row)s gives this school the stage %(stage)s; a school has one "
                                   "stage.") % {"row": plan.stage_row, "stage": STAGE_LABELS[plan.stage]})
                if address:
                    if plan.address is None:
                        plan.address = address
                    elif plan.address != address:
                        r.bad(ADDRESS, _("An earlier row gives this school the address %(address)s.") % {
                            "address": plan.address})

            if not any(v.get(c) for c in CLASS_PART):
                continue  # a row for the school alone
            year = r.read(YEAR, parse_school_year) or default_year
            grade = r.read(GRADE, parse_grade, required=True)
            stage = plan.stage if plan else stage  # the school's stage is the one its first row gives
            if grade and stage and grade not in School.GRADE_RANGES[stage]:
                allowed = School.GRADE_RANGES[stage]
                r.bad(GRADE, _("A %(stage)s has grades %(low)s–%(high)s.") % {
                    "stage": STAGE_LABELS[stage], "low": allowed[0], "high": allowed[-1]})
            number = r.read(NUMBER, parse_class_number, required=True)
            values = {
                "name": r.text(CLASS_NAME, CLASS_MAX["name"]),
                "homeroom_teacher": r.text(TEACHER, CLASS_MAX["homeroom_teacher"]),
                "homeroom_teacher_phone": r.read(TEACHER_PHONE, parse_phone),
                "student_count": r.read(SIZE, parse_student_count),
            }
            if not r.ok:
                continue
            class_key = (region, name, year, grade, number)
            if class_key in seen:
                r.bad(NUMBER, _("This class (school year %(year)s, grade %(grade)s, class %(number)s) already "
                                "appears on row %(row)s.") % {
                    "year": year, "grade": grade, "number": number, "row": seen[class_key]})
                continue
            seen[class_key] = row_number
            rows.append(_ClassRow(row_number, key, year, grade, number,
                                  {f: value for f, value in values.items() if value is not None}))
        return schools, rows

    def plan_classes(self, schools: dict[tuple[str, str], _SchoolPlan], rows: list[_ClassRow]):
        sheet = SHEET_CLASSES
        regions = {k[0] for k in schools}
        known_regions = set()
        for chunk in _chunks(regions):
            known_regions |= set(Region.objects.filter(code__in=chunk).values_list("code", flat=True))
        # Existing schools by (region, name), and which of them the user may see and change.
        existing: dict[tuple[str, str], School] = {}
        for chunk in _chunks({name for _region, name in schools}):
            for school in School.objects.filter(name__in=chunk):
                if (school.region_id, school.name) in schools:
                    existing[(school.region_id, school.name)] = school
        ids = [s.pk for s in existing.values()]
        visible, editable = set(), set()
        for chunk in _chunks(ids):
            visible |= set(self._qs(School, edit=False).filter(pk__in=chunk).values_list("pk", flat=True))
            editable |= set(self._qs(School, edit=True).filter(pk__in=chunk).values_list("pk", flat=True))

        blocked: set[tuple[str, str]] = set()  # schools whose rows cannot be imported
        for key, plan in schools.items():
            region, name = key
            school = existing.get(key)
            if region not in known_regions:
                self.error(sheet, plan.first_row, REGION, _("Unknown region code %(code)s (GB/T 2260).") % {
                    "code": region})
                blocked.add(key)
                continue
            if school is None or school.pk not in visible:
                if not self.may_create_school_in(region):
                    self.error(sheet, plan.first_row, REGION, _(
                        "You may not add schools in region %(code)s. If the school is already registered, give "
                        "its region code and name exactly as they are on the platform.") % {"code": region})
                    blocked.add(key)
                    continue
                plan.new = True
                continue
            plan.obj = school
            if school.stage != plan.stage:
                plan.changes["stage"] = plan.stage
            if plan.address is not None and school.address != plan.address:
                plan.changes["address"] = plan.address
            if plan.changes and school.pk not in editable:
                self.error(sheet, plan.first_row, SCHOOL, _("You may not change the school %(name)s.") % {
                    "name": name})
                blocked.add(key)
        # A school that changes stage must not have classes outside the new stage's grades.
        restaged = {p.obj.pk: p for p in schools.values() if p.obj and "stage" in p.changes}
        for chunk in _chunks(restaged):
            pairs = SchoolClass.objects.filter(school_id__in=chunk).values_list("school_id", "grade").distinct()
            bad_grades = defaultdict(set)
            for school_id, grade in pairs:
                if grade not in School.GRADE_RANGES[restaged[school_id].stage]:
                    bad_grades[school_id].add(grade)
            for school_id, grades in bad_grades.items():
                plan = restaged[school_id]
                self.error(sheet, plan.stage_row, STAGE, _(
                    "The school already has classes in grade %(grades)s, which a %(stage)s does not have.") % {
                    "grades": ", ".join(str(g) for g in sorted(grades)), "stage": STAGE_LABELS[plan.stage]})

        # Existing classes of the existing schools, in the school years of the file.
        school_ids = [p.obj.pk for p in schools.values() if p.obj]
        years = {r.year for r in rows}
        classes: dict[tuple[int, int, int, int], SchoolClass] = {}
        for chunk in _chunks(school_ids):
            for klass in SchoolClass.objects.filter(school_id__in=chunk, school_year__in=years):
                classes[(klass.school_id, klass.school_year, klass.grade, klass.number)] = klass
        class_ids = [k.pk for k in classes.values()]
        visible_classes, editable_classes = set(), set()
        for chunk in _chunks(class_ids):
            visible_classes |= set(self._qs(SchoolClass, edit=False).filter(pk__in=chunk).values_list("pk", flat=True))
            editable_classes |= set(self._qs(SchoolClass, edit=True).filter(pk__in=chunk).values_list("pk", flat=True))

        plans = []
        for r in rows:
            plan = schools[r.school_key]
            if r.school_key in blocked:
                continue
            klass = classes.get((plan.obj.pk, r.year, r.grade, r.number)) if plan.obj else None
            if klass is not None and klass.pk not in visible_classes:
                self.error(sheet, r.row, SCHOOL, _("You may not change the classes of the school %(name)s.") % {
                    "name": plan.obj.name})
                continue
            if klass is None:
                if plan.obj and plan.obj.pk not in editable:
                    self.error(sheet, r.row, SCHOOL, _("You may not add classes to the school %(name)s.") % {
                        "name": plan.obj.name})
                    continue
                plans.append((r, None, {}))
                continue
            changes = {f: value for f, value in r.values.items() if getattr(klass, f) != value}
            if changes and klass.pk not in editable_classes:
                self.error(sheet, r.row, SCHOOL, _("You may not change the classes of the school %(name)s.") % {
                    "name": plan.obj.name})
                continue
            plans.append((r, klass, changes))
        return plans

    def save_classes(self, schools: dict[tuple[str, str], _SchoolPlan], plans) -> None:
        for plan in schools.values():
            if plan.new:
                plan.obj = School(region_id=plan.key[0], name=plan.key[1], stage=plan.stage,
                                  address=plan.address or "")
                self._save(plan.obj)
                self.result.schools.created += 1
            elif plan.changes:
                for f, value in plan.changes.items():
                    setattr(plan.obj, f, value)
                self._save(plan.obj, update_fields=list(plan.changes))
                self.result.schools.updated += 1
            elif plan.obj is not None:
                self.result.schools.unchanged += 1
        for r, klass, changes in plans:
            if klass is None:
                klass = SchoolClass(school=schools[r.school_key].obj, school_year=r.year, grade=r.grade,
                                    number=r.number, **r.values)
                self._save(klass)
                self.result.classes.created += 1
            elif changes:
                for f, value in changes.items():
                    setattr(klass, f, value)
                self._save(klass, update_fields=list(changes))
                self.result.classes.updated += 1
            else:
                self.result.classes.unchanged += 1

    # -- officers -------------------------------------------------------------------------------------

    def parse_officers(self, records: list[Record]) -> list[_OfficerRow]:
        units_by_name = defaultdict(list)
        for unit in self._qs(Unit, edit=False).select_related("region").only("pk", "name", "region__name"):
            units_by_name[unit.name].append(unit)
        rows = []
        seen: dict[str, int] = {}
        for row_number, v in records:
            r = _Row(self.errors, SHEET_OFFICERS, row_number, v)
            unit_name = r.text(UNIT, 1000, required=True)
            unit_id = None
            if unit_name:
                units = units_by_name.get(unit_name, [])
                if not units:
                    r.bad(UNIT, _("There is no unit named %(name)s in your area. Check the name against the "
                                  "unit list, or ask the committee to add the unit.") % {"name": unit_name})
                elif len(units) > 1:
                    r.bad(UNIT, _("Several units in your area are named %(name)s (%(regions)s); ask the "
                                  "administrator to give them distinct names.") % {
                        "name": unit_name, "regions": "、".join(u.region.name for u in units)})
                else:
                    unit_id = units[0].pk
            values = {
                "unit_id": unit_id,
                "name": r.text(NAME, OFFICER_MAX["name"], required=True),
                "gender": r.read(GENDER, lambda t: _choice(t, GENDER_BY_TEXT, GENDER_LABELS), required=True),
                "title": r.text(TITLE, OFFICER_MAX["title"]),
                "status": r.read(STATUS, lambda t: _choice(t, STATUS_BY_TEXT, STATUS_LABELS)),
            }
            phone = r.read(PHONE, parse_phone, required=True)
            if phone:
                if phone in seen:
                    r.bad(PHONE, _("This phone number already appears on row %(row)s; each officer has their "
                                   "own mobile number.") % {"row": seen[phone]})
                else:
                    seen[phone] = row_number
            if r.ok:
                rows.append(_OfficerRow(row_number, phone,
                                        {f: value for f, value in values.items() if value is not None}))
        return rows

    def plan_officers(self, rows: list[_OfficerRow]):
        sheet = SHEET_OFFICERS
        existing: dict[str, Officer] = {}
        for chunk in _chunks([r.phone for r in rows]):
            for officer in Officer.objects.filter(phone__in=chunk).select_related("unit"):
                existing[officer.phone] = officer
        ids = [o.pk for o in existing.values()]
        visible, editable = set(), set()
        for chunk in _chunks(ids):
            visible |= set(self._qs(Officer, edit=False).filter(pk__in=chunk).values_list("pk", flat=True))
            editable |= set(self._qs(Officer, edit=True).filter(pk__in=chunk).values_list("pk", flat=True))
        editable_units = set(self._qs(Unit, edit=True).values_list("pk", flat=True))
        unit_names = dict(self._qs(Unit, edit=False).values_list("pk", "name"))

        plans = []
        for r in rows:
            officer = existing.get(r.phone)
            target_unit = r.values["unit_id"]
            if officer is not None and officer.pk not in visible:
                self.error(sheet, r.row, PHONE, _(
                    "This phone number belongs to an officer of a unit you may not edit. If the officer has "
                    "moved to your unit, ask the committee to record the transfer."))
                continue
            if officer is None:
                if target_unit not in editable_units:
                    self.error(sheet, r.row, UNIT, _("You may not add officers to %(unit)s.") % {
                        "unit": unit_names.get(target_unit, "")})
                    continue
                plans.append((r, None, {}))
                continue
            changes = {f: value for f, value in r.values.items() if getattr(officer, f) != value}
            if changes and officer.pk not in editable:
                self.error(sheet, r.row, PHONE, _(
                    "This phone number belongs to an officer of %(unit)s, whose records you may not change.") % {
                    "unit": officer.unit.name})
                continue
            if "unit_id" in changes and target_unit not in editable_units:
                self.error(sheet, r.row, UNIT, _("You may not move officers to %(unit)s.") % {
                    "unit": unit_names.get(target_unit, "")})
                continue
            plans.append((r, officer, changes))
        return plans

    def save_officers(self, plans) -> None:
        today = timezone.localdate()
        for r, officer, changes in plans:
            if officer is None:
                officer = Officer(phone=r.phone, **r.values)
                if officer.status != Officer.Status.ACTIVE:
                    officer.status_changed_on = today
                self._save(officer)
                self.result.officers.created += 1
            elif changes:
                status = changes.pop("status", None)
                for f, value in changes.items():
                    setattr(officer, f, value)
                if changes:
                    self._save(officer, update_fields=list(changes))
                if status is not None:
                    # Through the model, so that a departure ends the officer's classes and opens handovers.
                    if self.user is not None:
                        officer._history_user = self.user
                    officer.change_status(status, today, CHANGE_REASON)
                self.result.officers.updated += 1
            else:
                self.result.officers.unchanged += 1

    # -- all of it ------------------------------------------------------------------------------------

    def _save(self, obj, update_fields=None) -> None:
        obj._change_reason = CHANGE_REASON
        if self.user is not None:
            obj._history_user = self.user
        obj.save(update_fields=update_fields)

    def run(self, source, dry_run: bool) -> RosterResult:
        self.result.dry_run = dry_run
        class_records, officer_records, layout_errors = read_roster(source)
        self.errors.extend(layout_errors)
        if self.errors and all(not e.sheet for e in self.errors):
            self.result.errors = self.errors
            return self.result
        if not class_records and not officer_records and not self.errors:
            self.error("", None, "", _(
                "The file has no schools, classes or officers to import: fill in the rows below the header."))
        schools, class_rows = self.parse_classes(class_records or [])
        officer_rows = self.parse_officers(officer_records) if officer_records else []
        class_plans = self.plan_classes(schools, class_rows) if schools else []
        officer_plans = self.plan_officers(officer_rows) if officer_rows else []
        if self.errors:
            self.errors.sort(key=lambda e: (e.sheet != SHEET_CLASSES, e.sheet, e.row or 0))
            self.result.errors = self.errors
            return self.result
        try:
            with transaction.atomic():
                self.save_classes(schools, class_plans)
                self.save_officers(officer_plans)
                if dry_run:
                    transaction.set_rollback(True)
        except IntegrityError:
            self.result = RosterResult(dry_run=dry_run, errors=[RowError("", None, "", _(
                "The roster was changed by someone else while the file was being imported; nothing was "
                "saved. Import the file again."))])
        return self.result


def import_roster(source, user=None, dry_run: bool = False) -> RosterResult:
    """Validate every row of the roster workbook `source` (a path or an open binary file) and, if there is
    no error, save it in one transaction. `user=None` means full scope (the management command).
    With `dry_run` the changes are made and rolled back, so the counts are exact and nothing is kept."""
    return _Importer(user).run(source, dry_run)


# ---- writing -------------------------------------------------------------------------------------

CLASS_WIDTHS = {REGION: 10, SCHOOL: 28, STAGE: 11, ADDRESS: 30, YEAR: 8, GRADE: 7, NUMBER: 7, CLASS_NAME: 14,
                TEACHER: 10, TEACHER_PHONE: 15, SIZE: 9}
OFFICER_WIDTHS = {UNIT: 28, NAME: 10, GENDER: 7, PHONE: 15, TITLE: 18, STATUS: 8}
TEXT_COLUMNS = {REGION, TEACHER_PHONE, PHONE}
VALIDATION_ROWS = 20_000

HELP_LINES = [
    ("法治班主任花名册导入模板", "title"),
    ("", ""),
    ("本文件有两张数据表：「学校班级」（学校和班级，每个班级一行）和「干警」（法治班主任、法治副校长等干警，每人一行）。"
     "只需填写与您有关的表；不用的表保留表头、不填数据即可。本「说明」表导入时忽略。", ""),
    ("请勿修改表名和第一行的列名；红色列名为必填列。可以增加空行，空行导入时忽略。", ""),
    ("", ""),
    ("「学校班级」表", "heading"),
    ("区划代码：学校所在县（市、区）的 6 位行政区划代码（GB/T 2260），例如敦煌市为 620982。", ""),
    ("学校名称：学校全称。同一区划内按学校名称识别学校：名称相同即为同一所学校，请保持一致。", ""),
    ("学段：小学、初中、高中、九年一贯制、职业学校，五选一；同一所学校各行必须一致。", ""),
    ("学校地址：可不填。", ""),
    ("学年：学年开始的年份，例如 2026 表示 2026–2027 学年；不填则为当前学年。", ""),
    ("年级：1–12 的数字，也可写“七年级”“高一”等。小学 1–6 年级，初中 7–9 年级，高中和职业学校 10–12 年级，"
     "九年一贯制 1–9 年级。", ""),
    ("班号：数字，例如 3 表示（3）班。学校 + 学年 + 年级 + 班号 确定一个班级，同一班级在表中只能出现一次。", ""),
    ("班级名称：可不填，自动生成，例如“七年级(3)班”。", ""),
    ("班主任、班主任电话、学生人数：可不填。电话为 11 位手机号或带区号的固定电话（如 0937-8822001）。", ""),
    ("只填学校各列（区划代码、学校名称、学段、学校地址）而班级各列都不填的行，只登记学校本身。", ""),
    ("", ""),
    ("「干警」表", "heading"),
    ("单位名称：干警所在单位的名称，必须与系统中的单位名称完全一致，且是您有权管理的单位。", ""),
    ("姓名、性别（男/女）：必填。", ""),
    ("手机号：必填，11 位手机号。按手机号识别干警：手机号相同即为同一人，再次导入会更新此人的信息。", ""),
    ("职务职级：可不填，例如“四级高级法官”“一级警长”。", ""),
    ("状态：在岗、调离、退休、离职，四选一；新增干警不填则为“在岗”。", ""),
    ("", ""),
    ("导入规则", "heading"),
    ("系统先检查每一行；只要有一处错误，就一行也不保存，并列出每个错误所在的表、行号和列，改正后重新上传即可。", ""),
    ("已有的记录按上述方式识别并更新；与系统中完全相同的行不作任何改动，同一文件重复导入不会产生重复记录。", ""),
    ("可不填的单元格留空时，系统中已有的内容保持不变（不会被清空）；需要清空时请在系统页面中修改。", ""),
    ("导出的花名册与本模板格式相同，可以修改后直接导入。", ""),
]


class _Writer:
    """The roster workbook, written row by row (constant memory) into `fh`."""

    def __init__(self, fh: IO[bytes]):
        self.wb = excel.workbook(fh, constant_memory=True)
        self.header = self.wb.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
        self.header_required = self.wb.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1,
                                                   "font_color": "#B71C1C"})
        self.text = self.wb.add_format({"num_format": "@"})

    def sheet(self, name: str, columns, required, widths, choices: dict):
        ws = self.wb.add_worksheet(name)
        for i, column in enumerate(columns):
            ws.set_column(i, i, widths[column], self.text if column in TEXT_COLUMNS else None)
            ws.write_string(0, i, column, self.header_required if column in required else self.header)
            if column in choices:
                ws.data_validation(1, i, VALIDATION_ROWS, i, {
                    "validate": "list", "source": list(choices[column]), "error_type": "warning",
                    "error_message": "请从列表中选择：" + "、".join(choices[column]),
                })
        ws.freeze_panes(1, 0)
        return ws

    def row(self, ws, r: int, values) -> None:
        for c, value in enumerate(values):
            if value is None or value == "":
                continue
            if isinstance(value, int | float):
                ws.write_number(r, c, value)
            else:
                # Text that a spreadsheet would take for a formula stays text (quoted): fazhi.lib.excel.
                ws.write_string(r, c, str(value))

    def help_sheet(self):
        ws = self.wb.add_worksheet(SHEET_HELP)
        ws.set_column(0, 0, 120)
        title = self.wb.add_format({"bold": True, "font_size": 14})
        heading = self.wb.add_format({"bold": True})
        wrap = self.wb.add_format({"text_wrap": True, "valign": "top"})
        for r, (text, style) in enumerate(HELP_LINES):
            if text:
                ws.write_string(r, 0, text, {"title": title, "heading": heading}.get(style, wrap))

    def close(self):
        self.wb.close()


def _write(fh: IO[bytes], class_rows, officer_rows, with_help: bool) -> None:
    w = _Writer(fh)
    if with_help:
        w.help_sheet()
    ws = w.sheet(SHEET_CLASSES, CLASS_COLUMNS, CLASS_REQUIRED_COLUMNS, CLASS_WIDTHS,
                 {STAGE: STAGE_LABELS.values()})
    for r, values in enumerate(class_rows, start=1):
        w.row(ws, r, values)
    ws = w.sheet(SHEET_OFFICERS, OFFICER_COLUMNS, OFFICER_REQUIRED_COLUMNS, OFFICER_WIDTHS,
                 {GENDER: GENDER_LABELS.values(), STATUS: STATUS_LABELS.values()})
    for r, values in enumerate(officer_rows, start=1):
        w.row(ws, r, values)
    if with_help:
        w.wb.worksheets()[1].activate()
    w.close()


def write_template(fh: IO[bytes]) -> None:
    """The empty roster workbook with its 说明 sheet."""
    _write(fh, [], [], with_help=True)


def export_rows(user=None):
    """(class rows, officer rows) of the roster visible to `user` (everything for None), as the cells of
    the workbook, in order: schools by region and name with their classes, officers by unit."""

    def qs(model):
        return model.objects.all() if user is None else model.objects.visible_to(user)

    classes = qs(SchoolClass).order_by(
        "school__region_id", "school__name", "school_id", "school_year", "grade", "number",
    ).values_list(
        "school__region_id", "school__name", "school_id", "school__stage", "school__address", "school_year",
        "grade", "number", "name", "homeroom_teacher", "homeroom_teacher_phone", "student_count",
    )
    lone_schools = qs(School).exclude(pk__in=qs(SchoolClass).values("school_id")).order_by(
        "region_id", "name", "pk").values_list("region_id", "name", "pk", "stage", "address")

    def class_rows():
        lone = lone_schools.iterator()
        pending = next(lone, None)
        for region, school, school_id, stage, address, *rest in classes.iterator(chunk_size=2000):
            while pending is not None and (pending[0], pending[1], pending[2]) < (region, school, school_id):
                yield [pending[0], pending[1], STAGE_LABELS.get(pending[3], pending[3]), pending[4]]
                pending = next(lone, None)
            yield [region, school, STAGE_LABELS.get(stage, stage), address, *rest]
        while pending is not None:
            yield [pending[0], pending[1], STAGE_LABELS.get(pending[3], pending[3]), pending[4]]
            pending = next(lone, None)

    def officer_rows():
        officers = qs(Officer).order_by("unit__region_id", "unit__name", "name", "phone").values_list(
            "unit__name", "name", "gender", "phone", "title", "status")
        for unit, name, gender, phone, title, status in officers.iterator(chunk_size=2000):
            yield [unit, name, GENDER_LABELS.get(gender, gender), phone, title, STATUS_LABELS.get(status, status)]

    return class_rows(), officer_rows()


def write_export(fh: IO[bytes], user=None) -> None:
    """The roster visible to `user`, in the import format: exporting and re-importing changes nothing."""
    class_rows, officer_rows = export_rows(user)
    _write(fh, class_rows, officer_rows, with_help=False)


def spooled(writer, *args, **kwargs) -> IO[bytes]:
    """Run `writer(fh, ...)` into a temporary file and return it rewound (for FileResponse)."""
    fh = tempfile.TemporaryFile()  # closed by the response that streams it
    writer(fh, *args, **kwargs)
    fh.seek(0)
    return fh


def error_count_message(result: RosterResult) -> str:
    n = len(result.errors)
    return ngettext("The file has %(n)s problem.", "The file has %(n)s problems.", n) % {"n": n}
