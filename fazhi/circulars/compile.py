"""What a work circular (工作通报) says, compiled from the records.

`compile_snapshot(region, start, end)` computes the figures and the rankings once (they are stored in
`Circular.snapshot` and frozen on publication); `draft_sections(snapshot)` writes the draft text from them.
Everything is JSON (dates as ISO strings), so a published circular never needs the records again.

The quota semester
    Quotas are per semester (`fazhi.activities.progress`). A circular uses the semester that contains the
    last day of its period, and the pace expected by that day (or by today, if the period is not over):
    expected = floor(target × elapsed ÷ semester days).

Criteria on which units (the courts, procuratorates, police and justice bureaus whose officers hold classes,
or which are paired with the region's schools this school year) are ranked, in this order:
    1. Activities: the share of the unit's officers holding a class in the semester whose activities keep
       pace with the quota (led activities ≥ expected by the pro-rata pace). Higher first. A unit paired with
       schools but with no officer holding a class scores 0.
    2. Tips: the share of tips received in the period at the schools paired with the unit that were
       acknowledged within the deadline (`Case.acknowledge_due`). Higher first; no tips counts as 100 %.
    3. Inspection findings past their rectification deadline (`fazhi.oversight.summary`).
       Fewer first.
    Ties share a rank.

A unit fails when it misses any of them: an officer behind the pace (or no activity recorded at all this
semester), a tip not acknowledged in time (late, or still waiting past the deadline), an overdue finding, or
pairings without any officer in a class. An officer fails when their led activities are behind the pace.
"""

import datetime
from collections import defaultdict

from django.db.models import Count, F, Q
from django.utils import timezone

from fazhi.activities.models import Quota
from fazhi.activities.progress import Period, Progress, status_of, totals
from fazhi.activities.stats import figures
from fazhi.assignments.coverage import classes_in, summary
from fazhi.assignments.models import Pairing
from fazhi.org.models import Region, Unit
from fazhi.oversight.summary import findings_summary
from fazhi.tips.models import OPEN, Case, CasePolicy, Tip

VERSION = 1

HEADLINE_KEYS = (
    "activities_total", "online_activities", "schools_reached", "students_reached", "teachers_reached",
    "parents_reached", "handbooks", "pledges", "officers_in_classes", "legal_education_sessions", "case_talks",
    "class_meetings", "lectures", "mental_health_sessions", "heart_to_heart_talks", "home_visits",
)
STATUS_ZH = {"met": "已完成", "on_pace": "按进度", "behind": "滞后"}
NO_ACTIVITY = "本学期未记录任何活动"


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def quota_period(start: datetime.date, end: datetime.date, today: datetime.date | None = None) -> Period:
    """The semester whose quotas apply (the one containing `end`), seen from `end` or today if earlier."""
    today = today or timezone.localdate()
    year, semester = Quota.current_semester(end)
    return Period.of(year, str(semester), today=max(min(today, end), start))


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    year, semester = Quota.current_semester(today or timezone.localdate())
    return Quota.semester_dates(year, semester)


# ---- the parts -----------------------------------------------------------------------------------------

def tip_handling(code: str, start, end, now) -> tuple[dict, dict]:
    """Totals for the region's tips received in the period, and per school {school_id: (tips, failed)}."""
    tips = Tip.objects.filter(school__region__code__startswith=code, created_at__date__gte=start,
                              created_at__date__lte=end)
    cases = Case.objects.filter(tip__in=tips)
    failed = Q(acknowledged_at__gt=F("acknowledge_due")) | Q(acknowledged_at__isnull=True, acknowledge_due__lt=now)
    agg = cases.aggregate(
        acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
        on_time=Count("pk", filter=Q(acknowledged_at__lte=F("acknowledge_due"))),
        late=Count("pk", filter=Q(acknowledged_at__gt=F("acknowledge_due"))),
        waiting_overdue=Count("pk", filter=Q(acknowledged_at__isnull=True, acknowledge_due__lt=now)),
        closed=Count("pk", filter=Q(closed_at__isnull=False)),
        open=Count("pk", filter=Q(status__in=OPEN)),
        urgent=Count("pk", filter=Q(urgent=True)),
    )
    received = tips.count()
    result = {
        "received": received,
        **agg,
        "not_acknowledged_in_time": agg["late"] + agg["waiting_overdue"],
        "overdue": cases.overdue(now).count(),
        "on_time_percent": percent(agg["on_time"], received),
        "acknowledge_hours": CasePolicy.for_region(code).acknowledge_hours,
    }
    per_school = {row["tip__school_id"]: (row["n"], row["failed"]) for row in
                  cases.values("tip__school_id").annotate(n=Count("pk"), failed=Count("pk", filter=failed))
                  .order_by()}
    return result, per_school


