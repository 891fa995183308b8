"""Pairing pages (包校): which political-legal unit takes on which school in a school year; the pairing
workbook; and the start of a new school year (fazhi/assignments/rollover.py).

Everyone who works with pairings may read them (committee, education bureau, inspectors, liaisons, school
administrators), each within their scope (`Pairing.visible_to`); the committee of a region pairs, unpairs,
copies, imports and starts the new school year.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.db.models.deletion import ProtectedError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from fazhi.accounts.models import Role
from fazhi.accounts.scope import get_editable_or_404, scope_for
from fazhi.assignments import pairing_excel, rollover
from fazhi.assignments.models import Assignment, Pairing
from fazhi.lib.pagination import CappedPaginator
from fazhi.lib.params import is_id
from fazhi.org.forms import RosterUploadForm
from fazhi.org.models import Region, School, Unit, current_school_year
from fazhi.org.views import _regions

PAGE_SIZE = 25
UNPAIRED_SHOWN = 30
MAX_ERRORS_SHOWN = 500
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIVE = (Assignment.Status.PROPOSED, *Assignment.HOLDING)

PAIRING_READERS = (Role.COMMITTEE_ADMIN, Role.EDUCATION_STAFF, Role.INSPECTOR, Role.LIAISON, Role.SCHOOL_ADMIN)


def can_see_pairings(scope) -> bool:
    return scope.has_role(*PAIRING_READERS)


def can_manage_pairings(scope) -> bool:
    return scope.has_role(Role.COMMITTEE_ADMIN)


def _require(allowed: bool) -> None:
    if not allowed:
        raise Http404


def _year(value, default: int | None = None) -> int:
    value = str(value or "")
    return int(value) if is_id(value) and 2000 <= int(value) <= 2100 else (default or current_school_year())


def _prefix_q(field: str, prefixes) -> Q:
    q = Q(pk__in=[])
    for prefix in prefixes:
        q |= Q(**{f"{field}__startswith": prefix})
    return q


def _committee_filter(queryset, user, field: str):
    """The rows of `queryset` in the regions where `user` is the committee."""
    scope = scope_for(user)
    return queryset if scope.superuser else queryset.filter(_prefix_q(field, scope.committee_prefixes))


def _list_url(**query) -> str:
    query = {k: v for k, v in query.items() if v not in (None, "")}
    return reverse("pairings:list") + ("?" + urlencode(query) if query else "")


def _year_choices(around: int, *extra: int) -> list[tuple[int, str]]:
    years = sorted({around - 1, around, around + 1, *extra})
    return [(y, f"{y}–{y + 1}") for y in years]


# ---- workflows (thin: one transaction each) -------------------------------------------------------

@transaction.atomic
def pair_schools(*, by, unit: Unit, schools, school_year: int) -> tuple[list[School], list[School]]:
    """Pair `unit` with each of `schools` for `school_year` (the committee of each school's region).
    Returns (newly paired schools, schools that already were paired with the unit)."""
    if unit.kind in pairing_excel.UNPAIRED_KINDS:
        raise ValidationError(_("Schools are paired with the political-legal units, not with %(name)s.") % {
            "name": unit.name})
    schools = list(schools)
    for school in schools:
        if not rollover.is_committee_of(by, school.region_id):
            raise ValidationError(_("Only the committee of the region pairs %(school)s.") % {"school": school.name})
    existing = set(Pairing.objects.filter(unit=unit, school_year=school_year, school__in=schools)
                   .values_list("school_id", flat=True))
    created, duplicates = [], []
    for school in schools:
        if school.pk in existing:
            duplicates.append(school)
            continue
        pairing = Pairing(unit=unit, school=school, school_year=school_year, created_by=by)
        pairing._change_reason = _("paired")
        try:
            with transaction.atomic():
                pairing.save()
        except IntegrityError:  # paired by someone else a moment ago
            duplicates.append(school)
            continue
        created.append(school)
    return created, duplicates


@transaction.atomic
def delete_pairing(*, by, pairing: Pairing) -> None:
    """Undo a pairing that no assignment relies on (the committee of the school's region)."""
    pairing = Pairing.objects.select_for_update(of=("self",)).select_related("unit", "school").get(pk=pairing.pk)
    if not rollover.is_committee_of(by, pairing.school.region_id):
        raise ValidationError(_("Only the committee of the region can undo a pairing."))
    live = pairing.assignments.filter(status__in=LIVE).count()
    if live:
        raise ValidationError(_(
            "%(unit)s cannot be unpaired from %(school)s: %(n)s proposed, confirmed or active assignment(s) of "
            "its officers rely on the pairing. End or reject them first.") % {
            "unit": pairing.unit.name, "school": pairing.school.name, "n": live})
    past = pairing.assignments.count()
    if past:
        raise ValidationError(_(
            "%(unit)s cannot be unpaired from %(school)s: the pairing is part of the record of %(n)s past "
            "assignment(s). It stays for %(year)s; pair the school differently for the next school year.") % {
            "unit": pairing.unit.name, "school": pairing.school.name, "n": past, "year": pairing.school_year})
    pairing._change_reason = _("unpaired")
    try:
        pairing.delete()
    except ProtectedError:
        raise ValidationError(_("Assignments rely on this pairing; it cannot be undone.")) from None


# ---- forms ---------------------------------------------------------------------------------------

class _SchoolChoices(forms.ModelMultipleChoiceField):
    show_region = False

    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.region.name}）" if self.show_region else obj.name


class _UnitChoices(forms.ModelChoiceField):
    show_region = False

    def label_from_instance(self, obj):
        label = f"{obj.name} · {obj.get_kind_display()}"
        return f"{label}（{obj.region.name}）" if self.show_region else label


class PairingForm(forms.Form):
    school_year = forms.TypedChoiceField(label=gettext_lazy("school year"), coerce=int)
    unit = _UnitChoices(label=gettext_lazy("unit"), queryset=Unit.objects.none())
    schools = _SchoolChoices(label=gettext_lazy("schools"), queryset=School.objects.none(),
                             widget=forms.CheckboxSelectMultiple,
                             help_text=gettext_lazy("Tick every school this unit takes on."))

    def __init__(self, *args, user, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        units = _committee_filter(Unit.objects.exclude(kind__in=pairing_excel.UNPAIRED_KINDS), user, "region__code")
        schools = _committee_filter(School.objects.all(), user, "region__code")
        self.fields["unit"].queryset = units.select_related("region").order_by("region_id", "kind", "name")
        self.fields["schools"].queryset = schools.select_related("region").order_by("region_id", "name")
        self.fields["school_year"].choices = _year_choices(current_school_year(), year)
        regions = set(schools.values_list("region_id", flat=True).distinct()[:2])
        self.fields["schools"].show_region = self.fields["unit"].show_region = len(regions) > 1


class PairingUploadForm(RosterUploadForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = _("Pairing file (.xlsx)")


class RolloverForm(forms.Form):
    region = forms.ChoiceField(label=gettext_lazy("region"))
    from_year = forms.TypedChoiceField(label=gettext_lazy("school year that ends"), coerce=int)

    def __init__(self, *args, user, default_year: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        regions = _committee_filter(Region.objects.all(), user, "code").order_by("code")
        self.fields["region"].choices = [(r.code, f"{r.code} {r.name}") for r in regions]
        current = current_school_year()
        years = sorted({*range(current - 2, current + 1), *([default_year] if default_year else [])})
        self.fields["from_year"].choices = [(y, f"{y}–{y + 1} → {y + 1}–{y + 2}") for y in years]


# ---- the list ------------------------------------------------------------------------------------

@login_required
def pairing_list(request):
    user = request.user
    scope = scope_for(user)
    _require(can_see_pairings(scope))
    year = _year(request.GET.get("year"))
    q = request.GET.get("q", "").strip()
    unit = request.GET.get("unit", "")
    unit = int(unit) if is_id(unit) else None
    school = request.GET.get("school", "")
    school = int(school) if is_id(school) else None
    region = request.GET.get("region", "").strip()
    region = region if is_id(region) else ""
    show_unpaired = request.GET.get("show") == "unpaired"

    pairings = Pairing.objects.visible_to(user).filter(school_year=year)
    schools = School.objects.visible_to(user)
    if region:
        pairings = pairings.filter(school__region__code__startswith=region)
        schools = schools.filter(region__code__startswith=region)
    if school:
        pairings = pairings.filter(school_id=school)
        schools = schools.filter(pk=school)
    if unit:
        pairings = pairings.filter(unit_id=unit)
    if q:
        pairings = pairings.filter(Q(school__name__icontains=q) | Q(unit__name__icontains=q))
        schools = schools.filter(name__icontains=q)

    unpaired = schools.exclude(pk__in=Pairing.objects.filter(school_year=year).values("school_id")).select_related(
        "region").order_by("region_id", "name")
    if show_unpaired:
        page = CappedPaginator(unpaired, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [{"school": s, "pairings": []} for s in page.object_list]
        unpaired_count, todo = unpaired.count(), []  # the real number, not the list's capped count
    else:
        paired_schools = School.objects.filter(pk__in=pairings.values("school_id")).select_related("region").annotate(
            class_count=Count("classes", filter=Q(classes__school_year=year))).order_by("region_id", "name")
        page = CappedPaginator(paired_schools, PAGE_SIZE).get_page(request.GET.get("page"))
        page_schools = list(page.object_list)
        shown = (Pairing.objects.visible_to(user).filter(school_year=year, school__in=page_schools)
                 .select_related("unit").annotate(in_use=Count("assignments", filter=Q(assignments__status__in=LIVE)),
                           on_record=Count("assignments"))
                 .order_by("unit__kind", "unit__name"))
        editable = set(Pairing.objects.editable_by(user).filter(school_year=year, school__in=page_schools)
                       .values_list("pk", flat=True)) if can_manage_pairings(scope) else set()
        by_school: dict[int, list] = {}
        for p in shown:
            p.can_delete = p.pk in editable
            by_school.setdefault(p.school_id, []).append(p)
        rows = [{"school": s, "pairings": by_school.get(s.pk, [])} for s in page_schools]
        todo = [] if unit else list(unpaired[:UNPAIRED_SHOWN])
        unpaired_count = 0 if unit else (len(todo) if len(todo) < UNPAIRED_SHOWN else unpaired.count())

    years = set(Pairing.objects.visible_to(user).values_list("school_year", flat=True).distinct())
    units = Unit.objects.visible_to(user).exclude(kind__in=pairing_excel.UNPAIRED_KINDS).only("pk", "name")
    if region:
        units = units.filter(region__code__startswith=region[:4])
    can_manage = can_manage_pairings(scope)
    return render(request, "assignments/pairing_list.html", {
        "year": year, "next_year": year + 1, "years": _year_choices(current_school_year(), year, *years),
        "q": q, "unit": unit, "school": school, "region": region, "regions": _regions(user), "units": units,
        "show_unpaired": show_unpaired, "page_obj": page, "rows": rows, "todo": todo,
        "unpaired_count": unpaired_count, "todo_more": max(0, unpaired_count - len(todo)),
        "filtered": bool(q or unit or school or region),
        "can_manage": can_manage,
        "can_copy": can_manage and _committee_filter(
            Pairing.objects.filter(school_year=year - 1), user, "school__region__code").exists(),
    })


# ---- pairing and unpairing -----------------------------------------------------------------------

@login_required
def pairing_create(request):
    _require(can_manage_pairings(scope_for(request.user)))
    year = _year(request.POST.get("school_year") or request.GET.get("year"))
    initial = {"school_year": year}
    if is_id(request.GET.get("school", "")):
        initial["schools"] = [int(request.GET["school"])]
    if is_id(request.GET.get("unit", "")):
        initial["unit"] = int(request.GET["unit"])
    form = PairingForm(request.POST or None, user=request.user, year=year, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            unit, year = form.cleaned_data["unit"], form.cleaned_data["school_year"]
            try:
                created, duplicates = pair_schools(by=request.user, unit=unit, schools=form.cleaned_data["schools"],
                                                   school_year=year)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                names = "、".join(s.name for s in duplicates)
                if not created:
                    form.add_error("schools", _("%(unit)s already is paired with every school you ticked for "
                                                "%(year)s: %(schools)s.") % {
                        "unit": unit.name, "year": f"{year}–{year + 1}", "schools": names})
                else:
                    messages.success(request, _("%(unit)s is now paired with %(n)s school(s) for %(year)s.") % {
                        "unit": unit.name, "n": len(created), "year": f"{year}–{year + 1}"})
                    if duplicates:
                        messages.warning(request, _("Already paired before, left as they were: %(schools)s.") % {
                            "schools": names})
                    return redirect(_list_url(year=year, unit=unit.pk))
    return render(request, "assignments/pairing_form.html", {"form": form, "year": year}, status=status)


@login_required
@require_POST
def pairing_delete(request, pk):
    pairing = get_editable_or_404(Pairing, request.user, pk=pk)
    year = pairing.school_year
    label = f"{pairing.unit.name} ↔ {pairing.school.name}"
    try:
        delete_pairing(by=request.user, pairing=pairing)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Pairing undone: %(pairing)s (%(year)s).") % {
            "pairing": label, "year": f"{year}–{year + 1}"})
    return redirect(_list_url(year=year))


@login_required
@require_POST
def pairing_copy(request):
    _require(can_manage_pairings(scope_for(request.user)))
    to_year = _year(request.POST.get("year"))
    try:
        result = rollover.copy_pairings(by=request.user, from_year=to_year - 1, to_year=to_year)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if result.created:
            messages.success(request, _("%(n)s pairing(s) copied from %(from)s to %(to)s.") % {
                "n": result.created, "from": f"{to_year - 1}–{to_year}", "to": f"{to_year}–{to_year + 1}"})
        if result.existing:
            messages.info(request, _("%(n)s pairing(s) of %(from)s already were in %(to)s and were left as they "
                                     "were.") % {"n": result.existing, "from": f"{to_year - 1}–{to_year}",
                                                 "to": f"{to_year}–{to_year + 1}"})
        if not result.created and not result.existing:
            messages.warning(request, _("There are no pairings in %(from)s to copy.") % {
                "from": f"{to_year - 1}–{to_year}"})
    return redirect(_list_url(year=to_year))


# ---- the workbook --------------------------------------------------------------------------------

@login_required
def pairing_import(request):
    _require(can_manage_pairings(scope_for(request.user)))
    form = PairingUploadForm(request.POST or None, request.FILES or None)
    result, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            source = upload.temporary_file_path() if hasattr(upload, "temporary_file_path") else upload
            result = pairing_excel.import_pairings(source, user=request.user)
            if result.file_errors:
                for error in result.file_errors:
                    form.add_error("file", error.message)
                result = None
        if result is None or not result.ok:
            status = 400
    errors = result.errors if result else []
    return render(request, "assignments/pairing_import.html", {
        "form": form, "result": result, "errors": errors[:MAX_ERRORS_SHOWN],
        "errors_hidden": max(0, len(errors) - MAX_ERRORS_SHOWN),
        "error_count_message": result.error_count_message() if errors else "",
        "sheet": pairing_excel.SHEET, "year": current_school_year(),
    }, status=status)


@login_required
@require_GET
def pairing_template(request):
    _require(can_manage_pairings(scope_for(request.user)))
    return FileResponse(pairing_excel.spooled(pairing_excel.write_template), as_attachment=True,
                        filename="包校名单模板.xlsx", content_type=XLSX)


@login_required
@require_GET
def pairing_export(request):
    _require(can_see_pairings(scope_for(request.user)))
    everything = request.GET.get("year") == "all"
    year = None if everything else _year(request.GET.get("year"))
    fh = pairing_excel.spooled(pairing_excel.write_export, user=request.user, school_year=year)
    name = "包校名单-全部学年.xlsx" if everything else f"包校名单-{year}-{year + 1}学年.xlsx"
    return FileResponse(fh, as_attachment=True, filename=name, content_type=XLSX)


# ---- the new school year -------------------------------------------------------------------------

@login_required
def school_year_rollover(request):
    """GET: the region and the year, and exactly what starting the new school year would change (a dry run,
    rolled back). POST: do it."""
    scope = scope_for(request.user)
    _require(can_manage_pairings(scope))
    if request.method == "POST":
        data = request.POST
    elif "region" in request.GET:
        data = request.GET
    elif scope.committee_prefixes:
        region = scope.committee_prefixes[0]
        data = {"region": region, "from_year": rollover.default_from_year(region)}
    else:  # a superuser: choose first
        data = None
    form = RolloverForm(data, user=request.user, default_year=data and _year(data.get("from_year")))
    summary, status = None, 200
    if data is not None:
        if form.is_valid():
            try:
                summary = rollover.start_school_year(
                    by=request.user, region_code=form.cleaned_data["region"],
                    from_year=form.cleaned_data["from_year"], dry_run=request.method != "POST")
            except ValidationError as exc:
                form.add_error(None, exc)
                status = 400
        else:
            status = 400
    done = summary is not None and not summary.dry_run
    return render(request, "assignments/pairing_rollover.html", {
        "form": form, "summary": summary, "done": done, "rows": summary.rows() if summary else [],
    }, status=status)
