"""The dashboards' numbers for a scope (a region, one unit, one school) and a period.

Everything is aggregated in the database; every function costs a fixed number of queries whatever the
number of records.

Scopes
------
Region (a GB/T 2260 code prefix)
    `headline` is `fazhi.activities.stats.figures()` itself: the same numbers as `stats --json`.
Unit
    Activities: those its officers led (anywhere). Officers in classes: its officers who held a class in the
    period. Everything counted by school (tips, cases, confiscated items, disputes, hazards, surveys,
    registers, coverage): the schools paired with the unit in a school year that overlaps the period.
School
    Activities held at the school; officers holding one of its classes; the school's own records.

For units and schools `headline` returns the same keys as `figures()` computed with the same formulas,
given the records of the scope (`figures(activities=, assignments=, schools=)`), not a copy of them.

Months
    Activities by their date, tips by the day they were received, survey responses by the day they were
    submitted (responses to the surveys that opened in the period, as in `survey_figures`), in the current
    time zone (`TruncMonth`).

Unit ranking (`unit_ranking`), objective criteria in this order:
    1. activities per officer in classes (activities its officers led in the period ÷ its officers who held
       a class in the period), higher first;
    2. coverage of the classes of its paired schools (this school year, an active homeroom officer now),
       higher first;
    3. overdue cases at its paired schools, fewer first;
    4. its name, so that the order is stable.
    A unit with no officer in a class during the period is not ranked (it is listed after the ranked ones).
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, OuterRef
from django.db.models.functions import Substr, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhi.activities.models import Activity, Kind
from fazhi.activities.stats import figures, held_in_period
from fazhi.assignments import coverage
from fazhi.assignments.models import Assignment, Pairing
from fazhi.lib.queries import count_of
from fazhi.org.models import Region, School, SchoolClass, Unit, current_school_year
from fazhi.oversight.models import Finding
from fazhi.surveys.results import survey_entries
from fazhi.tips.models import Case, Tip
from fazhi.tips.stats import tips_in

MAX_MONTHS = 60  # a longer custom period only shows the months that have records


@dataclass(frozen=True)
class Selection:
    """What a dashboard is about: a region prefix (None: everything), one unit, or one school."""

    region: str | None = None
    unit_id: int | None = None
    school_id: int | None = None

    @property
    def kind(self) -> str:
        return "unit" if self.unit_id else "school" if self.school_id else "region"

    def all_activities(self):
        """The activities that count, whatever their date: a unit's officers', a school's, a region's."""
        if self.unit_id:
            return Activity.objects.filter(officer__unit_id=self.unit_id)
        if self.school_id:
            return Activity.objects.filter(school_id=self.school_id)
        return Activity.objects.in_region(self.region)

    def activities(self, start=None, end=None):
        return self.all_activities().between(start, end)

    def assignments(self):
        """The assignments that count for `officers_in_classes`: a unit's officers', a school's, a region's."""
        if self.unit_id:
            return Assignment.objects.filter(officer__unit_id=self.unit_id)
        if self.school_id:
            return Assignment.objects.filter(school_id=self.school_id)
        if self.region:
            return Assignment.objects.filter(school__region__code__startswith=self.region)
        return Assignment.objects.all()

    def schools(self, start=None, end=None):
        """The schools whose records count (a queryset, used as a subquery)."""
        if self.unit_id:
            pairings = Pairing.objects.filter(unit_id=self.unit_id)
            if start:
                pairings = pairings.filter(school_year__gte=current_school_year(start))
            if end:
                pairings = pairings.filter(school_year__lte=current_school_year(end))
            return School.objects.filter(pk__in=pairings.values("school_id"))
        if self.school_id:
            return School.objects.filter(pk=self.school_id)
        if self.region:
            return School.objects.filter(region__code__startswith=self.region)
        return School.objects.all()

    def held(self, start=None, end=None):
        """Homeroom assignments held at some time in the period (as in `officers_in_classes`)."""
        return held_in_period(self.assignments(), start=start, end=end)

    def classes(self, year: int):
        """This school year's classes for coverage (`coverage.classes_in`)."""
        return coverage.classes_in(year=year, region=self.region if self.kind == "region" else None,
                                   unit_id=self.unit_id, school_id=self.school_id)


