"""Ledgers (工作台账): the activities of an officer, a unit, a school or a region over a period, as the
Excel workbook and the printed PDF a county office files.

`select_activities(user, ...)` picks the records (always within what the user may see, ordered by date);
`for_export(qs)` loads everything a row prints in three queries per 1,000 activities; `write_xlsx` and
`render_pdf` write the two documents. The documents are in Chinese whatever the user's language: they are
official records filed in a Chinese office.
"""

import datetime
import io
import multiprocessing
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone

from fazhi.accounts.scope import scope_for
from fazhi.activities.models import Activity, Evidence, Kind, Mode, Topic
from fazhi.assignments.noticeboard import _media_root, _render_chunk, _write
from fazhi.lib import excel
from fazhi.org.models import Officer, Region, School, SchoolClass, Unit

# The printed names of the choices (the labels of the models are English message ids).
KIND_ZH = {
    Kind.LEGAL_EDUCATION: "法治宣传教育",
    Kind.CASE_TALK: "案例宣讲",
    Kind.GAME: "游戏互动",
    Kind.CLASS_MEETING: "班团队会/主题活动",
    Kind.LECTURE: "专题讲座",
    Kind.MENTAL_HEALTH: "心理健康教育",
    Kind.COUNSELLING: "一对一咨询",
    Kind.TALK: "谈心谈话",
    Kind.HOME_VISIT: "家访",
    Kind.OTHER: "其他",
}
TOPIC_ZH = {
    Topic.FORMS: "欺凌暴力的类型",
    Topic.HARMS: "欺凌暴力的危害",
    Topic.RESPONSE: "如何应对",
    Topic.EFFECTS: "对受害者的心理影响",
    Topic.RECOVERY: "如何走出阴影",
    Topic.LAWS: "法律法规",
    Topic.OTHER: "其他",
}
MODE_ZH = {Mode.OFFLINE: "线下", Mode.ONLINE: "线上"}
WEEKDAYS_ZH = "一二三四五六日"

SCOPES = ("officer", "unit", "school", "region")
PHOTOS_PER_ACTIVITY = 4
CHUNK = 1000  # activities loaded per round of queries


# ---- what a ledger covers -------------------------------------------------------------------------

