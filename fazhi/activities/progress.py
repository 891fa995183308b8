"""Progress against the prevention quotas (rules.md "Prevention quotas"), for a region, unit or school and
a semester. Everything is computed in the database: each list is one queryset of annotated rows (with
correlated subqueries for the counts), so a page costs the same few queries whatever the data size.

Definitions
-----------
Semester
    `Quota.semester_dates`: autumn 1 September – 31 January, spring 1 February – 31 July. Activities count
    when their date falls inside it (both ends included).

Classes (`class_meetings_per_class`)
    The classes of the semester's school year. A class's count is the number of class meetings
    (`Kind.CLASS_MEETING`) held in the semester that listed the class, plus those held for the whole of
    its school (`whole_school=True` counts once for every class of that school). A meeting that is
    marked whole-school and also lists the class counts once.

Schools (`sessions_per_school`)
    Prevention sessions held at the school in the semester: every group session (`GROUP_KINDS`: legal
    education, case talks, games, class meetings, lectures, mental-health education, other), not the
    one-to-one kinds (counselling, heart-to-heart talks, home visits).

Officers (`activities_per_officer`)
    Officers who held a class (a homeroom assignment confirmed, active or since ended) at some time in
    the semester: it started on or before the semester's last day and had not ended before its first
    day. Their count is every activity they led (`Activity.officer`) in the semester, of any kind and at
    any school. Their target is the quota of the region of the school where they hold a class (the
    highest one if they hold classes in regions with different quotas).

Targets
    Each row's target comes from `Quota.for_region` semantics applied to the row's school region: the
    quota of the county, else of the city, else of the province, else the national defaults.

Expected by now (the pro-rata pace)
    expected = floor(target × elapsed days ÷ semester days), where elapsed days counts the semester's days
    up to and including today (0 before the semester starts, all of them once it is over). It is the
    number of whole activities a steady pace would have delivered by today: with a target of 2 in a
    153-day autumn semester one is expected from day 77, both on the last day.

Status of a row
    *met* (on track) when done ≥ target; *on pace* when expected ≤ done < target; *behind* (lagging)
    when done < expected. After the semester, expected = target, so the lagging list is everyone who
    missed the quota.
"""

import datetime
from dataclasses import dataclass
from functools import cached_property

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from fazhi.activities.models import Activity, Kind, Quota
from fazhi.assignments.models import Assignment, Pairing
from fazhi.org.models import Officer, School, SchoolClass

A = Assignment

# Group sessions: what counts as a prevention session at a school.
GROUP_KINDS = (Kind.LEGAL_EDUCATION, Kind.CASE_TALK, Kind.GAME, Kind.CLASS_MEETING, Kind.LECTURE,
               Kind.MENTAL_HEALTH, Kind.OTHER)

# Assignment states that mean the officer held the class for some time.
HELD = (A.Status.CONFIRMED, A.Status.ACTIVE, A.Status.ENDED)

QUOTA_FIELDS = ("class_meetings_per_class", "sessions_per_school", "activities_per_officer")

MET, ON_PACE, BEHIND = "met", "on_pace", "behind"


@dataclass(frozen=True)
class Period:
    """A semester, seen from a given day."""

    school_year: int
    semester: str
    today: datetime.date

    @classmethod
    def of(cls, school_year: int | None = None, semester: str | None = None,
           today: datetime.date | None = None) -> "Period":
        """The given semester, or the current one, seen from today."""
        today = today or timezone.localdate()
        if school_year is None or semester is None:
            current_year, current_semester = Quota.current_semester(today)
            school_year = current_year if school_year is None else school_year
            semester = current_semester if semester is None else semester
        return cls(school_year=school_year, semester=str(semester), today=today)

    @property
    def start(self) -> datetime.date:
        return Quota.semester_dates(self.school_year, self.semester)[0]

    @property
    def end(self) -> datetime.date:
        return Quota.semester_dates(self.school_year, self.semester)[1]

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def elapsed_days(self) -> int:
        """Days of the semester up to and including today (0 before it starts, all once it is over)."""
        return max(0, min(self.days, (self.today - self.start).days + 1))

    @property
    def elapsed_percent(self) -> int:
        return round(100 * self.elapsed_days / self.days)

    def expected(self, target: int) -> int:
        """Whole activities a steady pace would have delivered by today (integer arithmetic: no rounding drift)."""
        return target * self.elapsed_days // self.days

    @property
    def label(self) -> str:
        return f"{self.school_year}–{self.school_year + 1} {Quota.Semester(self.semester).label}"