def coverage_year(end: datetime.date | None) -> int:
    today = timezone.localdate()
    return current_school_year(min(end, today) if end else today)


# ---- headline ----------------------------------------------------------------------------------

def headline(sel: Selection, start=None, end=None) -> dict:
    """The keys of `figures()` (for a region: `figures()` itself), plus coverage now (classes, covered,
    coverage_percent) of the school year of the period's end."""
    if sel.kind == "region":
        data = figures(region=sel.region, start=start, end=end)
    else:
        data = _scoped_figures(sel, start, end)
    cov = coverage.summary(sel.classes(coverage_year(end)))
    data.update(classes=cov["classes"], classes_covered=cov["covered"], coverage_percent=cov["coverage_percent"])
    return data


def _scoped_figures(sel: Selection, start, end) -> dict:
    """`figures()` for a unit or a school: the same formulas, given the records that count."""
    return figures(start=start, end=end, activities=sel.all_activities(), assignments=sel.assignments(),
                   schools=sel.schools(start, end))


def _dated(qs, field: str, start, end):
    if start:
        qs = qs.filter(**{f"{field}__gte": start})
    if end:
        qs = qs.filter(**{f"{field}__lte": end})
    return qs


def _tips(schools, start, end):
    return tips_in(start=start, end=end, schools=schools)


def _survey_entries(schools, start, end):
    return survey_entries(start=start, end=end, schools=schools)


# ---- trends by month ---------------------------------------------------------------------------

def _month(value) -> str:
    return value.strftime("%Y-%m")


def _months_between(start: datetime.date, end: datetime.date) -> list[str]:
    months, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month) and len(months) <= MAX_MONTHS:
        months.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def monthly(sel: Selection, start=None, end=None) -> dict:
    """Activities per month and kind, tips per month, survey responses per month (three queries)."""
    from fazhi.surveys.models import Response

    acts = (sel.activities(start, end).annotate(month=TruncMonth("date")).values_list("month", "kind")
            .annotate(n=Count("pk")).order_by())
    tips = (_tips(sel.schools(start, end), start, end).annotate(month=TruncMonth("created_at"))
            .values_list("month").annotate(n=Count("pk")).order_by())
    responses = (Response.objects.filter(survey_class__in=_survey_entries(sel.schools(start, end), start, end))
                 .annotate(month=TruncMonth("submitted_on")).values_list("month").annotate(n=Count("pk")).order_by())
    by_kind: dict[tuple[str, str], int] = {}
    for month, kind, n in acts:
        by_kind[(_month(month), kind)] = by_kind.get((_month(month), kind), 0) + n
    tip_months: dict[str, int] = {}
    for month, n in tips:
        tip_months[_month(month)] = tip_months.get(_month(month), 0) + n
    response_months: dict[str, int] = {}
    for month, n in responses:
        response_months[_month(month)] = response_months.get(_month(month), 0) + n
    seen = {m for m, _ in by_kind} | set(tip_months) | set(response_months)
    if start and end and start <= end and len(_months_between(start, end)) <= MAX_MONTHS:
        months = _months_between(start, end)
    else:
        months = sorted(seen)
    return {
        "months": months,
        "activities_by_kind": {k: [by_kind.get((m, k), 0) for m in months] for k in Kind.values},
        "activities": [sum(by_kind.get((m, k), 0) for k in Kind.values) for m in months],
        "tips": [tip_months.get(m, 0) for m in months],
        "responses": [response_months.get(m, 0) for m in months],
    }


# ---- breakdowns --------------------------------------------------------------------------------

def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 100.0


