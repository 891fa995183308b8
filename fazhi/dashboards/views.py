"""Dashboards for a region, a unit and a school: headline figures with drill-down links, trends by month,
breakdowns and the unit ranking. Every chart has a table view and an Excel export (`?export=<chart>`) built
from the same rows."""

import datetime
import io
import re
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from fazhi.accounts.scope import get_visible_or_404, scope_for
from fazhi.activities.models import KIND_FIGURE, Kind, Quota
from fazhi.dashboards import data
from fazhi.dashboards import permissions as perms
from fazhi.lib import excel
from fazhi.org.models import Region, School, Unit, current_school_year
from fazhi.tips.models import Category, ConfiscatedItem, Status

DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
REGION = re.compile(r"[0-9]{2,6}")


# ---- the period ----------------------------------------------------------------------------------

def period_of(request) -> dict:
    """?period=semester (default) | year | custom with ?from=&to= (YYYY-MM-DD, either may be empty). A date
    that is not a real date is ignored (and said so), never an error."""
    today = timezone.localdate()
    choice = request.GET.get("period", "")
    if choice == "year":
        year = current_school_year(today)
        return {"period": "year", "start": datetime.date(year, 9, 1), "end": datetime.date(year + 1, 8, 31),
                "invalid": False}
    raw_start, raw_end = request.GET.get("from", ""), request.GET.get("to", "")
    if choice == "custom" or ((raw_start or raw_end) and choice != "semester"):
        start, bad_start = _date(raw_start)
        end, bad_end = _date(raw_end)
        return {"period": "custom", "start": start, "end": end, "invalid": bad_start or bad_end}
    year, semester = Quota.current_semester(today)
    start, end = Quota.semester_dates(year, semester)
    return {"period": "semester", "start": start, "end": end, "invalid": False}


def _date(value: str) -> tuple[datetime.date | None, bool]:
    if not value:
        return None, False
    if not isinstance(value, str) or not DATE.fullmatch(value):
        return None, True
    try:
        return datetime.date.fromisoformat(value), False
    except ValueError:
        return None, True


# ---- the pages -----------------------------------------------------------------------------------

@login_required
@require_safe
def region_dashboard(request):
    scope = scope_for(request.user)
    if not (scope.superuser or scope.region_prefixes):
        raise Http404
    code = request.GET.get("region") or (scope.region_prefixes[0] if scope.region_prefixes else "62")
    if not isinstance(code, str) or not REGION.fullmatch(code) or not perms.can_see_region_dashboard(scope, code):
        raise Http404
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise Http404
    regions = (Region.objects.all() if scope.superuser else Region.objects.visible_to(request.user)
               .filter(code__regex=r"^[0-9]{2,6}$"))
    regions = [r for r in regions.order_by("code") if perms.can_see_region_dashboard(scope, r.code)]
    sel = data.Selection(region=code)
    return _dashboard(request, scope, sel, title=region.full_name, regions=regions, region=region,
                      filters={"region": code})


@login_required
@require_safe
def unit_dashboard(request, pk):
    scope = scope_for(request.user)
    unit = get_visible_or_404(Unit, request.user, pk=pk)
    if not perms.can_see_unit_dashboard(scope, unit):
        raise Http404
    return _dashboard(request, scope, data.Selection(unit_id=unit.pk), title=unit.name, unit=unit,
                      filters={"unit": unit.pk})


@login_required
@require_safe
def school_dashboard(request, pk):
    scope = scope_for(request.user)
    school = get_visible_or_404(School, request.user, pk=pk)
    if not perms.can_see_school_dashboard(scope, school):
        raise Http404
    return _dashboard(request, scope, data.Selection(school_id=school.pk), title=school.name, school=school,
                      filters={"school": school.pk})