def status_of(done: int, target: int, expected: int) -> str:
    if done >= target:
        return MET
    return ON_PACE if done >= expected else BEHIND


def ancestors(code: str) -> list[str]:
    return [code[:n] for n in (2, 4) if n < len(code)]


class Progress:
    """The three progress lists for a semester and a selection (region prefix, unit, school), restricted to
    base querysets (what the user may see). Each list method returns a queryset of model rows annotated
    with `target`, `done` and `expected`; filter it with `lagging()` and count it with `totals()`."""

    def __init__(self, period: Period, *, region: str | None = None, unit_id: int | None = None,
                 school_id: int | None = None, classes: QuerySet | None = None, schools: QuerySet | None = None,
                 assignments: QuerySet | None = None):
        self.period = period
        self.region = region or None
        self.unit_id = unit_id
        self.school_id = school_id
        self._classes = classes if classes is not None else SchoolClass.objects.all()
        self._schools = schools if schools is not None else School.objects.all()
        self._assignments = assignments if assignments is not None else A.objects.all()

    # ---- quotas ----------------------------------------------------------------------------------

    @cached_property
    def quotas(self) -> list[Quota]:
        """The quotas set for this semester that can apply to the selection, most specific region first
        (one query)."""
        rows = Quota.objects.filter(school_year=self.period.school_year, semester=self.period.semester)
        if self.region:
            rows = rows.filter(Q(region__code__startswith=self.region) | Q(region_id__in=ancestors(self.region)))
        return sorted(rows, key=lambda q: (-len(q.region_id), q.region_id))

    def quota_for(self, code: str) -> Quota:
        """The quota in force for one region code (no query once `quotas` is loaded)."""
        for q in self.quotas:
            if code.startswith(q.region_id):
                return q
        return Quota(region_id=code, school_year=self.period.school_year, semester=self.period.semester)

    def _by_region(self, region_field: str, attr: str, *, expected: bool = False):
        """CASE over the row's region code: the nearest quota's value (or its pro-rata share)."""
        value = self.period.expected if expected else int
        default = value(Quota._meta.get_field(attr).default)
        whens = [When(**{f"{region_field}__startswith": q.region_id}, then=Value(value(getattr(q, attr))))
                 for q in self.quotas]
        if not whens:
            return Value(default, output_field=IntegerField())
        return Case(*whens, default=Value(default), output_field=IntegerField())

    # ---- classes ---------------------------------------------------------------------------------

    def classes(self) -> QuerySet:
        """Classes of the semester's school year with their class meetings (listed or whole-school)."""
        p = self.period
        qs = self._classes.filter(school_year=p.school_year)
        if self.region:
            qs = qs.filter(school__region__code__startswith=self.region)
        if self.unit_id:
            qs = qs.filter(school__in=Pairing.objects.filter(unit_id=self.unit_id, school_year=p.school_year)
                           .values("school_id"))
        if self.school_id:
            qs = qs.filter(school_id=self.school_id)
        listed = (Activity.classes.through.objects
                  .filter(schoolclass_id=OuterRef("pk"), activity__kind=Kind.CLASS_MEETING,
                          activity__whole_school=False, activity__date__range=(p.start, p.end))
                  .order_by().values("schoolclass_id").annotate(n=Count("pk")).values("n"))
        whole = (Activity.objects
                 .filter(school_id=OuterRef("school_id"), whole_school=True, kind=Kind.CLASS_MEETING,
                         date__range=(p.start, p.end))
                 .order_by().values("school_id").annotate(n=Count("pk")).values("n"))
        return qs.annotate(
            done=Coalesce(Subquery(listed), 0) + Coalesce(Subquery(whole), 0),
            target=self._by_region("school__region__code", "class_meetings_per_class"),
            expected=self._by_region("school__region__code", "class_meetings_per_class", expected=True),
        )

    # ---- schools ---------------------------------------------------------------------------------

    def schools(self) -> QuerySet:
        """Schools with their prevention sessions (group sessions) in the semester."""
        p = self.period
        qs = self._schools
        if self.region:
            qs = qs.filter(region__code__startswith=self.region)
        if self.unit_id:
            qs = qs.filter(pk__in=Pairing.objects.filter(unit_id=self.unit_id, school_year=p.school_year)
                           .values("school_id"))
        if self.school_id:
            qs = qs.filter(pk=self.school_id)
        sessions = (Activity.objects
                    .filter(school_id=OuterRef("pk"), kind__in=GROUP_KINDS, date__range=(p.start, p.end))
                    .order_by().values("school_id").annotate(n=Count("pk")).values("n"))
        return qs.annotate(
            done=Coalesce(Subquery(sessions), 0),
            target=self._by_region("region__code", "sessions_per_school"),
            expected=self._by_region("region__code", "sessions_per_school", expected=True),
        )

    # ---- officers --------------------------------------------------------------------------------

    def held(self) -> QuerySet:
        """Homeroom assignments held at some time in the semester, within the selection."""
        p = self.period
        qs = self._assignments.filter(role=A.Role.HOMEROOM, status__in=HELD, starts_on__lte=p.end).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=p.start))
        if self.region:
            qs = qs.filter(school__region__code__startswith=self.region)
        if self.unit_id:
            qs = qs.filter(officer__unit_id=self.unit_id)
        if self.school_id:
            qs = qs.filter(school_id=self.school_id)
        return qs

    def officers(self) -> QuerySet:
        """Officers who held a class in the semester, with the activities they led in it."""
        p = self.period
        held = self.held()
        led = (Activity.objects.filter(officer_id=OuterRef("pk"), date__range=(p.start, p.end))
               .order_by().values("officer_id").annotate(n=Count("pk")).values("n"))
        mine = held.filter(officer_id=OuterRef("pk")).order_by()
        region = "school__region__code"
        target = mine.annotate(t=self._by_region(region, "activities_per_officer")).order_by("-t").values("t")[:1]
        expected = (mine.annotate(t=self._by_region(region, "activities_per_officer", expected=True))
                    .order_by("-t").values("t")[:1])
        return Officer.objects.filter(pk__in=held.values("officer_id")).annotate(
            done=Coalesce(Subquery(led), 0),
            target=Coalesce(Subquery(target), 0),
            expected=Coalesce(Subquery(expected), 0),
        )

    def with_held_classes(self, officers: QuerySet) -> QuerySet:
        """Officers with `held_in_period`: their assignments in the semester and selection (one query)."""
        return officers.select_related("unit").prefetch_related(Prefetch(
            "assignments", to_attr="held_in_period",
            queryset=self.held().select_related("school", "school_class").order_by("school__name", "school_class__grade",
                                                                                    "school_class__number")))

    # ---- lists -----------------------------------------------------------------------------------

    def rows(self, tab: str) -> QuerySet:
        """One of the three lists, ordered for display, with what a page shows prefetched."""
        if tab == "classes":
            return self.classes().select_related("school").prefetch_related(Prefetch(
                "assignments", to_attr="holding",
                queryset=A.objects.filter(role=A.Role.HOMEROOM, status__in=A.HOLDING).select_related("officer"),
            )).order_by("school__name", "grade", "number", "pk")
        if tab == "schools":
            return self.schools().select_related("region").order_by("region_id", "name", "pk")
        if tab == "officers":
            return self.with_held_classes(self.officers()).order_by("unit__name", "name", "pk")
        raise ValueError(tab)


def lagging(rows: QuerySet) -> QuerySet:
    """Rows behind the pro-rata pace (done < expected)."""
    return rows.filter(done__lt=F("expected"))


def totals(rows: QuerySet) -> dict:
    """How many rows there are, how many met their target, how many lag: one query."""
    agg = rows.order_by().aggregate(
        total=Count("pk"),
        met=Count("pk", filter=Q(done__gte=F("target"))),
        behind=Count("pk", filter=Q(done__lt=F("expected"))),
    )
    total = agg["total"]
    return {
        **agg,
        "on_pace": total - agg["met"] - agg["behind"],
        "met_percent": round(100 * agg["met"] / total, 1) if total else None,
    }
