"""Ledger pages (工作台账): choose whose ledger (an officer, a unit, a school or a region) and the period,
see how many activities it holds, and export it as Excel or print it as a PDF with photos.

All three views take the same query parameters: scope=officer|unit|school|region, officer=ID, unit=ID,
school=ID, region=CODE, start=YYYY-MM-DD, end=YYYY-MM-DD. An officer, unit, school or region outside the
user's scope is a 404, as everywhere else.
"""

import tempfile
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from fazhi.accounts import permissions as perms
from fazhi.accounts.scope import get_visible_or_404, scope_for
from fazhi.activities import ledger as lg
from fazhi.activities.models import Kind
from fazhi.lib.params import is_id
from fazhi.org.models import Officer, School, Unit

# One web request prints at most this many activities (about a minute of layout on one core, and a PDF of
# up to a few hundred MB with four photos each); the Excel workbook has no limit.
MAX_PDF_ACTIVITIES = 2000
# Each list of the form shows at most this many choices; choosing a region narrows them.
MAX_OPTIONS = 500

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class LedgerForm(forms.Form):
    scope = forms.ChoiceField(label=gettext_lazy("Ledger of"), choices=[
        ("officer", gettext_lazy("An officer")),
        ("unit", gettext_lazy("A unit (all its officers)")),
        ("school", gettext_lazy("A school")),
        ("region", gettext_lazy("A region")),
    ])
    officer = forms.IntegerField(required=False, min_value=1)
    unit = forms.IntegerField(required=False, min_value=1)
    school = forms.IntegerField(required=False, min_value=1)
    region = forms.RegexField(regex=r"^(\d{2}|\d{4}|\d{6})$", required=False)
    start = forms.DateField(label=gettext_lazy("From"), input_formats=["%Y-%m-%d"])
    end = forms.DateField(label=gettext_lazy("To"), input_formats=["%Y-%m-%d"])

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end of the period is before its start."))
        kind = data.get("scope")
        if kind and not data.get(kind):
            self.add_error(kind, {
                "officer": _("Choose an officer."), "unit": _("Choose a unit."),
                "school": _("Choose a school."), "region": _("Choose a region."),
            }[kind])
        return data


def _require(allowed: bool) -> None:
    if not allowed:
        raise Http404


def _ledger(user, data: dict) -> lg.Ledger:
    """The ledger the valid form asks for; 404 when its officer, unit, school or region is not the user's."""
    kind = data["scope"]
    if kind == "officer":
        subject = get_visible_or_404(Officer, user, pk=data["officer"])
    elif kind == "unit":
        subject = get_visible_or_404(Unit, user, pk=data["unit"])
    elif kind == "school":
        subject = get_visible_or_404(School, user, pk=data["school"])
    else:
        subject = lg.ledger_regions(user).filter(code=data["region"]).first()
        if subject is None:
            raise Http404
    return lg.Ledger(kind, subject, data["start"], data["end"])


def _query(ledger: lg.Ledger) -> str:
    params = {"scope": ledger.kind, "start": ledger.start.isoformat(), "end": ledger.end.isoformat()}
    params[ledger.kind] = ledger.subject.code if ledger.kind == "region" else ledger.subject.pk
    return urlencode(params)


def _limited(qs, selected_pk):
    """At most MAX_OPTIONS choices, the selected one always among them; and whether some were left out."""
    items = list(qs[:MAX_OPTIONS + 1])
    more = len(items) > MAX_OPTIONS
    items = items[:MAX_OPTIONS]
    if is_id(str(selected_pk or "")) and all(str(item.pk) != str(selected_pk) for item in items):
        extra = qs.filter(pk=selected_pk).first()
        if extra is not None:
            items.insert(0, extra)
    return items, more