def _rank(rows: list[dict]) -> None:
    def key(r):
        tips = r["tips_on_time_percent"] if r["tips_on_time_percent"] is not None else 100.0
        return (-(r["activity_percent"] or 0.0), -tips, r["findings_overdue"])

    rows.sort(key=lambda r: (key(r), -r["activities"], r["unit"], r["unit_id"]))
    previous, rank = None, 0
    for i, row in enumerate(rows, 1):
        if key(row) != previous:
            rank, previous = i, key(row)
        row["rank"] = rank


# ---- the snapshot --------------------------------------------------------------------------------------

def compile_snapshot(region: Region, start: datetime.date, end: datetime.date, *, now=None) -> dict:
    now = now or timezone.now()
    code = region.code
    period = quota_period(start, end, today=timezone.localtime(now).date())
    progress = Progress(period, region=code)

    headline = figures(region=code, start=start, end=end)
    coverage = summary(classes_in(year=period.school_year, region=code))
    tips, tips_by_school = tip_handling(code, start, end, now)
    findings = findings_summary(region=code, start=start, end=end)
    hours = tips["acknowledge_hours"]

    schools = [{"school_id": s.pk, "school": s.name, "done": s.done, "target": s.target, "expected": s.expected,
                "status": status_of(s.done, s.target, s.expected)}
               for s in progress.schools().order_by("name", "pk")]
    officers = list(progress.officers().select_related("unit").order_by("unit__name", "name", "pk"))
    pairings = list(Pairing.objects.filter(school_year=period.school_year, school__region__code__startswith=code)
                    .values_list("unit_id", "school_id"))
    schools_of = defaultdict(set)
    for unit_id, school_id in pairings:
        schools_of[unit_id].add(school_id)
    officers_of = defaultdict(list)
    for o in officers:
        officers_of[o.unit_id].append(o)
    overdue_findings = {}
    for row in findings["by_unit"]:
        overdue_findings[row["unit_id"]] = row["overdue"]

    failing_officers = []
    for o in officers:
        if o.done < o.expected:
            reason = NO_ACTIVITY if o.done == 0 else \
                f"本学期开展活动{o.done}次，低于进度要求{o.expected}次（学期指标{o.target}次）"
            failing_officers.append({"officer_id": o.pk, "officer": o.name, "unit": o.unit.name, "done": o.done,
                                     "expected": o.expected, "target": o.target, "reason": reason})

    units = []
    for unit in Unit.objects.filter(pk__in=set(officers_of) | set(schools_of)).order_by("name", "pk"):
        mine = officers_of.get(unit.pk, [])
        on_pace = sum(1 for o in mine if o.done >= o.expected)
        done = sum(o.done for o in mine)
        n_tips = sum(tips_by_school.get(s, (0, 0))[0] for s in schools_of.get(unit.pk, ()))
        n_failed = sum(tips_by_school.get(s, (0, 0))[1] for s in schools_of.get(unit.pk, ()))
        f_overdue = overdue_findings.get(unit.pk, 0)
        reasons = []
        if mine and done == 0:
            reasons.append(NO_ACTIVITY)
        elif on_pace < len(mine):
            reasons.append(f"{len(mine) - on_pace}名干警活动未达进度要求")
        if not mine:
            reasons.append(f"结对{len(schools_of.get(unit.pk, ()))}所学校，但无干警担任班级法治班主任")
        if n_failed:
            reasons.append(f"{n_failed}件线索未在{hours}小时内签收")
        if f_overdue:
            reasons.append(f"{f_overdue}项督导检查问题逾期未整改")
        units.append({
            "unit_id": unit.pk, "unit": unit.name, "officers": len(mine), "officers_on_pace": on_pace,
            "activities": done, "activity_percent": percent(on_pace, len(mine)) if mine else 0.0,
            "tips": n_tips, "tips_failed": n_failed, "tips_on_time_percent": percent(n_tips - n_failed, n_tips),
            "findings_overdue": f_overdue, "reasons": reasons, "fails": bool(reasons),
        })
    _rank(units)

    return {
        "version": VERSION,
        "compiled_at": now.isoformat(),
        "region": {"code": code, "name": region.name},
        "start": start.isoformat(),
        "end": end.isoformat(),
        "semester": {"label": period.label, "school_year": period.school_year, "semester": period.semester,
                     "start": period.start.isoformat(), "end": period.end.isoformat(),
                     "as_of": period.today.isoformat(), "elapsed_percent": period.elapsed_percent},
        "headline": {k: headline.get(k, 0) for k in HEADLINE_KEYS},
        "coverage": coverage,
        "quotas": {
            "classes": totals(progress.classes()),
            "schools": totals(progress.schools()),
            "officers": totals(progress.officers()),
        },
        "schools": schools,
        "tips": tips,
        "findings": findings,
        "units": units,
        "failing_units": [{"unit": u["unit"], "reasons": u["reasons"]} for u in units if u["fails"]],
        "failing_officers": failing_officers,
    }


