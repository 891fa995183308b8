"""The tip line's figures for `stats --json` and the figures page: tips by kind and status, outcomes,
confiscated items, disputes and hazards, and the median times to acknowledge and to close. Every figure is
computed in the database (counts, sums, and medians by ordered offset), so the cost does not grow with the
rows fetched."""

import datetime

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Coalesce

from fazhi.tips.models import OPEN, Case, Category, ConfiscatedItem, Dispute, Hazard, Status, Tip, overdue_q


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


class Median(Aggregate):
    """PostgreSQL's median: for an even count, the mean of the two middle values (nulls are left out)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"


def _span(since: str, until: str):
    return ExpressionWrapper(F(until) - F(since), output_field=DurationField())


def _hours(span: datetime.timedelta | None) -> float | None:
    return None if span is None else round(span.total_seconds() / 3600, 1)


def tip_figures(*, region: str | None = None, start: datetime.date | None = None,
                end: datetime.date | None = None, schools=None) -> dict:
    """Four queries on PostgreSQL (tips with their cases, items, disputes, hazards); elsewhere the two
    medians take two more queries each (`median_hours`)."""
    tips = tips_in(region=region, start=start, end=end, schools=schools)
    medians = connection.vendor == "postgresql"
    agg = tips.aggregate(
        total=Count("pk"),
        urgent=Count("pk", filter=Q(case__urgent=True)),
        overdue=Count("pk", filter=overdue_q(prefix="case__")),
        bullying=Count("pk", filter=Q(case__conclusion="bullying")),
        referred=Count("pk", filter=Q(case__police_reported_on__isnull=False)),
        unfounded=Count("pk", filter=Q(case__conclusion__in=["unfounded", "false_report"])),
        appealed=Count("pk", filter=Q(case__appealed_on__isnull=False)),
        **{f"kind_{c}": Count("pk", filter=Q(category=c)) for c in Category.values},
        **{f"status_{s}": Count("pk", filter=Q(case__status=s)) for s in Status.values},
        **({"ack": Median(_span("created_at", "case__acknowledged_at"), output_field=DurationField()),
            "close": Median(_span("created_at", "case__closed_at"), output_field=DurationField())}
           if medians else {}),
    )
    if not medians:
        cases = Case.objects.filter(tip__in=tips)
        agg["ack"] = median_hours(cases, "tip__created_at", "acknowledged_at")
        agg["close"] = median_hours(cases, "tip__created_at", "closed_at")
    else:
        agg["ack"], agg["close"] = _hours(agg["ack"]), _hours(agg["close"])
    items = _in(ConfiscatedItem.objects.all(), "school", region, start, end, date_field="seized_on", schools=schools)
    item_counts = items.aggregate(total=Coalesce(Sum("count"), 0),
                                  **{k: Coalesce(Sum("count", filter=Q(kind=k)), 0)
                                     for k in ConfiscatedItem.Kind.values})
    disputes = _in(Dispute.objects.all(), "school", region, None, None, date_field="received_on", schools=schools)
    dispute_counts = disputes.aggregate(
        received=Count("pk", filter=_period_q("received_on", start, end) or None),
        resolved=Count("pk", filter=Q(state=Dispute.State.RESOLVED) & _period_q("resolved_on", start, end)))
    hazards = _in(Hazard.objects.all(), "school", region, start, end, date_field="found_on", schools=schools)
    hazard_counts = hazards.aggregate(found=Count("pk"), resolved=Count("pk", filter=Q(state="resolved")))
    by_status = {s: agg[f"status_{s}"] for s in Status.values}
    return {
        "tips_total": agg["total"],
        "tips_urgent": agg["urgent"],
        "tips_by_kind": {c: agg[f"kind_{c}"] for c in Category.values},
        "tips_by_status": by_status,
        "tips_open": sum(by_status[s] for s in OPEN),
        "tips_overdue": agg["overdue"],
        "cases_bullying_confirmed": agg["bullying"],
        "cases_reported_to_police": agg["referred"],
        "cases_unfounded": agg["unfounded"],
        "cases_appealed": agg["appealed"],
        "median_hours_to_acknowledge": agg["ack"],
        "median_hours_to_close": agg["close"],
        "items_confiscated": item_counts.pop("total"),
        "items_by_kind": item_counts,
        "disputes_received": dispute_counts["received"],
        "disputes_resolved": dispute_counts["resolved"],
        "hazards_found": hazard_counts["found"],
        "hazards_resolved": hazard_counts["resolved"],
    }


def _period_q(field: str, start, end) -> Q:
    q = Q()
    if start:
        q &= Q(**{f"{field}__gte": start})
    if end:
        q &= Q(**{f"{field}__lte": end})
    return q
