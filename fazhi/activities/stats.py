"""The programme's headline figures, straight from the records, for any region and period.

Keys are stable English snake_case (`stats --json`, the dashboard, the API)."""

import datetime

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from fazhi.activities.models import KIND_FIGURE, Activity, Mode, Quota
from fazhi.assignments.models import Assignment
from fazhi.confidential.stats import counts as confidential_counts
from fazhi.org.models import current_school_year
from fazhi.surveys.results import survey_figures
from fazhi.tips.stats import tip_figures


def period_dates(period: str | None, start: datetime.date | None = None, end: datetime.date | None = None,
                 *, today: datetime.date | None = None) -> tuple[datetime.date | None, datetime.date | None, str]:
    """The first and last day of the figures' period and its name: "year" (the current school year), "all" (no
    limits), the dates given (`start` and/or `end`: "custom"), else the current semester ("semester")."""
    if period == "year":
        year = current_school_year()
        return datetime.date(year, 9, 1), datetime.date(year + 1, 8, 31), period
    if period == "all":
        return None, None, period
    if start or end:
        return start, end, "custom"
    year, semester = Quota.current_semester(today or timezone.localdate())
    first, last = Quota.semester_dates(year, semester)
    return first, last, "semester"


def figures_region(scope, code: str | None):
    """The Region whose figures a user (their `scope`) asks for: `code`, by default the first region of their
    roles (the province for a superuser); None when it is outside their regions or unknown."""
    from fazhi.org.models import Region

    allowed = scope.region_prefixes
    code = code or (allowed[0] if allowed else "62")
    if not scope.superuser and not any(code.startswith(p) for p in allowed):
        return None
    return Region.objects.filter(code=code).first()


def figures(*, region: str | None = None, start: datetime.date | None = None, end: datetime.date | None = None,
            activities=None, assignments=None, schools=None) -> dict:
    """The headline figures of a region (a GB/T prefix; None: everything) and period. For a unit or a school
    (the dashboards), pass the records that count instead: `activities` (Activity), `assignments` (Assignment)
    and `schools` (School, for tips, surveys and the registers) querysets — the formulas stay these."""
    activities = (activities if activities is not None else Activity.objects.in_region(region)).between(start, end)
    aggregates = {figure: Count("pk", filter=Q(kind=kind)) for kind, figure in KIND_FIGURE.items()}
    agg = activities.aggregate(
        activities_total=Count("pk"),
        online_activities=Count("pk", filter=Q(mode=Mode.ONLINE)),
        handbooks=Coalesce(Sum("handbooks"), 0),
        pledges=Coalesce(Sum("pledges"), 0),
        students_reached=Coalesce(Sum("students"), 0),
        teachers_reached=Coalesce(Sum("teachers"), 0),
        parents_reached=Coalesce(Sum("parents"), 0),
        schools_reached=Count("school", distinct=True),
        **aggregates,
    )
    return {
        "region": region,
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "officers_in_classes": officers_in_classes(region=region, start=start, end=end, assignments=assignments),
        **agg,
        **tip_figures(region=region, start=start, end=end, schools=schools),
        **survey_figures(region=region, start=start, end=end, schools=schools),
        **confidential_counts(region, schools=schools),  # the registers as they stand today (counts only)
    }


def held_in_period(assignments=None, *, start: datetime.date | None, end: datetime.date | None):
    """Homeroom assignments (of `assignments`, default all) held at some time in the period."""
    end = end or timezone.localdate()
    held = (assignments if assignments is not None else Assignment.objects.all()).filter(
        role=Assignment.Role.HOMEROOM, status__in=[Assignment.Status.ACTIVE, Assignment.Status.ENDED],
        starts_on__lte=end)
    if start:
        held = held.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start))
    return held


def officers_in_classes(*, region: str | None, start: datetime.date | None, end: datetime.date | None,
                        assignments=None) -> int:
    """Distinct officers who were a class's rule-of-law homeroom teacher at some time in the period."""
    held = held_in_period(assignments, start=start, end=end)
    if region:
        held = held.filter(school__region__code__startswith=region)
    return held.values("officer_id").distinct().count()
