"""Joint inspections, their findings and rectification; checklists; accountability ledgers.

A record outside the user's scope does not exist for them (404); read-only roles get 404 from the write
pages as well."""

import datetime
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fazhi.accounts.scope import get_editable_or_404, get_visible_or_404, scope_for
from fazhi.lib.pagination import CappedPaginator
from fazhi.lib.params import is_id
from fazhi.lib.text import CONTROL
from fazhi.org.models import Officer, School, Unit
from fazhi.oversight import permissions as perms
from fazhi.oversight.forms import (
    AccountabilityForm,
    FindingForm,
    InspectionForm,
    ItemFormSet,
    RectificationForm,
    TemplateForm,
    copy_regions,
)
from fazhi.oversight.models import (
    AccountabilityRecord,
    ChecklistItem,
    ChecklistTemplate,
    Finding,
    FindingPhoto,
    Inspection,
)

PAGE_SIZE = 25
MAX_QUERY = 100
FINDING_STATES = ("open", "overdue", "rectified")


def _require(allowed: bool):
    if not allowed:
        raise Http404


def _visible(queryset, user, **lookup):
    """`get_visible_or_404` for a queryset with its select_related."""
    obj = queryset.visible_to(user).filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj


def _page(request, records):
    return CappedPaginator(records, PAGE_SIZE).get_page(request.GET.get("page"))


def _query(request) -> str:
    return CONTROL.sub("", request.GET.get("q", "")).strip()[:MAX_QUERY]


def _date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat((value or "").strip()[:10])
    except ValueError:
        return None


def _choice(request, name, values) -> str:
    value = request.GET.get(name, "")
    return value if value in values else ""


def _id(request, name) -> str:
    value = request.GET.get(name, "")
    return value if is_id(value) else ""


def with_overdue(queryset):
    return queryset.annotate(overdue=ExpressionWrapper(Finding.overdue_q(), output_field=BooleanField()))


# ---- inspections ---------------------------------------------------------------------------------

@login_required
@require_safe
def inspection_list(request):
    scope = scope_for(request.user)
    _require(perms.can_see_inspections(scope))
    inspections = Inspection.objects.visible_to(request.user)
    state = _choice(request, "state", Inspection.State.values)
    if state:
        inspections = inspections.filter(state=state)
    q = _query(request)
    if q:
        inspections = inspections.filter(title__icontains=q)
    inspections = inspections.select_related("region").annotate(
        n_findings=Count("findings", distinct=True),
        n_open=Count("findings", filter=Q(findings__rectified_on__isnull=True), distinct=True),
    ).order_by("-date", "-pk")
    return render(request, "oversight/inspection_list.html", {
        "page_obj": _page(request, inspections), "state": state, "states": Inspection.State.choices, "q": q,
        "filtered": bool(state or q), "can_plan": perms.can_plan_inspections(scope),
    })