def _dashboard(request, scope, sel: data.Selection, *, title: str, filters: dict, **context):
    period = period_of(request)
    start, end = period["start"], period["end"]
    head = data.headline(sel, start, end)
    months = data.monthly(sel, start, end)
    # A province or a city is broken down by its cities or counties (thousands of schools make no chart).
    areas = data.by_area(sel, start, end) if sel.kind == "region" and len(sel.region) < 6 else []
    schools = data.by_school(sel, start, end) if sel.kind != "school" and not areas else []
    units = data.by_unit(sel, start, end) if sel.kind == "region" else []
    ranking = data.unit_ranking(units) if units else []
    links = Links(scope, sel, filters, start, end)
    charts = build_charts(head, months, units, schools, ranking, links, areas=areas)
    export = request.GET.get("export", "")
    if export:
        chart = next((c for c in charts if c["id"] == export), None)
        if chart is None:
            raise Http404
        return xlsx_response(chart)
    period_query = {"period": period["period"],
                    **({"from": start.isoformat()} if start and period["period"] == "custom" else {}),
                    **({"to": end.isoformat()} if end and period["period"] == "custom" else {})}
    scope_query = {"region": filters["region"]} if "region" in filters else {}
    return render(request, "dashboards/dashboard.html", {
        **context, "title": title, "sel": sel, "period": period, "start": start, "end": end, "data": head,
        "tiles": tiles(head, links), "charts": charts,
        "export_query": urlencode({**scope_query, **period_query}),
        "units": units, "schools": schools,
    })


# ---- drill-down links ----------------------------------------------------------------------------

class Links:
    """URLs of the record lists behind the figures, with the same scope and period filters. A list the user
    cannot open gives an empty link (the figure is then shown without one)."""

    def __init__(self, scope, sel: data.Selection, filters: dict, start, end):
        self.sel = sel
        self.allowed = perms.drill_down(scope)
        self.scope_filter = {k: v for k, v in filters.items()}
        self.period = {**({"from": start.isoformat()} if start else {}), **({"to": end.isoformat()} if end else {})}

    def _url(self, name: str, **params) -> str:
        params = {k: v for k, v in params.items() if v not in (None, "")}
        return f"{reverse(name)}?{urlencode(params)}" if params else reverse(name)

    def activities(self, **extra) -> str:
        return self._url("activities:list", **self.scope_filter, **self.period, **extra)

    def cases(self, **extra) -> str:
        if not self.allowed["cases"]:
            return ""
        return self._url("tips:list", **self.scope_filter, **self.period, **extra)

    def coverage(self) -> str:
        return self._url("assignments:coverage", **self.scope_filter) if self.allowed["coverage"] else ""

    def register(self, name: str, dated: bool = False, **extra) -> str:
        if not self.allowed["registers"]:
            return ""
        scope = {k: v for k, v in self.scope_filter.items() if k in ("region", "school")}  # registers: no unit
        return self._url(f"registers:{name}", **scope, **(self.period if dated else {}), **extra)

    def surveys(self) -> str:
        return reverse("surveys:list") if self.allowed["surveys"] else ""

    def unit(self, pk: int) -> str:
        return reverse("dashboards:unit", args=[pk])

    def school(self, pk: int) -> str:
        return reverse("dashboards:school", args=[pk])

    def area(self, code: str) -> str:
        """The dashboard of a city or county, for the same period."""
        return self._url("dashboards:region", region=code, **self.period, **({"period": "custom"} if self.period else {}))


def _hours(value) -> str:
    return _("%(h)s h") % {"h": value} if value is not None else "—"