def semester_range(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The semester a ledger is usually filed for: 1 Sept – 31 Jan or 1 Feb – 31 July. In August (the
    holiday) it is the spring semester just ended."""
    today = today or timezone.localdate()
    if today.month >= 9:
        return datetime.date(today.year, 9, 1), datetime.date(today.year + 1, 1, 31)
    if today.month == 1:
        return datetime.date(today.year - 1, 9, 1), datetime.date(today.year, 1, 31)
    return datetime.date(today.year, 2, 1), datetime.date(today.year, 7, 31)


def ledger_regions(user) -> QuerySet:
    """Regions whose whole ledger the user may export: their own regions and everything below them (not the
    ancestors that `Region.visible_to` adds for names)."""
    scope = scope_for(user)
    if scope.superuser:
        return Region.objects.all()
    q = Q(pk__in=[])
    for prefix in scope.region_prefixes:
        q |= Q(code__startswith=prefix)
    return Region.objects.filter(q)


@dataclass(frozen=True)
class Ledger:
    """One ledger: whose (an officer, a unit, a school or a region) and which period."""

    kind: str  # one of SCOPES
    subject: Officer | Unit | School | Region
    start: datetime.date
    end: datetime.date

    @property
    def label(self) -> str:
        if self.kind == "officer":
            return f"{self.subject.unit.name} {self.subject.name}"
        return self.subject.name

    @property
    def description(self) -> str:
        s = self.subject
        if self.kind == "officer":
            title = f" {s.title}" if s.title else ""
            return f"政法干警：{s.name}（{s.unit.name}{title}）"
        if self.kind == "unit":
            return f"单位：{s.name}（本单位全体政法干警）"
        if self.kind == "school":
            return f"学校：{s.name}"
        return f"区域：{s.name}（{s.code}）"

    @property
    def period(self) -> str:
        return f"{self.start.isoformat()} 至 {self.end.isoformat()}"

    @property
    def title(self) -> str:
        return f"{self.label} 法治班主任工作台账 {self.period}"

    def filename(self, extension: str) -> str:
        """工作台账-敦煌市-2026-09-01至2026-11-30.xlsx"""
        safe = "".join(ch for ch in self.label if ch not in '\\/:*?"<>|\r\n\t').strip().replace(" ", "-")
        return f"工作台账-{safe or 'ledger'}-{self.start.isoformat()}至{self.end.isoformat()}.{extension}"

    def activities(self, user) -> QuerySet:
        return select_activities(user, start=self.start, end=self.end, **{self.kind: self.subject})


def select_activities(user, *, officer: Officer | None = None, unit: Unit | None = None,
                      school: School | None = None, region: Region | str | None = None,
                      start: datetime.date | None = None, end: datetime.date | None = None) -> QuerySet:
    """The activities of an officer, of a unit's officers, at a school or in a region (code prefix), within
    [start, end] and what the user may see, oldest first."""
    qs = Activity.objects.visible_to(user).between(start, end)
    if officer is not None:
        qs = qs.filter(officer=officer)
    if unit is not None:
        qs = qs.filter(officer__unit=unit)
    if school is not None:
        qs = qs.filter(school=school)
    if region is not None:
        qs = qs.in_region(region.code if isinstance(region, Region) else region)
    return qs.order_by("date", "pk")


def for_export(qs: QuerySet) -> QuerySet:
    """Everything a ledger row prints, without N+1: one query for the activities with school, officer, unit
    and recorder, one for their classes and one for their evidence (per 1,000 when iterated)."""
    return qs.select_related("school", "officer__unit", "recorded_by").prefetch_related(
        Prefetch("classes", queryset=SchoolClass.objects.only("pk", "name", "grade", "number")
                 .order_by("grade", "number", "pk")),
        Prefetch("evidence", queryset=Evidence.objects.only("pk", "activity_id", "type", "thumbnail")
                 .order_by("pk")),
    )


def _rows(activities: Iterable[Activity]) -> Iterable[Activity]:
    if isinstance(activities, QuerySet):
        return activities.iterator(chunk_size=CHUNK)
    return activities


# ---- figures --------------------------------------------------------------------------------------

FIGURES = ("count", "online", "minutes", "students", "teachers", "parents", "handbooks", "pledges", "evidence")


class Summary:
    """Counts and totals per kind of activity, added up row by row or read from the database."""

    def __init__(self):
        self.by_kind = {kind: dict.fromkeys(FIGURES, 0) for kind in Kind.values}
        self.schools: set[int] = set()
        self.officers: set[int] = set()
        self.counted: dict | None = None  # distinct schools and officers, when read from the database

    def add(self, a: Activity, evidence: int = 0) -> None:
        row = self.by_kind[a.kind]
        row["count"] += 1
        row["online"] += a.mode == Mode.ONLINE
        row["minutes"] += a.duration_minutes
        row["students"] += a.students
        row["teachers"] += a.teachers
        row["parents"] += a.parents
        row["handbooks"] += a.handbooks
        row["pledges"] += a.pledges
        row["evidence"] += evidence
        self.schools.add(a.school_id)
        if a.officer_id:
            self.officers.add(a.officer_id)

    @classmethod
    def of(cls, qs: QuerySet) -> "Summary":
        """The same figures from the database: two queries, whatever the number of activities."""
        summary = cls()
        rows = qs.order_by().values("kind").annotate(
            count=Count("pk"), online=Count("pk", filter=Q(mode=Mode.ONLINE)),
            minutes=Coalesce(Sum("duration_minutes"), 0), students=Coalesce(Sum("students"), 0),
            teachers=Coalesce(Sum("teachers"), 0), parents=Coalesce(Sum("parents"), 0),
            handbooks=Coalesce(Sum("handbooks"), 0), pledges=Coalesce(Sum("pledges"), 0),
        )
        for row in rows:
            if row["kind"] in summary.by_kind:
                summary.by_kind[row["kind"]].update({k: row[k] for k in FIGURES if k in row})
        summary.counted = qs.order_by().aggregate(schools=Count("school", distinct=True),
                                                  officers=Count("officer", distinct=True))
        return summary

    @property
    def school_count(self) -> int:
        return self.counted["schools"] if self.counted else len(self.schools)

    @property
    def officer_count(self) -> int:
        return self.counted["officers"] if self.counted else len(self.officers)

    @property
    def total(self) -> dict:
        return {k: sum(row[k] for row in self.by_kind.values()) for k in FIGURES}

    def rows(self) -> list[dict]:
        """One row per kind, in the order of `Kind`, zeros included (the filed form lists every kind)."""
        return [{"kind": kind, "label": KIND_ZH[kind], **figures} for kind, figures in self.by_kind.items()]


# ---- row content ----------------------------------------------------------------------------------

def _classes(a: Activity) -> str:
    names = "、".join(c.name for c in a.classes.all())
    if a.whole_school:
        return f"全校（{names}）" if names else "全校"
    return names


def _subject(a: Activity) -> str:
    topics = "、".join(TOPIC_ZH.get(t, t) for t in a.topics or [])
    if a.title and topics:
        return f"{a.title}（主题：{topics}）"
    return a.title or topics


def _recorder(a: Activity) -> str:
    return str(a.recorded_by) if a.recorded_by_id and a.recorded_by else ""


def _photos(a: Activity, root: Path, limit: int = PHOTOS_PER_ACTIVITY) -> list[str]:
    """file: URIs of up to `limit` evidence thumbnails that exist under MEDIA_ROOT."""
    found = []
    for evidence in a.evidence.all():
        if len(found) >= limit:
            break
        if not evidence.thumbnail:
            continue
        try:
            path = (root / evidence.thumbnail.name).resolve()
        except (OSError, ValueError):
            continue
        if path.is_relative_to(root) and path.is_file():
            found.append(path.as_uri())
    return found


def chinese_date(day: datetime.date, weekday: bool = False) -> str:
    text = f"{day.year}年{day.month}月{day.day}日"
    return f"{text}（星期{WEEKDAYS_ZH[day.weekday()]}）" if weekday else text


# ---- Excel ----------------------------------------------------------------------------------------

COLUMNS = [  # heading, width
    ("序号", 5), ("日期", 11), ("活动类型", 12), ("形式(线上/线下)", 8), ("主题/标题", 24), ("学校", 16),
    ("班级", 16), ("主讲政法干警", 9), ("单位", 15), ("时长(分钟)", 7), ("学生", 6), ("教师", 6), ("家长", 6),
    ("发放手册", 7), ("签订承诺书", 7), ("活动内容/备注", 36), ("佐证材料(份)", 7), ("记录人", 9),
]
FIRST_SUM_COL, LAST_SUM_COL, EVIDENCE_COL = 9, 14, 16
HEADER_ROW = 2


def write_xlsx(activities: Iterable[Activity], out, title: str, *, description: str = "",
               period: str = "", exported_by: str = "") -> int:
    """Write the ledger workbook to `out` (a path or a binary file object): the sheet 工作台账 with one row
    per activity and a totals row, and the sheet 分类汇总 with the figures per kind. Returns the number of
    activities written. Text goes in with `write_string` only: "=1+1" in a note stays text."""
    wb = excel.workbook(out, constant_memory=True)
    wb.set_properties({"title": title, "subject": "法治班主任工作台账", "author": exported_by or "fazhi"})
    base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter", "border": 1}
    f_title = wb.add_format({"font_name": "黑体", "font_size": 16, "bold": True, "align": "center",
                             "valign": "vcenter"})
    f_sub = wb.add_format({"font_name": "宋体", "font_size": 10, "valign": "vcenter"})
    f_head = wb.add_format({**base, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#E7E6E6"})
    f_text = wb.add_format({**base, "text_wrap": True})
    f_center = wb.add_format({**base, "align": "center", "text_wrap": True})
    f_date = wb.add_format({**base, "align": "center", "num_format": "yyyy-mm-dd"})
    f_num = wb.add_format({**base, "align": "center", "num_format": "0"})
    f_total = wb.add_format({**base, "bold": True, "align": "center", "bg_color": "#F2F2F2"})
    f_total_num = wb.add_format({**base, "bold": True, "align": "center", "num_format": "0", "bg_color": "#F2F2F2"})

    ws = wb.add_worksheet("工作台账")
    last_col = len(COLUMNS) - 1
    for col, (_heading, width) in enumerate(COLUMNS):
        ws.set_column(col, col, width)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.center_horizontally()
    ws.repeat_rows(HEADER_ROW)
    ws.fit_to_pages(1, 0)
    ws.set_footer("&C第 &P 页 共 &N 页")
    ws.freeze_panes(HEADER_ROW + 1, 0)

    ws.set_row(0, 30)
    ws.merge_range(0, 0, 0, last_col, title, f_title)
    printed = f"制表日期：{timezone.localdate().isoformat()}"
    sub = "　　".join(x for x in (description, f"统计时段：{period}" if period else "", printed) if x)
    ws.merge_range(1, 0, 1, last_col, sub, f_sub)
    ws.set_row(HEADER_ROW, 30)
    for col, (heading, _width) in enumerate(COLUMNS):
        ws.write_string(HEADER_ROW, col, heading, f_head)

    summary = Summary()
    row = HEADER_ROW
    for n, a in enumerate(_rows(activities), start=1):
        row = HEADER_ROW + n
        evidence = len(a.evidence.all())
        summary.add(a, evidence)
        officer = a.officer
        ws.write_number(row, 0, n, f_num)
        ws.write_datetime(row, 1, a.date, f_date)
        for col, value, fmt in (
            (2, KIND_ZH.get(a.kind, a.kind), f_center), (3, MODE_ZH.get(a.mode, a.mode), f_center),
            (4, _subject(a), f_text), (5, a.school.name, f_text), (6, _classes(a), f_text),
            (7, officer.name if officer else "", f_center), (8, officer.unit.name if officer else "", f_text),
        ):
            ws.write_string(row, col, value, fmt)
        for col, value in enumerate((a.duration_minutes, a.students, a.teachers, a.parents, a.handbooks,
                                     a.pledges), start=FIRST_SUM_COL):
            ws.write_number(row, col, value, f_num)
        ws.write_string(row, 15, a.notes, f_text)
        ws.write_number(row, EVIDENCE_COL, evidence, f_num)
        ws.write_string(row, 17, _recorder(a), f_center)
    count = row - HEADER_ROW

    total_row = row + 1
    totals = summary.total
    ws.merge_range(total_row, 0, total_row, FIRST_SUM_COL - 1, f"合计（{count} 次活动）", f_total)
    keys = ("minutes", "students", "teachers", "parents", "handbooks", "pledges")
    for col, key in zip(range(FIRST_SUM_COL, LAST_SUM_COL + 1), keys, strict=True):
        _write_sum(ws, total_row, col, count, totals[key], f_total_num)
    ws.write_blank(total_row, 15, None, f_total)
    _write_sum(ws, total_row, EVIDENCE_COL, count, totals["evidence"], f_total_num)
    ws.write_blank(total_row, 17, None, f_total)
    ws.write_string(total_row + 2, 0, "填表人：　　　　　　　　审核人：　　　　　　　　填报单位（盖章）："
                    "　　　　　　　　填报日期：　　　　年　　月　　日", f_sub)

    _write_summary_sheet(wb, summary, title, sub, f_title, f_sub, f_head, f_center, f_num, f_total, f_total_num)
    wb.close()
    return count


def _write_sum(ws, row: int, col: int, count: int, value: int, fmt) -> None:
    """A live SUM over the rows above (with its value cached, for readers that do not calculate)."""
    if count:
        from xlsxwriter.utility import xl_rowcol_to_cell

        first = xl_rowcol_to_cell(HEADER_ROW + 1, col)
        last = xl_rowcol_to_cell(HEADER_ROW + count, col)
        ws.write_formula(row, col, f"=SUM({first}:{last})", fmt, value)
    else:
        ws.write_number(row, col, 0, fmt)


def _write_summary_sheet(wb, summary: Summary, title, sub, f_title, f_sub, f_head, f_center, f_num, f_total,
                         f_total_num) -> None:
    ws = wb.add_worksheet("分类汇总")
    headings = ["活动类型", "次数", "其中线上", "时长(分钟)", "学生", "教师", "家长", "发放手册", "签订承诺书",
                "佐证材料(份)"]
    keys = ["count", "online", "minutes", "students", "teachers", "parents", "handbooks", "pledges", "evidence"]
    ws.set_column(0, 0, 20)
    ws.set_column(1, len(headings) - 1, 10)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_row(0, 30)
    ws.merge_range(0, 0, 0, len(headings) - 1, f"{title}（分类汇总）", f_title)
    ws.merge_range(1, 0, 1, len(headings) - 1, sub, f_sub)
    for col, heading in enumerate(headings):
        ws.write_string(2, col, heading, f_head)
    row = 2
    for row, item in enumerate(summary.rows(), start=3):
        ws.write_string(row, 0, item["label"], f_center)
        for col, key in enumerate(keys, start=1):
            ws.write_number(row, col, item[key], f_num)
    total = summary.total
    ws.write_string(row + 1, 0, "合计", f_total)
    for col, key in enumerate(keys, start=1):
        ws.write_number(row + 1, col, total[key], f_total_num)
    ws.write_string(row + 3, 0, f"覆盖学校：{summary.school_count} 所", f_sub)
    ws.write_string(row + 4, 0, f"主讲政法干警：{summary.officer_count} 人", f_sub)


# ---- PDF ------------------------------------------------------------------------------------------

def _entry(n: int, a: Activity, root: Path) -> dict:
    officer = a.officer
    return {
        "no": n,
        "date": chinese_date(a.date, weekday=True),
        "kind": KIND_ZH.get(a.kind, a.kind),
        "mode": MODE_ZH.get(a.mode, a.mode),
        "subject": _subject(a),
        "school": a.school.name,
        "classes": _classes(a),
        "officer": officer.name if officer else "",
        "officer_title": officer.title if officer else "",
        "unit": officer.unit.name if officer else "",
        "minutes": a.duration_minutes,
        "students": a.students,
        "teachers": a.teachers,
        "parents": a.parents,
        "handbooks": a.handbooks,
        "pledges": a.pledges,
        "notes": a.notes,
        "evidence": len(a.evidence.all()),
        "photos": _photos(a, root),
        "recorder": _recorder(a),
    }


def pdf_context(activities: Iterable[Activity], title: str, *, description: str = "", period: str = "",
                exported_by: str = "") -> dict:
    root = _media_root()
    summary = Summary()
    entries = []
    for n, a in enumerate(_rows(activities), start=1):
        entry = _entry(n, a, root)
        summary.add(a, entry["evidence"])
        entries.append(entry)
    heading = title[:-len(period)].strip() if period and title.endswith(period) else title
    return {
        "title": title, "heading": heading or title, "description": description, "period": period, "exported_by": exported_by,
        "entries": entries, "summary": summary.rows(), "total": summary.total,
        "school_count": summary.school_count, "officer_count": summary.officer_count,
        "printed_on": chinese_date(timezone.localdate()),
    }


TEMPLATE = "activities/ledger_pdf.html"
MAX_PROCESSES = 4
ACTIVITIES_PER_PROCESS = 150  # below this, starting processes costs more than it saves


def render_html(activities: Iterable[Activity], title: str, **kwargs) -> str:
    return render_to_string(TEMPLATE, pdf_context(activities, title, **kwargs))


def _cpu_count() -> int:
    return os.cpu_count() or 1


def render_pdf(activities: Iterable[Activity], out, title: str, *, description: str = "", period: str = "",
               exported_by: str = "") -> int:
    """Print the ledger to `out` (a path or a binary file object) as one A4 PDF: a cover with the title,
    scope, period and the figures per kind, then one entry per activity with up to four photos (evidence
    thumbnails under MEDIA_ROOT; pictures come from nowhere else, see `noticeboard._fetcher`). Returns the
    number of pages.

    A small ledger is one WeasyPrint document. A large one (about 30 ms of layout per activity) is laid out
    in parallel processes, in parts without page furniture; the parts are joined and every page is then
    stamped with its running title and "第 N 页 共 M 页" from a document of empty pages, so that the numbers
    count the whole ledger."""
    context = pdf_context(activities, title, description=description, period=period, exported_by=exported_by)
    entries = context["entries"]
    workers = min(_cpu_count(), MAX_PROCESSES, len(entries) // ACTIVITIES_PER_PROCESS)
    if workers < 2:
        pdf, pages = _render_chunk(render_to_string(TEMPLATE, {**context, "furniture": True, "cover": True}))
        _write(out, pdf)
        return pages
    from pypdf import PdfReader, PdfWriter

    size = -(-len(entries) // workers)
    parts = [render_to_string(TEMPLATE, {**context, "entries": entries[i:i + size], "cover": i == 0})
             for i in range(0, len(entries), size)]
    # Layout is pure-Python CPU work; forked workers (WeasyPrint and the settings already loaded) do no
    # database work.
    with multiprocessing.get_context("fork").Pool(len(parts)) as pool:
        results = pool.map(_render_chunk, parts)
    total = sum(pages for _pdf, pages in results)
    stamps, _pages = _render_chunk(render_to_string(TEMPLATE, {**context, "furniture": True,
                                                               "blank_pages": range(total)}))
    writer = PdfWriter()
    for pdf, _pages in results:
        writer.append(io.BytesIO(pdf))
    for page, stamp in zip(writer.pages, PdfReader(io.BytesIO(stamps)).pages, strict=True):
        page.merge_page(stamp)
        page.compress_content_streams()
    if hasattr(out, "write"):
        writer.write(out)
    else:
        with open(out, "wb") as f:
            writer.write(f)
    return total