def _inspection_form(request, instance=None):
    form = InspectionForm(request.POST or None, instance=instance, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            inspection = form.save(commit=False)
            if instance is None:
                inspection.created_by = request.user
            inspection.save()
            form.save_m2m()
            messages.success(request, _("Saved."))
            return redirect("oversight:inspection_detail", inspection.pk)
        status = 400
    else:
        status = 200
    cancel = (reverse("oversight:inspection_detail", args=[instance.pk]) if instance
              else reverse("oversight:inspection_list"))
    title = _("Update the inspection") if instance else _("Plan a joint inspection")
    return render(request, "oversight/form.html", {"form": form, "object": instance, "title": title,
                                                   "cancel": cancel}, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def inspection_create(request):
    _require(perms.can_plan_inspections(scope_for(request.user)))
    return _inspection_form(request)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def inspection_edit(request, pk):
    _require(perms.can_plan_inspections(scope_for(request.user)))
    return _inspection_form(request, get_editable_or_404(Inspection, request.user, pk=pk))


@login_required
@require_safe
def inspection_detail(request, pk):
    scope = scope_for(request.user)
    _require(perms.can_see_inspections(scope))
    inspection = _visible(Inspection.objects.select_related("region", "template", "created_by"), request.user, pk=pk)
    findings = list(with_overdue(inspection.findings.select_related("school", "unit", "officer__unit"))
                    .annotate(n_photos=Count("photos")).order_by("pk"))
    items = list(inspection.template.items.all())
    by_item = {}
    for f in findings:
        by_item.setdefault(f.item_id, []).append(f)
    checklist = [(item, by_item.get(item.pk, [])) for item in items]
    known = {item.pk for item in items}
    other = [f for f in findings if f.item_id not in known]
    return render(request, "oversight/inspection_detail.html", {
        "object": inspection, "checklist": checklist, "other": other, "n_findings": len(findings),
        "schools": inspection.schools.order_by("name"), "units": inspection.units.order_by("name"),
        "can_edit": Inspection.objects.editable_by(request.user).filter(pk=inspection.pk).exists(),
        "can_record": _can_record_in(request.user, inspection),
    })


def _can_record_in(user, inspection) -> bool:
    scope = scope_for(user)
    return scope.superuser or any(inspection.region_id.startswith(p)
                                  for p in scope.committee_prefixes + scope.inspector_prefixes)


# ---- findings ------------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def finding_create(request, pk):
    _require(perms.can_record_findings(scope_for(request.user)))
    inspection = _visible(Inspection.objects.select_related("template"), request.user, pk=pk)
    _require(_can_record_in(request.user, inspection))
    form = FindingForm(request.POST or None, request.FILES or None, inspection=inspection)
    item = _id(request, "item")
    if item and not form.is_bound:
        form.initial["item"] = int(item)
    if request.method == "POST":
        if form.is_valid():
            stored = []
            try:
                with transaction.atomic():
                    finding = form.save(commit=False)
                    finding.inspection = inspection
                    finding.recorded_by = request.user
                    finding.save()
                    for prepared in form.prepared_photos:
                        stored.extend(_store_photo(finding, prepared, request.user))
            except Exception:
                for name in stored:
                    FindingPhoto.file.field.storage.delete(name)
                raise
            if inspection.state == Inspection.State.PLANNED:
                Inspection.objects.filter(pk=inspection.pk).update(state=Inspection.State.IN_PROGRESS)
            messages.success(request, _("Finding recorded."))
            if "another" in request.POST:
                return redirect("oversight:finding_create", inspection.pk)
            return redirect("oversight:finding_detail", finding.pk)
        status = 400
    else:
        status = 200
    return render(request, "oversight/finding_form.html", {"form": form, "inspection": inspection},
                  status=status)


def _store_photo(finding, prepared, user) -> list[str]:
    stem = uuid.uuid4().hex
    photo = FindingPhoto(finding=finding, original_name=prepared.original_name, size=len(prepared.content),
                         uploaded_by=user)
    photo.file.save(stem + ".jpg", ContentFile(prepared.content), save=False)
    if prepared.thumbnail:
        photo.thumbnail.save(stem + ".jpg", ContentFile(prepared.thumbnail), save=False)
    photo.save()
    return [f.name for f in (photo.file, photo.thumbnail) if f]


@login_required
@require_safe
def finding_detail(request, pk):
    scope = scope_for(request.user)
    _require(perms.can_see_findings(scope))
    finding = _visible(Finding.objects.select_related("inspection", "school", "unit", "officer__unit", "item", "recorded_by",
                                       "rectified_by"), request.user, pk=pk)
    records = AccountabilityRecord.objects.visible_to(request.user).filter(finding=finding).select_related(
        "unit", "officer")
    return render(request, "oversight/finding_detail.html", {
        "object": finding, "photos": list(finding.photos.all()), "records": records,
        "can_see_inspection": Inspection.objects.visible_to(request.user).filter(pk=finding.inspection_id).exists(),
        "can_rectify": Finding.objects.filter(Finding.rectify_q(scope) if not scope.superuser else Q(),
                                              pk=finding.pk).exists(),
        "can_hold": _can_hold(scope, finding),
    })


def _can_hold(scope, finding) -> bool:
    return scope.superuser or any(finding.inspection.region_id.startswith(p) for p in scope.committee_prefixes)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def finding_rectify(request, pk):
    scope = scope_for(request.user)
    _require(perms.can_rectify(scope))
    get_visible_or_404(Finding, request.user, pk=pk)
    findings = Finding.objects.select_related("inspection", "school", "unit", "officer")
    if not scope.superuser:
        findings = findings.filter(Finding.rectify_q(scope))
    finding = findings.filter(pk=pk).first()
    _require(finding is not None)
    form = RectificationForm(request.POST or None, instance=finding)
    if request.method == "POST":
        if form.is_valid():
            finding = form.save(commit=False)
            finding.rectified_by = request.user
            finding.save(update_fields=["rectified_on", "rectification", "rectified_by"])
            messages.success(request, _("Rectification recorded."))
            return redirect("oversight:finding_detail", finding.pk)
        status = 400
    else:
        status = 200
    return render(request, "oversight/form.html", {
        "form": form, "object": finding, "title": _("Record the rectification"),
        "cancel": reverse("oversight:finding_detail", args=[finding.pk])}, status=status)


@login_required
@require_safe
def finding_list(request, overdue_only=False):
    scope = scope_for(request.user)
    _require(perms.can_see_findings(scope))
    findings = Finding.objects.visible_to(request.user)
    state = "overdue" if overdue_only else _choice(request, "state", FINDING_STATES)
    if state == "overdue":
        findings = findings.filter(Finding.overdue_q())
    elif state == "open":
        findings = findings.filter(rectified_on__isnull=True)
    elif state == "rectified":
        findings = findings.filter(rectified_on__isnull=False)
    severity = _choice(request, "severity", Finding.Severity.values)
    if severity:
        findings = findings.filter(severity=severity)
    school = _id(request, "school")
    if school:
        findings = findings.filter(school_id=int(school))
    unit = _id(request, "unit")
    if unit:
        findings = findings.filter(Q(unit_id=int(unit)) | Q(officer__unit_id=int(unit)))
    inspection = _id(request, "inspection")
    if inspection:
        findings = findings.filter(inspection_id=int(inspection))
    findings = with_overdue(findings.select_related("inspection", "school", "unit", "officer__unit")).order_by(
        "deadline" if overdue_only else "-inspection__date", "-pk")
    visible = Finding.objects.visible_to(request.user)
    schools = School.objects.filter(pk__in=visible.values("school_id")).only("pk", "name").order_by("name")
    units = Unit.objects.filter(Q(pk__in=visible.values("unit_id")) | Q(pk__in=visible.values("officer__unit_id"))
                                ).only("pk", "name").order_by("name")
    return render(request, "oversight/finding_list.html", {
        "page_obj": _page(request, findings), "overdue_only": overdue_only, "state": state,
        "states": [("open", _("Not rectified")), ("overdue", _("Overdue")), ("rectified", _("Rectified"))],
        "severity": severity, "severities": Finding.Severity.choices, "school": school, "unit": unit,
        "inspection": inspection, "schools": list(schools), "units": list(units),
        "filtered": bool((state and not overdue_only) or severity or school or unit or inspection),
    })


@login_required
@require_safe
def overdue_list(request):
    return finding_list(request, overdue_only=True)


def _visible_photo(user, pk) -> FindingPhoto:
    photo = FindingPhoto.objects.filter(pk=pk, finding__in=Finding.objects.visible_to(user)).first()
    if photo is None:
        raise Http404
    return photo


def _serve(fieldfile, filename):
    if not fieldfile:
        raise Http404
    try:
        handle = fieldfile.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg", filename=filename)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_safe
def photo_file(request, pk):
    photo = _visible_photo(request.user, pk)
    return _serve(photo.file, f"finding-{photo.finding_id}-{photo.pk}.jpg")


@login_required
@require_safe
def photo_thumbnail(request, pk):
    photo = _visible_photo(request.user, pk)
    return _serve(photo.thumbnail or photo.file, f"thumb-{photo.pk}.jpg")


# ---- checklists ----------------------------------------------------------------------------------

@login_required
@require_safe
def template_list(request):
    scope = scope_for(request.user)
    _require(perms.can_see_inspections(scope))
    templates = ChecklistTemplate.objects.visible_to(request.user).select_related("region").annotate(
        n_items=Count("items")).order_by("region_id", "name", "pk")
    return render(request, "oversight/template_list.html", {"templates": templates})


@login_required
@require_safe
def template_detail(request, pk):
    scope = scope_for(request.user)
    _require(perms.can_see_inspections(scope))
    template = _visible(ChecklistTemplate.objects.select_related("region"), request.user, pk=pk)
    can_manage = perms.can_manage_checklists(scope)
    return render(request, "oversight/template_detail.html", {
        "object": template, "items": template.items.all(),
        "can_edit": can_manage and not template.builtin
        and ChecklistTemplate.objects.editable_by(request.user).filter(pk=template.pk).exists(),
        "can_copy": can_manage, "regions": list(copy_regions(request.user)) if can_manage else [],
    })


@login_required
@require_POST
def template_copy(request, pk):
    scope = scope_for(request.user)
    _require(perms.can_manage_checklists(scope))
    template = get_visible_or_404(ChecklistTemplate, request.user, pk=pk)
    regions = list(copy_regions(request.user))
    region_code = request.POST.get("region", "")
    region = next((r for r in regions if r.code == region_code), regions[0] if len(regions) == 1 else None)
    if region is None:
        messages.error(request, _("Choose the region the copy belongs to."))
        return redirect("oversight:template_detail", template.pk)
    with transaction.atomic():
        name = (_("%(name)s (copy)") % {"name": template.name})[:100]
        copy = ChecklistTemplate.objects.create(region=region, name=name, copied_from=template)
        ChecklistItem.objects.bulk_create(
            ChecklistItem(template=copy, order=i.order, text=i.text, area=i.area) for i in template.items.all())
    messages.success(request, _("Copied. You can now edit your region's checklist."))
    return redirect("oversight:template_edit", copy.pk)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def template_edit(request, pk):
    _require(perms.can_manage_checklists(scope_for(request.user)))
    template = get_editable_or_404(ChecklistTemplate, request.user, pk=pk)
    form = TemplateForm(request.POST or None, instance=template)
    formset = ItemFormSet(request.POST or None, instance=template, prefix="items")
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            with transaction.atomic():
                form.save()
                formset.save()
            messages.success(request, _("Changes saved."))
            return redirect("oversight:template_detail", template.pk)
        status = 400
    else:
        status = 200
    return render(request, "oversight/template_edit.html", {"form": form, "formset": formset, "object": template},
                  status=status)


# ---- accountability ------------------------------------------------------------------------------

def _records(request, records):
    measure = _choice(request, "measure", AccountabilityRecord.Measure.values)
    if measure:
        records = records.filter(measure=measure)
    start, end = _date(request.GET.get("from")), _date(request.GET.get("to"))
    if start:
        records = records.filter(date__gte=start)
    if end:
        records = records.filter(date__lte=end)
    records = records.select_related("unit", "officer__unit", "finding", "region").order_by("-date", "-pk")
    return records, {"measure": measure, "measures": AccountabilityRecord.Measure.choices, "start": start,
                     "end": end, "filtered": bool(measure or start or end)}


@login_required
@require_safe
def accountability_list(request):
    scope = scope_for(request.user)
    _require(perms.can_see_accountability(scope))
    records, context = _records(request, AccountabilityRecord.objects.visible_to(request.user))
    unit = _id(request, "unit")
    if unit:
        records = records.filter(Q(unit_id=int(unit)) | Q(officer__unit_id=int(unit)))
        context["filtered"] = True
    context.update(page_obj=_page(request, records), unit=unit,
                   units=list(Unit.objects.visible_to(request.user).only("pk", "name").order_by("name")),
                   can_record=perms.can_record_accountability(scope), title=_("Accountability records"))
    return render(request, "oversight/accountability_list.html", context)


@login_required
@require_safe
def unit_ledger(request, pk):
    scope = scope_for(request.user)
    _require(perms.can_see_accountability(scope))
    unit = Unit.objects.filter(pk=pk).first()
    _require(unit is not None and perms.can_see_unit_ledger(scope, unit))
    records, context = _records(request, AccountabilityRecord.objects.visible_to(request.user).filter(
        Q(unit=unit) | Q(officer__unit=unit)))
    context.update(page_obj=_page(request, records), ledger_of=unit, title=_("Accountability ledger: %(name)s") % {
        "name": unit.name}, can_record=perms.can_record_accountability(scope))
    return render(request, "oversight/accountability_list.html", context)


@login_required
@require_safe
def officer_ledger(request, pk):
    scope = scope_for(request.user)
    _require(perms.can_see_accountability(scope))
    officer = Officer.objects.select_related("unit").filter(pk=pk).first()
    _require(officer is not None and perms.can_see_officer_ledger(scope, officer))
    records, context = _records(request, AccountabilityRecord.objects.visible_to(request.user).filter(
        officer=officer))
    context.update(page_obj=_page(request, records), ledger_of=officer,
                   title=_("Accountability ledger: %(name)s") % {"name": f"{officer.name} · {officer.unit.name}"},
                   can_record=perms.can_record_accountability(scope))
    return render(request, "oversight/accountability_list.html", context)


@login_required
@require_safe
def accountability_detail(request, pk):
    scope = scope_for(request.user)
    _require(perms.can_see_accountability(scope))
    record = _visible(AccountabilityRecord.objects.select_related(
        "unit", "officer__unit", "finding__inspection", "recorded_by", "region"), request.user, pk=pk)
    from fazhi.tips.models import Case

    return render(request, "oversight/accountability_detail.html", {
        "object": record,
        "finding_visible": record.finding_id and Finding.objects.visible_to(request.user).filter(
            pk=record.finding_id).exists(),
        "case_visible": record.case_id and Case.objects.visible_to(request.user).filter(pk=record.case_id).exists(),
    })


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def accountability_create(request):
    scope = scope_for(request.user)
    _require(perms.can_record_accountability(scope))
    form = AccountabilityForm(request.POST or None, user=request.user)
    finding_id = _id(request, "finding")
    if finding_id and not form.is_bound:
        finding = form.fields["finding"].queryset.filter(pk=int(finding_id)).first()
        if finding:
            form.initial.update(finding=finding.pk)
            if finding.unit_id or finding.officer_id:
                form.initial.update(unit=finding.unit_id, officer=finding.officer_id)
    if request.method == "POST":
        if form.is_valid():
            record = form.save(commit=False)
            record.recorded_by = request.user
            record.save()
            messages.success(request, _("Recorded."))
            return redirect("oversight:accountability_detail", record.pk)
        status = 400
    else:
        status = 200
    return render(request, "oversight/form.html", {
        "form": form, "title": _("Record an accountability measure"),
        "cancel": reverse("oversight:accountability_list")}, status=status)