def by_school(sel: Selection, start=None, end=None) -> list[dict]:
    """One row per school of the scope: activities (of the scope: for a unit, its officers'), classes and
    coverage now, tips and overdue cases in the period, and inspection findings in the period. One query."""
    year = coverage_year(end)
    acts = sel.activities(start, end).filter(school_id=OuterRef("pk"))
    classes = SchoolClass.objects.filter(school_id=OuterRef("pk"), school_year=year)
    tips = _dated(Tip.objects.filter(school_id=OuterRef("pk")), "created_at__date", start, end)
    overdue = Case.objects.overdue().filter(tip__school_id=OuterRef("pk"))
    overdue = _dated(overdue, "tip__created_at__date", start, end)
    annotations = {
        "n_activities": count_of(acts),
        "n_classes": count_of(classes),
        "n_covered": count_of(classes.filter(coverage._active())),
        "n_tips": count_of(tips),
        "n_overdue": count_of(overdue),
    }
    found = _dated(Finding.objects.filter(school_id=OuterRef("pk")), "inspection__date", start, end)
    annotations["n_findings"] = count_of(found)
    rows = sel.schools(start, end).annotate(**annotations).order_by("region_id", "name", "pk")
    return [{
        "id": s.pk, "name": s.name, "activities": s.n_activities, "classes": s.n_classes, "covered": s.n_covered,
        "coverage_percent": _percent(s.n_covered, s.n_classes), "tips": s.n_tips, "overdue": s.n_overdue,
        "findings": s.n_findings,
    } for s in rows.values_list("pk", "name", "n_activities", "n_classes", "n_covered", "n_tips", "n_overdue",
                                "n_findings", named=True)]


def _grouped(qs, key, **aggregates) -> dict:
    """{group: {aggregate: value}}: one GROUP BY query (`key` a field path or an expression)."""
    if isinstance(key, str):
        rows = qs.order_by().values(key).annotate(**aggregates)
        return {r.pop(key): r for r in rows}
    rows = qs.order_by().annotate(group_key=key).values("group_key").annotate(**aggregates)
    return {r.pop("group_key"): r for r in rows}


def _n(groups: dict, key, field: str = "n") -> int:
    """One figure of one group of `_grouped` (0 for a group with no rows)."""
    return groups.get(key, {}).get(field, 0)


def by_unit(sel: Selection, start=None, end=None) -> list[dict]:
    """One row per unit of a region (or the one unit): officers in classes and activities they led in the
    period; paired schools, their classes and coverage now; tips and overdue cases at the paired schools in
    the period; findings about the unit or its officers in the period. Eight GROUP BY queries whatever the
    number of units (a province has hundreds)."""
    year = coverage_year(end)
    units = Unit.objects.all()
    if sel.unit_id:
        units = units.filter(pk=sel.unit_id)
    elif sel.region:
        units = units.filter(region__code__startswith=sel.region)
    ids = units.values("pk")
    paired = {"school__pairings__unit__in": ids, "school__pairings__school_year": year}
    officers = _grouped(Selection().held(start, end).filter(officer__unit__in=ids),  # as on the unit's dashboard
                        "officer__unit_id", n=Count("officer_id", distinct=True))
    acts = _grouped(Activity.objects.between(start, end).filter(officer__unit__in=ids), "officer__unit_id",
                    n=Count("pk"))
    schools = _grouped(Pairing.objects.filter(unit__in=ids, school_year=year), "unit_id",
                       n=Count("school_id", distinct=True))
    classes = _grouped(SchoolClass.objects.filter(school_year=year, **paired), "school__pairings__unit_id",
                       n=Count("pk", distinct=True), covered=Count("pk", distinct=True, filter=coverage._active()))
    tips = _grouped(_dated(Tip.objects.filter(**paired), "created_at__date", start, end), "school__pairings__unit_id",
                    n=Count("pk", distinct=True))
    overdue = _grouped(_dated(Case.objects.overdue().filter(tip__school__pairings__unit__in=ids,
                                                            tip__school__pairings__school_year=year),
                              "tip__created_at__date", start, end),
                       "tip__school__pairings__unit_id", n=Count("pk", distinct=True))
    found = _dated(Finding.objects.all(), "inspection__date", start, end)
    # A finding has exactly one target (a constraint): one about a unit is never also about one of its officers.
    found_unit = _grouped(found.filter(unit__in=ids), "unit_id", n=Count("pk"))
    found_officer = _grouped(found.filter(officer__unit__in=ids), "officer__unit_id", n=Count("pk"))

    rows = []
    for pk, name in units.order_by("region_id", "name", "pk").values_list("pk", "name"):
        n_officers, n_activities, n_classes, n_covered = _n(officers, pk), _n(acts, pk), _n(classes, pk), \
            _n(classes, pk, "covered")
        rows.append({
            "id": pk, "name": name, "officers_in_classes": n_officers, "activities": n_activities,
            "activities_per_officer": round(n_activities / n_officers, 1) if n_officers else None,
            "schools": _n(schools, pk), "classes": n_classes, "covered": n_covered,
            "coverage_percent": _percent(n_covered, n_classes), "tips": _n(tips, pk), "overdue": _n(overdue, pk),
            "findings": _n(found_unit, pk) + _n(found_officer, pk),
        })
    return rows


