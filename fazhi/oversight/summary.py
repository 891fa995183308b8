"""Numbers for work circulars (工作通报): findings of joint inspections and accountability records.

`region` is a GB/T 2260 code; everything in that region and below it counts. The period is inclusive at
both ends; `None` leaves that end open. Findings count by their inspection's date, accountability records
by their own date. A finding about an officer counts under the officer's unit."""

import datetime

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from fazhi.oversight.models import AccountabilityRecord, Finding


def _period(queryset, field: str, start, end):
    if start:
        queryset = queryset.filter(**{f"{field}__gte": start})
    if end:
        queryset = queryset.filter(**{f"{field}__lte": end})
    return queryset


def findings_summary(*, region: str, start: datetime.date | None, end: datetime.date | None) -> dict:
    today = timezone.localdate()
    findings = _period(Finding.objects.filter(inspection__region__code__startswith=region),
                       "inspection__date", start, end)
    overdue = Finding.overdue_q(today)
    totals = findings.aggregate(
        findings=Count("pk"),
        minor=Count("pk", filter=Q(severity=Finding.Severity.MINOR)),
        serious=Count("pk", filter=Q(severity=Finding.Severity.SERIOUS)),
        critical=Count("pk", filter=Q(severity=Finding.Severity.CRITICAL)),
        rectified=Count("pk", filter=Q(rectified_on__isnull=False)),
        overdue=Count("pk", filter=overdue),
    )
    by_unit = (findings.filter(school__isnull=True)
               .annotate(u_id=Coalesce(F("unit_id"), F("officer__unit_id")),
                         u_name=Coalesce(F("unit__name"), F("officer__unit__name")))
               .values("u_id", "u_name")
               .annotate(n=Count("pk"), late=Count("pk", filter=overdue))
               .order_by("-n", "u_name", "u_id"))
    by_school = (findings.filter(school__isnull=False).values("school_id", "school__name")
                 .annotate(n=Count("pk"), late=Count("pk", filter=overdue))
                 .order_by("-n", "school__name", "school_id"))
    return {
        "findings": totals["findings"],
        "by_severity": {"minor": totals["minor"], "serious": totals["serious"], "critical": totals["critical"]},
        "rectified": totals["rectified"],
        "overdue": totals["overdue"],
        "by_unit": [{"unit_id": r["u_id"], "unit": r["u_name"], "findings": r["n"], "overdue": r["late"]}
                    for r in by_unit],
        "by_school": [{"school_id": r["school_id"], "school": r["school__name"], "findings": r["n"],
                       "overdue": r["late"]} for r in by_school],
    }


def accountability_summary(*, region: str, start: datetime.date | None, end: datetime.date | None) -> dict:
    records = _period(AccountabilityRecord.objects.filter(region__code__startswith=region), "date", start, end)
    measures = AccountabilityRecord.Measure
    totals = records.aggregate(records=Count("pk"), **{
        m: Count("pk", filter=Q(measure=m)) for m in measures.values})
    units = (records.filter(unit__isnull=False).values("unit_id", "unit__name").annotate(n=Count("pk"))
             .order_by("-n", "unit__name", "unit_id"))
    officers = (records.filter(officer__isnull=False).values("officer_id", "officer__name", "officer__unit__name")
                .annotate(n=Count("pk")).order_by("-n", "officer__name", "officer_id"))
    return {
        "records": totals["records"],
        "by_measure": {m: totals[m] for m in measures.values},
        "units": [{"unit_id": r["unit_id"], "unit": r["unit__name"], "records": r["n"]} for r in units],
        "officers": [{"officer_id": r["officer_id"], "officer": r["officer__name"],
                      "unit": r["officer__unit__name"], "records": r["n"]} for r in officers],
    }
