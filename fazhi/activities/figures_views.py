"""The programme's figures for a region and period (the same numbers as `stats --json`)."""

import datetime
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from fazhi.accounts.permissions import can_see_figures
from fazhi.accounts.scope import scope_for
from fazhi.activities.models import KIND_FIGURE, Kind
from fazhi.activities.stats import figures, figures_region, period_dates
from fazhi.org.models import Region


def _period(request) -> tuple[datetime.date | None, datetime.date | None, str]:
    """?period=semester|year|all, or ?from=&to= (YYYY-MM-DD)."""
    period = request.GET.get("period", "")
    if period in ("year", "all"):  # the dates are not read
        return period_dates(period)
    start, end = request.GET.get("from", ""), request.GET.get("to", "")
    try:
        start_date = datetime.date.fromisoformat(start) if start else None
        end_date = datetime.date.fromisoformat(end) if end else None
    except ValueError:
        raise Http404 from None
    return period_dates(period, start_date, end_date)


@login_required
def figures_page(request):
    scope = scope_for(request.user)
    if not can_see_figures(scope):
        raise Http404
    regions = Region.objects.visible_to(request.user).filter(code__regex=r"^\d{4,6}$") if not scope.superuser \
        else Region.objects.all()
    region = figures_region(scope, request.GET.get("region")) or _not_found()
    code = region.code
    start, end, period = _period(request)
    data = figures(region=code, start=start, end=end)
    base = {"region": code, **({"from": start.isoformat()} if start else {}), **({"to": end.isoformat()} if end else {})}
    activities_url = reverse("activities:list")

    def link(**extra):
        return f"{activities_url}?{urlencode({**base, **extra})}"

    kinds = [(Kind(kind).label, data[figure], link(kind=kind)) for kind, figure in KIND_FIGURE.items()]
    totals = [
        (_("Officers in their classes"), data["officers_in_classes"],
         f"{reverse('assignments:coverage')}?region={code}"),
        (_("Activities held"), data["activities_total"], link()),
        (_("Handbooks handed out"), data["handbooks"], link()),
        (_("Pledges signed"), data["pledges"], link()),
        (_("Students reached"), data["students_reached"], link()),
        (_("Teachers reached"), data["teachers_reached"], link()),
        (_("Parents reached"), data["parents_reached"], link()),
        (_("Online activities"), data["online_activities"], link(mode="online")),
    ]
    from fazhi.accounts.permissions import can_see_cases
    from fazhi.tips.models import Category, ConfiscatedItem

    cases_url = reverse("tips:list") if can_see_cases(scope) else ""

    def cases(**extra):
        return f"{cases_url}?{urlencode({**base, **extra})}" if cases_url else ""

    hours = _("%(h)s h")
    tip_totals = [
        (_("Tips received"), data["tips_total"], cases()),
        (_("Not yet closed"), data["tips_open"], cases(state="open")),
        (_("Overdue"), data["tips_overdue"], cases(state="overdue")),
        (_("Bullying confirmed"), data["cases_bullying_confirmed"], cases(state="decided")),
        (_("Reported to the police"), data["cases_reported_to_police"], ""),
        (_("Median time to acknowledge"), hours % {"h": data["median_hours_to_acknowledge"]}
         if data["median_hours_to_acknowledge"] is not None else "—", ""),
        (_("Median time to close"), hours % {"h": data["median_hours_to_close"]}
         if data["median_hours_to_close"] is not None else "—", cases(state="closed")),
        (_("Items confiscated"), data["items_confiscated"], ""),
        (_("Disputes resolved"), data["disputes_resolved"], ""),
        (_("Hazards found"), data["hazards_found"], ""),
    ]
    tip_kinds = [(Category(c).label, n, cases(category=c)) for c, n in data["tips_by_kind"].items()]
    participation = data["survey_participation_percent"]
    survey_totals = [
        (_("Surveys held"), data["surveys_held"]),
        (_("Classes surveyed"), data["survey_classes"]),
        (_("Responses"), data["survey_responses"]),
        (_("Participation"), f"{participation}%" if participation is not None else "—"),
        (_("Classes flagged"), data["survey_classes_flagged"]),
        (_("Answers flagged"), data["survey_answers_flagged"]),
    ]
    items = [(ConfiscatedItem.Kind(k).label, n) for k, n in data["items_by_kind"].items() if n]
    return render(request, "activities/figures.html", {
        "region": region, "regions": regions, "start": start, "end": end, "period": period,
        "totals": totals, "kinds": kinds, "data": data, "tip_totals": tip_totals, "tip_kinds": tip_kinds,
        "items": items, "survey_totals": survey_totals,
        "register_totals": [(_("Special-group students"), data["special_students_total"]),
                            (_("Staff concerns"), data["staff_concerns_total"]),
                            (_("Register reviews overdue"), data["reviews_overdue"])],
    })


def _not_found():
    raise Http404
