"""The pairing workbook (包校): which unit takes on which school in which school year, for the template,
the import and the export. Built on the roster workbook's readers and writer (fazhi/org/roster.py).

Format: the sheet 「包校」, one row per pairing: 学年, 区划代码, 学校名称, 单位名称 (a blank 学年 means the
current school year); the template adds a 「说明」 sheet, ignored on import.

Import (`import_pairings`): every row is parsed and checked first (formats, required cells, duplicates in
the file, that the school and the unit exist, the user's scope); if anything is wrong nothing is saved and
the errors are returned, one per problem with its row number as Excel shows it and its column. Otherwise
the new pairings are saved in one transaction. A pairing is identified by (school year, school, unit); a row
naming an existing pairing changes nothing, so importing the same file twice changes nothing the second
time. The import only adds pairings; removing one is done on the pairings page.

Schools are identified by (区划代码, 学校名称) and must already be registered (roster import). Units are
found by name among the units the user may see; when several units carry the name, the one whose region
contains the school's is taken. Rights: a new pairing needs the committee of the school's region; a row that
restates an existing pairing needs no right, so anyone's export re-imports cleanly. `user=None` (the
management command) has full scope.

Export (`write_export`): the pairings visible to the user, in the same format.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import IO

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from python_calamine import CalamineError

from fazhi.accounts.scope import scope_for
from fazhi.assignments.models import Pairing
from fazhi.lib.excel import WorkbookTooLarge
from fazhi.org.models import School, Unit, current_school_year
from fazhi.org.roster import (
    REGION,
    SCHOOL,
    TOO_LARGE,
    UNIT,
    YEAR,
    RowError,
    _chunks,
    _open_workbook,
    _read_sheet,
    _Row,
    _Writer,
    parse_region,
    parse_school_year,
    spooled,
)

__all__ = ["import_pairings", "write_export", "write_template", "spooled", "PairingResult", "SHEET"]

SHEET = "包校"
SHEET_HELP = "说明"
COLUMNS = (YEAR, REGION, SCHOOL, UNIT)
REQUIRED_COLUMNS = (REGION, SCHOOL, UNIT)
WIDTHS = {YEAR: 8, REGION: 10, SCHOOL: 30, UNIT: 30}
NAME_MAX = 100
CHANGE_REASON = "pairing import"

# Units that take on schools: the political-legal units. The committee leads and the education bureau
# co-organises; neither is paired with a school.
UNPAIRED_KINDS = (Unit.Kind.COMMITTEE, Unit.Kind.EDUCATION)


@dataclass
class PairingResult:
    created: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def file_errors(self) -> list[RowError]:
        return [e for e in self.errors if not e.sheet]

    @property
    def changed(self) -> int:
        return self.created

    def summary(self) -> str:
        return _("pairings: %(created)s created, %(unchanged)s unchanged") % {
            "created": self.created, "unchanged": self.unchanged}

    def error_count_message(self) -> str:
        n = len(self.errors)
        return ngettext("The file has %(n)s problem.", "The file has %(n)s problems.", n) % {"n": n}


@dataclass
class _PairingRow:
    row: int
    year: int
    region: str
    school_name: str
    unit_name: str


def read_pairings(source) -> tuple[str, list | None, list[RowError]]:
    """The name of the pairing sheet, its rows, and the errors of the file's layout. The sheet is 「包校」,
    or the only sheet of a workbook that has no such sheet."""
    errors: list[RowError] = []
    try:
        wb = _open_workbook(source)
    except WorkbookTooLarge:
        return SHEET, None, [RowError("", None, "", TOO_LARGE)]
    except (CalamineError, OSError, ValueError):
        return SHEET, None, [RowError("", None, "", _(
            "This file cannot be read as an Excel workbook (.xlsx). Save it from Excel or WPS as .xlsx "
            "and try again."))]
    try:
        names = {n.strip(): n for n in wb.sheet_names}
        sheet = names.get(SHEET)
        if sheet is None:
            others = [n for key, n in names.items() if key != SHEET_HELP]
            if len(others) != 1:
                return SHEET, None, [RowError("", None, "", _(
                    "The workbook has no sheet named %(sheet)s. Download the template and copy your rows "
                    "into it.") % {"sheet": f"「{SHEET}」"})]
            sheet = others[0]
        records = _read_sheet(wb, sheet, COLUMNS, REQUIRED_COLUMNS, errors)
    except (CalamineError, ValueError):
        return SHEET, None, [RowError("", None, "", _(
            "This file is damaged and cannot be read. Save it again from Excel or WPS as .xlsx."))]
    finally:
        wb.close()
    return sheet, records, errors


class _Importer:
    def __init__(self, user):
        self.user = user
        self.scope = None if user is None else scope_for(user)
        self.errors: list[RowError] = []
        self.result = PairingResult()
        self.sheet = SHEET

    def error(self, row: int | None, column: str, message: str) -> None:
        self.errors.append(RowError(self.sheet if row else "", row, column, message))

    def may_pair_in(self, region: str) -> bool:
        s = self.scope
        return s is None or s.superuser or any(region.startswith(p) for p in s.committee_prefixes)

    def _visible(self, model):
        return model.objects.all() if self.user is None else model.objects.visible_to(self.user)

    def parse(self, records) -> list[_PairingRow]:
        rows, seen = [], {}
        default_year = current_school_year()
        for row_number, values in records:
            r = _Row(self.errors, self.sheet, row_number, values)
            year = r.read(YEAR, parse_school_year) or default_year
            region = r.read(REGION, parse_region, required=True)
            school = r.text(SCHOOL, NAME_MAX, required=True)
            unit = r.text(UNIT, NAME_MAX, required=True)
            if not r.ok:
                continue
            key = (year, region, school, unit)
            if key in seen:
                r.bad(UNIT, _("This pairing (school year %(year)s, %(school)s, %(unit)s) already appears on row "
                              "%(row)s.") % {"year": year, "school": school, "unit": unit, "row": seen[key]})
                continue
            seen[key] = row_number
            rows.append(_PairingRow(row_number, year, region, school, unit))
        return rows

    def plan(self, rows: list[_PairingRow]) -> list[tuple[_PairingRow, int, int]]:
        # Schools by (region, name) among those the user may see.
        schools: dict[tuple[str, str], School] = {}
        for chunk in _chunks({r.school_name for r in rows}):
            for school in self._visible(School).filter(name__in=chunk).only("pk", "name", "region_id"):
                schools[(school.region_id, school.name)] = school
        units_by_name = defaultdict(list)
        for chunk in _chunks({r.unit_name for r in rows}):
            for unit in self._visible(Unit).filter(name__in=chunk).select_related("region"):
                units_by_name[unit.name].append(unit)
        existing = set()
        school_ids = {s.pk for s in schools.values()}
        years = {r.year for r in rows}
        for chunk in _chunks(school_ids):
            existing |= set(Pairing.objects.filter(school_id__in=chunk, school_year__in=years).values_list(
                "school_year", "school_id", "unit_id"))

        plans, planned = [], set()
        for r in rows:
            school = schools.get((r.region, r.school_name))
            if school is None:
                self.error(r.row, SCHOOL, _(
                    "There is no school named %(name)s in region %(code)s. Check the name and the region code "
                    "against the school list; a new school is registered first (roster import).") % {
                    "name": r.school_name, "code": r.region})
                continue
            unit = self._unit(r, school, units_by_name.get(r.unit_name, []))
            if unit is None:
                continue
            key = (r.year, school.pk, unit.pk)
            if key in existing:
                self.result.unchanged += 1
                continue
            if not self.may_pair_in(school.region_id):
                self.error(r.row, REGION, _(
                    "Only the political-legal committee of region %(code)s pairs its schools with units.") % {
                    "code": school.region_id})
                continue
            if key in planned:  # the same school and unit twice, spelt differently (e.g. with 学年 blank)
                self.result.unchanged += 1
                continue
            planned.add(key)
            plans.append((r, school.pk, unit.pk))
        return plans

    def _unit(self, r: _PairingRow, school: School, units: list[Unit]) -> Unit | None:
        if not units:
            self.error(r.row, UNIT, _("There is no unit named %(name)s in your area. Check the name against the "
                                      "unit list.") % {"name": r.unit_name})
            return None
        if len(units) > 1:
            # Prefer the unit whose region contains the school's (a county's court over a neighbour's).
            near = [u for u in units if school.region_id.startswith(u.region_id)]
            if len(near) != 1:
                self.error(r.row, UNIT, _(
                    "Several units in your area are named %(name)s (%(regions)s); ask the administrator to "
                    "give them distinct names.") % {
                    "name": r.unit_name, "regions": "、".join(u.region.name for u in units)})
                return None
            units = near
        unit = units[0]
        if unit.kind in UNPAIRED_KINDS:
            self.error(r.row, UNIT, _("%(name)s is a %(kind)s; schools are paired with the political-legal units "
                                      "(court, procuratorate, public security, justice bureau).") % {
                "name": unit.name, "kind": unit.get_kind_display()})
            return None
        return unit

    def run(self, source, dry_run: bool) -> PairingResult:
        self.result.dry_run = dry_run
        self.sheet, records, layout_errors = read_pairings(source)
        self.errors.extend(layout_errors)
        if records is None or self.errors:
            self.result.errors = self.errors
            return self.result
        if not records:
            self.error(None, "", _("The file has no pairings to import: fill in the rows below the header."))
            self.result.errors = self.errors
            return self.result
        plans = self.plan(self.parse(records))
        if self.errors:
            self.errors.sort(key=lambda e: (e.row or 0, e.column))
            self.result.errors = self.errors
            return self.result
        try:
            with transaction.atomic():
                for r, school_id, unit_id in plans:
                    pairing = Pairing(unit_id=unit_id, school_id=school_id, school_year=r.year, created_by=self.user)
                    pairing._change_reason = CHANGE_REASON
                    if self.user is not None:
                        pairing._history_user = self.user
                    pairing.save()
                    self.result.created += 1
                if dry_run:
                    transaction.set_rollback(True)
        except IntegrityError:
            self.result = PairingResult(dry_run=dry_run, errors=[RowError("", None, "", _(
                "The pairings were changed by someone else while the file was being imported; nothing was "
                "saved. Import the file again."))])
        return self.result


def import_pairings(source, user=None, dry_run: bool = False) -> PairingResult:
    """Validate every row of the pairing workbook `source` (a path or an open binary file) and, if there is
    no error, save the new pairings in one transaction. `user=None` means full scope (the management
    command). With `dry_run` the changes are made and rolled back."""
    return _Importer(user).run(source, dry_run)


# ---- writing -------------------------------------------------------------------------------------

HELP_LINES = [
    ("政法单位包校名单导入模板", "title"),
    ("", ""),
    ("「包校」表每行登记一所学校在一个学年由哪个政法单位包联（包学校）。一所学校可以由几个单位共同包联，每个单位各占一行。"
     "本「说明」表导入时忽略。", ""),
    ("请勿修改表名和第一行的列名；红色列名为必填列。空行导入时忽略。", ""),
    ("", ""),
    ("学年：学年开始的年份，例如 2026 表示 2026–2027 学年；不填则为当前学年。", ""),
    ("区划代码：学校所在县（市、区）的 6 位行政区划代码（GB/T 2260），例如敦煌市为 620982。", ""),
    ("学校名称：学校全称，必须与系统中的学校名称完全一致；新学校请先通过花名册导入登记。", ""),
    ("单位名称：法院、检察院、公安局、司法局等政法单位的名称，必须与系统中的单位名称完全一致。政法委和教育局不包联学校。", ""),
    ("", ""),
    ("导入规则", "heading"),
    ("只有学校所在区划的政法委可以新增包校关系。系统先检查每一行；只要有一处错误，就一行也不保存，并列出每个错误所在的行号和列。", ""),
    ("已有的包校关系保持不变，同一文件重复导入不会产生重复记录。导入只新增包校关系；撤销包校关系请在“包校”页面操作。", ""),
    ("导出的包校名单与本模板格式相同，可以修改后直接导入；也可以在“包校”页面把上一学年的包校关系整体复制到新学年。", ""),
]


def _write(fh: IO[bytes], rows, with_help: bool) -> None:
    w = _Writer(fh)
    if with_help:
        ws = w.wb.add_worksheet(SHEET_HELP)
        ws.set_column(0, 0, 120)
        styles = {"title": w.wb.add_format({"bold": True, "font_size": 14}), "heading": w.wb.add_format({"bold": True})}
        wrap = w.wb.add_format({"text_wrap": True, "valign": "top"})
        for r, (text, style) in enumerate(HELP_LINES):
            if text:
                ws.write_string(r, 0, text, styles.get(style, wrap))
    ws = w.sheet(SHEET, COLUMNS, REQUIRED_COLUMNS, WIDTHS, {})
    for r, values in enumerate(rows, start=1):
        w.row(ws, r, values)
    if with_help:
        ws.activate()
    w.close()


def write_template(fh: IO[bytes]) -> None:
    """The empty pairing workbook with its 说明 sheet."""
    _write(fh, [], with_help=True)


def export_rows(user=None, school_year: int | None = None):
    """The pairings visible to `user` (everything for None), of one school year or all, as workbook rows."""
    pairings = Pairing.objects.all() if user is None else Pairing.objects.visible_to(user)
    if school_year is not None:
        pairings = pairings.filter(school_year=school_year)
    rows = pairings.order_by("school_year", "school__region_id", "school__name", "unit__name").values_list(
        "school_year", "school__region_id", "school__name", "unit__name")
    for year, region, school, unit in rows.iterator(chunk_size=2000):
        yield [year, region, school, unit]


def write_export(fh: IO[bytes], user=None, school_year: int | None = None) -> None:
    """The pairings visible to `user`, in the import format: exporting and re-importing changes nothing."""
    _write(fh, export_rows(user, school_year), with_help=False)