def by_area(sel: Selection, start=None, end=None) -> list[dict]:
    """For a province or a city: one row per city or county in it (the next level of GB/T 2260), with the
    columns of `by_school` summed over its schools, plus its number of schools; schools registered at the
    province or city itself make a last row of their own (id: the region's own code). Seven GROUP BY
    queries."""
    code = sel.region
    length = len(code) + 2
    year = coverage_year(end)

    def area(path):
        return Substr(path, 1, length)

    schools = _grouped(School.objects.filter(region__code__startswith=code), area("region_id"), n=Count("pk"))
    acts = _grouped(sel.activities(start, end), area("school__region_id"), n=Count("pk"))
    classes = _grouped(SchoolClass.objects.filter(school_year=year, school__region__code__startswith=code),
                       area("school__region_id"), n=Count("pk"), covered=Count("pk", filter=coverage._active()))
    tips = _grouped(_dated(Tip.objects.filter(school__region__code__startswith=code), "created_at__date", start, end),
                    area("school__region_id"), n=Count("pk"))
    overdue = _grouped(_dated(Case.objects.overdue().filter(tip__school__region__code__startswith=code),
                              "tip__created_at__date", start, end), area("tip__school__region_id"), n=Count("pk"))
    found = _grouped(_dated(Finding.objects.filter(school__region__code__startswith=code), "inspection__date",
                            start, end), area("school__region_id"), n=Count("pk"))

    areas = list(Region.objects.filter(parent_id=code).order_by("code").values_list("code", "name"))
    if schools.get(code):  # schools registered at the province or city itself: a row of their own, last
        region = Region.objects.get(code=code)
        areas.append((code, _("%(region)s, schools directly under it") % {"region": region.name}))
    rows = []
    for child, name in areas:
        rows.append({
            "id": child, "name": name, "schools": _n(schools, child), "activities": _n(acts, child),
            "classes": _n(classes, child), "covered": _n(classes, child, "covered"),
            "coverage_percent": _percent(_n(classes, child, "covered"), _n(classes, child)),
            "tips": _n(tips, child), "overdue": _n(overdue, child), "findings": _n(found, child),
        })
    return rows


def unit_ranking(rows: list[dict]) -> list[dict]:
    """`by_unit` rows ranked by the criteria in the module docstring; unranked units last (rank None)."""
    ranked = sorted((r for r in rows if r["officers_in_classes"]),
                    key=lambda r: (-r["activities_per_officer"], -r["coverage_percent"], r["overdue"], r["name"]))
    rest = sorted((r for r in rows if not r["officers_in_classes"]), key=lambda r: r["name"])
    return [{**r, "rank": i} for i, r in enumerate(ranked, start=1)] + [{**r, "rank": None} for r in rest]