def tiles(d: dict, links: Links) -> list[dict]:
    """The headline figures, grouped, each with the link to its records."""
    participation = d["survey_participation_percent"]
    programme = [
        (_("Officers in their classes"), d["officers_in_classes"], links.coverage()),
        (_("Classes covered"), f"{d['coverage_percent']}%", links.coverage()),
        (_("Activities held"), d["activities_total"], links.activities()),
        *[(str(Kind(kind).label), d[figure], links.activities(kind=kind)) for kind, figure in KIND_FIGURE.items()],
        (_("Handbooks handed out"), d["handbooks"], links.activities()),
        (_("Pledges signed"), d["pledges"], links.activities()),
        (_("Students reached"), d["students_reached"], links.activities()),
    ]
    tips = [
        (_("Tips received"), d["tips_total"], links.cases()),
        (_("Not yet closed"), d["tips_open"], links.cases(state="open")),
        (_("Overdue"), d["tips_overdue"], links.cases(state="overdue")),
        (_("Bullying confirmed"), d["cases_bullying_confirmed"], links.cases(state="decided")),
        (_("Median time to acknowledge"), _hours(d["median_hours_to_acknowledge"]), links.cases()),
        (_("Median time to close"), _hours(d["median_hours_to_close"]), links.cases(state="closed")),
        (_("Items confiscated"), d["items_confiscated"], links.register("item_list", dated=True)),
        (_("Disputes resolved"), d["disputes_resolved"], links.register("dispute_list", state="resolved")),
        (_("Hazards found"), d["hazards_found"], links.register("hazard_list")),
    ]
    surveys = [
        (_("Surveys held"), d["surveys_held"], links.surveys()),
        (_("Responses"), d["survey_responses"], links.surveys()),
        (_("Participation"), f"{participation}%" if participation is not None else "—", links.surveys()),
        (_("Classes flagged"), d["survey_classes_flagged"], links.surveys()),
        (_("Answers flagged"), d["survey_answers_flagged"], links.surveys()),
    ]
    registers = [
        (_("Special-group students"), d["special_students_total"], ""),
        (_("Staff concerns"), d["staff_concerns_total"], ""),
        (_("Register reviews overdue"), d["reviews_overdue"], ""),
    ]

    def tile(label, value, url):
        text = f"{value:,}" if isinstance(value, int) else str(value)  # 22,408,100: a province's figures are long
        return {"label": label, "value": text, "url": url, "long": len(text) > 7}

    def group(title, rows):
        return {"title": title, "tiles": [tile(*row) for row in rows]}

    return [group(_("Programme"), programme), group(_("Tip line and cases"), tips), group(_("Surveys"), surveys),
            group(_("Confidential registers"), registers)]


# ---- charts, tables and exports --------------------------------------------------------------------

def chart(id_: str, title: str, kind: str, headers: list, rows: list, *, series: list[int],
          links: list | None = None, stack: bool = False, horizontal: bool = False) -> dict:
    """One chart: `headers` and `rows` are the table view and the export; `series` the columns drawn (the
    first column is the category axis). `links[i]` is the record list behind row i (or "")."""
    spec = {"type": kind, "title": title, "stack": stack, "horizontal": horizontal,
            "categories": [str(r[0]) for r in rows],
            "series": [{"name": str(headers[i]), "data": [r[i] for r in rows]} for i in series]}
    table = [{"cells": r, "url": (links[i] if links else "")} for i, r in enumerate(rows)]
    return {"id": id_, "title": title, "headers": [str(h) for h in headers], "rows": rows, "table": table,
            "spec": spec, "data_id": f"chart-{id_}-data"}