def _options(user, data: dict) -> dict:
    """The officers, units, schools and regions the user may choose, narrowed to the region chosen."""
    region = data.get("region") or ""
    region = region if is_id(region) else ""
    officers = Officer.objects.visible_to(user).select_related("unit").order_by("unit__name", "name", "pk")
    units = Unit.objects.visible_to(user).order_by("region_id", "kind", "name")
    schools = School.objects.visible_to(user).order_by("region_id", "name")
    if region:
        officers = officers.filter(unit__region__code__startswith=region)
        units = units.filter(region__code__startswith=region)
        schools = schools.filter(region__code__startswith=region)
    regions = list(lg.ledger_regions(user).order_by("code")[:MAX_OPTIONS])
    officers, more_officers = _limited(officers, data.get("officer"))
    units, more_units = _limited(units, data.get("unit"))
    schools, more_schools = _limited(schools, data.get("school"))
    return {"regions": regions, "officers": officers, "units": units, "schools": schools,
            "narrow": more_officers or more_units or more_schools}


def _defaults(user) -> dict:
    """What the form shows on a first visit: the user's own ledger for the current semester."""
    start, end = lg.semester_range()
    data = {"start": start.isoformat(), "end": end.isoformat()}
    scope = scope_for(user)
    region = lg.ledger_regions(user).order_by("code").values_list("code", flat=True).first()
    if region:  # a committee, bureau or inspector (or the superuser): their region
        data.update(scope="region", region=region)
    elif scope.unit_ids:
        data.update(scope="unit", unit=str(min(scope.unit_ids)))
    elif scope.officer_ids:
        data.update(scope="officer", officer=str(min(scope.officer_ids)))
    elif scope.school_ids or scope.class_school_ids:
        data.update(scope="school", school=str(min(scope.school_ids or scope.class_school_ids)))
    return data


@login_required
@require_GET
def ledger_page(request):
    _require(perms.can_export_ledgers(scope_for(request.user)))
    data = request.GET.dict() if request.GET else _defaults(request.user)
    form = LedgerForm(data)
    ledger = summary = None
    if form.is_valid():
        ledger = _ledger(request.user, form.cleaned_data)
        summary = lg.Summary.of(ledger.activities(request.user))
    kinds = []
    if summary is not None:
        kinds = [{**row, "label": Kind(row["kind"]).label} for row in summary.rows() if row["count"]]
    return render(request, "activities/ledger_page.html", {
        "form": form, "data": data, "ledger": ledger, "summary": summary, "kinds": kinds,
        "total": summary.total if summary else None, "query": _query(ledger) if ledger else "",
        "max_pdf": MAX_PDF_ACTIVITIES, **_options(request.user, data),
    })


def _message(request, title: str, message: str, status: int):
    return render(request, "activities/ledger_message.html", {
        "title": title, "message": message, "back": request.GET.urlencode()}, status=status)


def _export(request, fmt: str):
    user = request.user
    _require(perms.can_export_ledgers(scope_for(user)))
    form = LedgerForm(request.GET)
    if not form.is_valid():
        errors = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        return _message(request, _("The ledger cannot be made"),
                        _("Check whose ledger it is and the period: %(errors)s") % {"errors": errors}, 400)
    ledger = _ledger(user, form.cleaned_data)
    activities = ledger.activities(user)
    count = activities.count()
    if count == 0:
        return _message(request, _("The ledger is empty"),
                        _("%(who)s has no activities that you may see from %(start)s to %(end)s. Choose a longer "
                          "period or another officer, unit, school or region.")
                        % {"who": ledger.label, "start": ledger.start, "end": ledger.end}, 404)
    if fmt == "pdf" and count > MAX_PDF_ACTIVITIES:
        return _message(request, _("Too many activities for one PDF"),
                        _("This ledger holds %(count)s activities; one PDF prints at most %(max)s. Choose a shorter "
                          "period or a smaller scope (a unit or a school), or export it to Excel, which has no "
                          "limit.") % {"count": count, "max": MAX_PDF_ACTIVITIES}, 400)
    kwargs = {"description": ledger.description, "period": ledger.period, "exported_by": str(user)}
    out = tempfile.TemporaryFile()  # FileResponse closes it
    if fmt == "pdf":
        lg.render_pdf(lg.for_export(activities), out, ledger.title, **kwargs)
        content_type = "application/pdf"
    else:
        lg.write_xlsx(lg.for_export(activities), out, ledger.title, **kwargs)
        content_type = XLSX
    out.seek(0)
    response = FileResponse(out, as_attachment=True, filename=ledger.filename(fmt), content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def export_xlsx(request):
    return _export(request, "xlsx")


@login_required
@require_GET
def export_pdf(request):
    return _export(request, "pdf")