# ---- the draft text ------------------------------------------------------------------------------------

def zh_date(iso: str) -> str:
    d = datetime.date.fromisoformat(iso)
    return f"{d.year}年{d.month}月{d.day}日"


def _pct(value) -> str:
    return "—" if value is None else f"{value:g}%"


def draft_sections(snapshot: dict) -> list[dict]:
    s = snapshot
    h, cov, q, t = s["headline"], s["coverage"], s["quotas"], s["tips"]
    region = s["region"]["name"]
    period = f"{zh_date(s['start'])}至{zh_date(s['end'])}"

    overall = (
        f"{period}，{region}共有班级{cov['classes']}个，已明确法治班主任的{cov['covered']}个，"
        f"覆盖率{_pct(cov['coverage_percent'])}，尚未覆盖{cov['uncovered']}个；"
        f"{h['officers_in_classes']}名政法干警担任班级法治班主任。"
        f"期内共开展各类预防校园欺凌法治教育活动{h['activities_total']}场次（其中线上{h['online_activities']}场次），"
        f"覆盖学校{h['schools_reached']}所，受教育学生{h['students_reached']}人次、教师{h['teachers_reached']}人次、"
        f"家长{h['parents_reached']}人次，发放宣传手册{h['handbooks']}份，签订承诺书{h['pledges']}份。"
    )

    sem = s["semester"]
    work = [
        f"（一）指标完成情况。按{sem['label']}工作指标（截至{zh_date(sem['as_of'])}，学期进度{sem['elapsed_percent']}%），"
        f"{q['classes']['met']}/{q['classes']['total']}个班级完成主题班会指标，"
        f"{q['schools']['met']}/{q['schools']['total']}所学校完成防治专题活动指标，"
        f"{q['officers']['total'] - q['officers']['behind']}/{q['officers']['total']}名干警活动达到进度要求。",
        f"（二）线索处置情况。期内共受理欺凌线索{t['received']}件，按时签收{t['on_time']}件，"
        f"按时签收率{_pct(t['on_time_percent'])}；未在{t['acknowledge_hours']}小时内签收{t['not_acknowledged_in_time']}件；"
        f"目前逾期未处置{t['overdue']}件；已办结{t['closed']}件。",
    ]
    f = s.get("findings")
    if f:
        work.append(f"（三）督导检查情况。期内联合督导检查发现问题{f.get('findings', 0)}项，已整改{f.get('rectified', 0)}项，"
                    f"逾期未整改{f.get('overdue', 0)}项。")
    else:
        work.append("（三）督导检查情况。本期暂无督导检查数据。")
    units = s["units"]
    if units:
        top = "、".join(u["unit"] for u in units if u["rank"] == 1 and not u["fails"])
        ranking = ("按干警活动达到进度要求的比例、线索按时签收率、督导检查问题逾期未整改数依次排序"
                   f"（排名见附表），共{len(units)}个单位参与排名")
        work.append(f"（四）单位排名。{ranking}{'，' + top + '位列第一' if top else ''}。")

    problems = []
    n = 0
    for u in s["failing_units"]:
        n += 1
        problems.append(f"{n}. {u['unit']}：{'；'.join(u['reasons'])}。")
    for o in s["failing_officers"]:
        n += 1
        problems.append(f"{n}. {o['unit']}{o['officer']}：{o['reason']}。")
    if cov["uncovered"]:
        n += 1
        problems.append(f"{n}. 尚有{cov['uncovered']}个班级未明确法治班主任。")
    if not problems:
        problems.append("本期各单位、各法治班主任均达到通报标准，未发现需要通报的问题。")
    else:
        problems.insert(0, "经核查，以下单位和人员未达到工作要求，予以通报：")

    next_steps = (
        "1. 各单位要对照本通报指出的问题，逐项制定整改措施，于15日内将整改情况报送市委政法委。\n"
        "2. 各法治班主任要按照学期工作指标，扎实开展法治教育、主题班会和谈心谈话等活动，确保按进度完成任务。\n"
        "3. 各学校要落实线索受理首问负责制，确保欺凌线索在规定时限内签收、处置，做到件件有回音。\n"
        "4. 各单位要加强统筹协调，对督导检查发现的问题限期整改到位，切实筑牢预防校园欺凌的法治防线。"
    )
    return [
        {"heading": "一、总体情况", "body": overall},
        {"heading": "二、工作开展情况", "body": "\n".join(work)},
        {"heading": "三、存在的问题", "body": "\n".join(problems)},
        {"heading": "四、下一步工作要求", "body": next_steps},
    ]
