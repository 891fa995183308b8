"""The tip line's figures for `stats --json` and the figures page: tips by kind and status, outcomes,
confiscated items, disputes and hazards, and the median times to acknowledge and to close. Every figure is
computed in the database (counts, sums, and medians by ordered offset), so the cost does not grow with the
rows fetched."""

import datetime

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Coalesce

from fazhi.tips.models import OPEN, Case, Category, ConfiscatedItem, Dispute, Hazard, Status, Tip


def _in(qs, field: str, region, start, end, *, date_field: str, datetime_field: bool = False, schools=None):
    if region:
        qs = qs.filter(**{f"{field}__region__code__startswith": region})
    if schools is not None:
        qs = qs.filter(**{f"{field}__in": schools})
    suffix = "__date" if datetime_field else ""
    if start:
        qs = qs.filter(**{f"{date_field}{suffix}__gte": start})
    if end:
        qs = qs.filter(**{f"{date_field}{suffix}__lte": end})
    return qs


def median_hours(cases, since: str, until: str) -> float | None:
    """The median of (until − since) over the cases where both are set, in hours (one decimal)."""
    span = ExpressionWrapper(F(until) - F(since), output_field=DurationField())
    done = cases.filter(**{f"{until}__isnull": False}).annotate(span=span)
    n = done.count()
    if not n:
        return None
    middle = list(done.order_by("span").values_list("span", flat=True)[(n - 1) // 2:(n - 1) // 2 + 2 - n % 2])
    seconds = sum(d.total_seconds() for d in middle) / len(middle)
    return round(seconds / 3600, 1)


def tips_in(*, region: str | None = None, start=None, end=None, schools=None):
    """Tips received in the period, in the region (or at these schools)."""
    return _in(Tip.objects.all(), "school", region, start, end, date_field="created_at", datetime_field=True,
               schools=schools)


def tip_figures(*, region: str | None = None, start: datetime.date | None = None,
                end: datetime.date | None = None, schools=None) -> dict:
    tips = tips_in(region=region, start=start, end=end, schools=schools)
    cases = Case.objects.filter(tip__in=tips)
    by_kind = dict(tips.values_list("category").annotate(n=Count("pk")).order_by())
    by_status = dict(cases.values_list("status").annotate(n=Count("pk")).order_by())
    outcomes = cases.aggregate(
        urgent=Count("pk", filter=Q(urgent=True)),
        bullying=Count("pk", filter=Q(conclusion="bullying")),
        referred=Count("pk", filter=Q(police_reported_on__isnull=False)),
        unfounded=Count("pk", filter=Q(conclusion__in=["unfounded", "false_report"])),
        appealed=Count("pk", filter=Q(appealed_on__isnull=False)),
    )
    items = _in(ConfiscatedItem.objects.all(), "school", region, start, end, date_field="seized_on", schools=schools)
    by_item = dict(items.values_list("kind").annotate(n=Sum("count")).order_by())
    disputes = _in(Dispute.objects.all(), "school", region, None, None, date_field="received_on", schools=schools)
    resolved = _in(disputes.filter(state=Dispute.State.RESOLVED), "school", None, start, end,
                   date_field="resolved_on")
    hazards = _in(Hazard.objects.all(), "school", region, start, end, date_field="found_on", schools=schools)
    hazard_counts = hazards.aggregate(found=Count("pk"), resolved=Count("pk", filter=Q(state="resolved")))
    return {
        "tips_total": tips.count(),
        "tips_urgent": outcomes["urgent"],
        "tips_by_kind": {c: by_kind.get(c, 0) for c in Category.values},
        "tips_by_status": {s: by_status.get(s, 0) for s in Status.values},
        "tips_open": sum(by_status.get(s, 0) for s in OPEN),
        "tips_overdue": cases.overdue().count(),
        "cases_bullying_confirmed": outcomes["bullying"],
        "cases_reported_to_police": outcomes["referred"],
        "cases_unfounded": outcomes["unfounded"],
        "cases_appealed": outcomes["appealed"],
        "median_hours_to_acknowledge": median_hours(cases, "tip__created_at", "acknowledged_at"),
        "median_hours_to_close": median_hours(cases, "tip__created_at", "closed_at"),
        "items_confiscated": items.aggregate(n=Coalesce(Sum("count"), 0))["n"],
        "items_by_kind": {k: by_item.get(k, 0) for k in ConfiscatedItem.Kind.values},
        "disputes_received": _in(disputes, "school", None, start, end, date_field="received_on").count(),
        "disputes_resolved": resolved.count(),
        "hazards_found": hazard_counts["found"],
        "hazards_resolved": hazard_counts["resolved"],
    }