def build_charts(d: dict, months: dict, units: list, schools: list, ranking: list, links: Links,
                 areas: list | None = None) -> list[dict]:
    charts = []
    trend_rows = [[m, a, t, r] for m, a, t, r in zip(months["months"], months["activities"], months["tips"],
                                                         months["responses"], strict=True)]
    charts.append(chart("trend", _("Trend by month"), "line",
                        [_("Month"), _("Activities held"), _("Tips received"), _("Survey responses")], trend_rows,
                        series=[1, 2, 3]))
    kind_totals = [[str(Kind(k).label), d[f]] for k, f in KIND_FIGURE.items()]
    charts.append(chart("kinds", _("Activities by kind"), "bar", [_("Kind"), _("Number")], kind_totals,
                        series=[1], horizontal=True, links=[links.activities(kind=k) for k in KIND_FIGURE]))
    if months["months"]:
        by_month = [[m, *[months["activities_by_kind"][k][i] for k in Kind.values]]
                    for i, m in enumerate(months["months"])]
        charts.append(chart("kinds_monthly", _("Activities by kind and month"), "bar",
                            [_("Month"), *[str(Kind(k).label) for k in Kind.values]], by_month,
                            series=list(range(1, len(Kind.values) + 1)), stack=True))
    charts.append(chart("tips", _("Tips by kind"), "bar", [_("What happened"), _("Tips")],
                        [[str(Category(c).label), n] for c, n in d["tips_by_kind"].items()], series=[1],
                        horizontal=True, links=[links.cases(category=c) for c in d["tips_by_kind"]]))
    charts.append(chart("status", _("Cases by status"), "bar", [_("Status"), _("Cases")],
                        [[str(Status(s).label), n] for s, n in d["tips_by_status"].items()], series=[1],
                        links=[links.cases(state=s) for s in d["tips_by_status"]]))
    items = [[str(ConfiscatedItem.Kind(k).label), n] for k, n in d["items_by_kind"].items()]
    charts.append(chart("items", _("Items confiscated"), "bar", [_("Kind"), _("Number")], items, series=[1],
                        horizontal=True, links=[links.register("item_list", dated=True, kind=k)
                                                for k in d["items_by_kind"]]))
    with_findings = any(r["findings"] is not None for r in units + schools)
    if units:
        headers = [_("Unit"), _("Officers in their classes"), _("Activities held"), _("Paired schools"),
                   _("Classes"), _("Classes covered (%)"), _("Tips received"), _("Overdue cases")]
        rows = [[u["name"], u["officers_in_classes"], u["activities"], u["schools"], u["classes"],
                 u["coverage_percent"], u["tips"], u["overdue"]] for u in units]
        if with_findings:
            headers.append(_("Inspection findings"))
            for row, u in zip(rows, units, strict=True):
                row.append(u["findings"])
        charts.append(chart("units", _("By unit"), "bar", headers, rows, series=[1, 2, 6],
                            links=[links.unit(u["id"]) for u in units]))
        rank_rows = [[u["name"], u["rank"] if u["rank"] is not None else "—",
                      u["activities_per_officer"] if u["activities_per_officer"] is not None else "—",
                      u["coverage_percent"], u["overdue"]] for u in ranking]
        ranked = [r for r in rank_rows if r[1] != "—"]
        ranking_chart = chart("ranking", _("Ranking of units"), "bar",
                              [_("Unit"), _("Rank"), _("Activities per officer in a class"),
                               _("Classes covered (%)"), _("Overdue cases")], ranked, series=[2],
                              horizontal=True, links=[links.unit(u["id"]) for u in ranking if u["rank"]])
        unranked = [r for r in rank_rows if r[1] == "—"]
        ranking_chart["rows"] = ranked + unranked
        ranking_chart["table"] += [{"cells": r, "url": links.unit(u["id"])}
                                   for r, u in zip(unranked, [u for u in ranking if not u["rank"]], strict=True)]
        charts.append(ranking_chart)
    if schools:
        headers = [_("School"), _("Activities held"), _("Classes"), _("Classes covered (%)"), _("Tips received"),
                   _("Overdue cases")]
        rows = [[s["name"], s["activities"], s["classes"], s["coverage_percent"], s["tips"], s["overdue"]]
                for s in schools]
        if with_findings:
            headers.append(_("Inspection findings"))
            for row, s in zip(rows, schools, strict=True):
                row.append(s["findings"])
        charts.append(chart("schools", _("By school"), "bar", headers, rows, series=[1, 4],
                            links=[links.school(s["id"]) for s in schools]))
    if areas:
        headers = [_("City or county"), _("Schools"), _("Activities held"), _("Classes"), _("Classes covered (%)"),
                   _("Tips received"), _("Overdue cases"), _("Inspection findings")]
        rows = [[a["name"], a["schools"], a["activities"], a["classes"], a["coverage_percent"], a["tips"],
                 a["overdue"], a["findings"]] for a in areas]
        charts.append(chart("areas", _("By area"), "bar", headers, rows, series=[2, 5],
                            links=[links.area(a["id"]) if a["id"] != links.sel.region else "" for a in areas]))
    return charts


def xlsx_response(chart_: dict) -> HttpResponse:
    """The chart's table as an Excel sheet: the same headers and rows; numbers as numbers, text via
    `write_string` only (a name like "=1+1" stays text)."""
    buf = io.BytesIO()
    wb = excel.workbook(buf, in_memory=True)
    ws = wb.add_worksheet(chart_["id"][:31])
    bold = wb.add_format({"bold": True})
    for col, heading in enumerate(chart_["headers"]):
        ws.write_string(0, col, heading, bold)
    for r, row in enumerate(chart_["rows"], start=1):
        for col, value in enumerate(row):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(r, col, value)
            else:
                ws.write_string(r, col, value)
    ws.set_column(0, 0, 24)
    wb.close()
    response = HttpResponse(buf.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename=dashboard-{chart_['id']}.xlsx"
    return response
