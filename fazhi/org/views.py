"""Registry pages: thin views over the scoped querysets of the models."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, OuterRef, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fazhi.accounts import permissions as perms
from fazhi.accounts.models import Membership, Role
from fazhi.accounts.scope import get_editable_or_404, get_visible_or_404, scope_for
from fazhi.lib.pagination import CappedPaginator
from fazhi.lib.params import is_id
from fazhi.lib.queries import count_of
from fazhi.org.forms import OfficerForm, OfficerStatusForm, SchoolClassForm, SchoolForm, UnitForm
from fazhi.org.models import Officer, Region, School, SchoolClass, Unit, current_school_year

PAGE_SIZE = 25


def _require(allowed: bool):
    if not allowed:
        raise Http404


def _page(request, queryset):
    return CappedPaginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _region_filter(request, queryset, field):
    region = request.GET.get("region", "").strip()
    if is_id(region):
        queryset = queryset.filter(**{f"{field}__startswith": region})
    return queryset, region


def _regions(user):
    return Region.objects.visible_to(user).filter(code__regex=r"^\d{4,6}$") if scope_for(user).region_prefixes \
        or scope_for(user).superuser else Region.objects.none()


def _school_year(request) -> int:
    """The school year asked for in ?year=, or the current one."""
    year = request.GET.get("year", "")
    return int(year) if is_id(year) and 2000 <= int(year) <= 2100 else current_school_year()


def _can_edit(model, user, obj) -> bool:
    return model.objects.editable_by(user).filter(pk=obj.pk).exists()


# ---- units -------------------------------------------------------------------------------------

@login_required
def unit_list(request):
    scope = scope_for(request.user)
    _require(perms.can_see_units(scope))
    units = Unit.objects.visible_to(request.user).select_related("region").annotate(
        officer_count=count_of(Officer.objects.filter(unit=OuterRef("pk"), status=Officer.Status.ACTIVE))).order_by("region_id", "kind", "name")
    units, region = _region_filter(request, units, "region__code")
    q = request.GET.get("q", "").strip()
    units = units.search(q)
    kind = request.GET.get("kind", "")
    if kind in Unit.Kind.values:
        units = units.filter(kind=kind)
    if request.GET.get("missing") == "liaison":
        units = units.exclude(kind__in=[Unit.Kind.COMMITTEE, Unit.Kind.EDUCATION]).exclude(
            pk__in=Membership.objects.filter(role=Role.LIAISON, user__is_active=True).values("unit_id"))
    return render(request, "org/unit_list.html", {
        "page_obj": _page(request, units), "q": q, "kind": kind, "kinds": Unit.Kind.choices, "region": region,
        "regions": _regions(request.user), "can_create": perms.can_create_unit(scope),
        "filtered": bool(q or kind or region or request.GET.get("missing")),
    })


@login_required
def unit_detail(request, pk):
    unit = get_visible_or_404(Unit, request.user, pk=pk)
    scope = scope_for(request.user)
    counts = unit.officers.aggregate(
        active=Count("pk", filter=Q(status=Officer.Status.ACTIVE)), total=Count("pk"))
    return render(request, "org/unit_detail.html", {
        "unit": unit, "counts": counts, "liaisons": unit.liaisons(),
        "can_edit": _can_edit(Unit, request.user, unit),
        "can_add_liaison": perms.can_manage_users(scope) and perms.can_create_unit(scope),
        "can_create_officer": perms.can_create_officer(scope) and _can_edit(Unit, request.user, unit),
        "can_see_history": perms.can_see_history(scope),
    })


@login_required
def unit_create(request):
    _require(perms.can_create_unit(scope_for(request.user)))
    return _save_form(request, UnitForm(request.POST or None, user=request.user),
                      "org:unit_detail", _("Unit saved."))


@login_required
def unit_edit(request, pk):
    unit = get_editable_or_404(Unit, request.user, pk=pk)
    return _save_form(request, UnitForm(request.POST or None, instance=unit, user=request.user),
                      "org:unit_detail", _("Unit saved."))


def _save_form(request, form, detail_url, message):
    if request.method == "POST" and form.is_valid():
        obj = form.save()
        messages.success(request, message)
        return redirect(detail_url, pk=obj.pk)
    return render(request, "org/form.html", {"form": form, "object": form.instance})


# ---- schools -----------------------------------------------------------------------------------

@login_required
def school_list(request):
    scope = scope_for(request.user)
    _require(perms.can_see_schools(scope))
    year = current_school_year()
    schools = School.objects.visible_to(request.user).select_related("region").annotate(
        class_count=count_of(SchoolClass.objects.filter(school=OuterRef("pk"), school_year=year))).order_by("region_id", "name")
    schools, region = _region_filter(request, schools, "region__code")
    q = request.GET.get("q", "").strip()
    schools = schools.search(q)
    stage = request.GET.get("stage", "")
    if stage in School.Stage.values:
        schools = schools.filter(stage=stage)
    if request.GET.get("missing") == "classes":
        schools = schools.filter(class_count=0)
    return render(request, "org/school_list.html", {
        "page_obj": _page(request, schools), "q": q, "stage": stage, "stages": School.Stage.choices,
        "region": region, "regions": _regions(request.user), "can_create": perms.can_create_school(scope),
        "filtered": bool(q or stage or region or request.GET.get("missing")),
    })


@login_required
def school_detail(request, pk):
    school = get_visible_or_404(School, request.user, pk=pk)
    scope = scope_for(request.user)
    years = list(school.classes.values_list("school_year", flat=True).distinct().order_by("-school_year"))
    year = _school_year(request)
    classes = SchoolClass.objects.visible_to(request.user).filter(school=school, school_year=year)
    return render(request, "org/school_detail.html", {
        "school": school, "classes": classes, "year": year, "years": years,
        "can_edit": _can_edit(School, request.user, school),
        "can_add_class": perms.can_create_class(scope) and _can_edit(School, request.user, school),
        "can_see_history": perms.can_see_history(scope),
        "can_add_admin": perms.can_manage_users(scope),
    })


@login_required
def school_create(request):
    _require(perms.can_create_school(scope_for(request.user)))
    return _save_form(request, SchoolForm(request.POST or None, user=request.user),
                      "org:school_detail", _("School saved."))


@login_required
def school_edit(request, pk):
    school = get_editable_or_404(School, request.user, pk=pk)
    return _save_form(request, SchoolForm(request.POST or None, instance=school, user=request.user),
                      "org:school_detail", _("School saved."))


# ---- classes -----------------------------------------------------------------------------------

@login_required
def class_list(request):
    scope = scope_for(request.user)
    _require(perms.can_see_schools(scope))
    classes = SchoolClass.objects.visible_to(request.user).select_related("school")
    classes, region = _region_filter(request, classes, "school__region__code")
    year = _school_year(request)
    classes = classes.filter(school_year=year)
    q = request.GET.get("q", "").strip()
    classes = classes.search(q)
    school = request.GET.get("school", "")
    if is_id(school):
        classes = classes.filter(school_id=int(school))
    grade = request.GET.get("grade", "")
    if is_id(grade):
        classes = classes.filter(grade=int(grade))
    if request.GET.get("missing") == "teacher":
        classes = classes.filter(homeroom_teacher="")
    return render(request, "org/class_list.html", {
        "page_obj": _page(request, classes.order_by("school__name", "grade", "number")), "q": q, "year": year,
        "grade": grade, "grades": range(1, 13), "region": region, "regions": _regions(request.user),
        "school": school, "can_create": perms.can_create_class(scope),
        "filtered": bool(q or grade or region or school or request.GET.get("missing")),
    })


@login_required
def class_detail(request, pk):
    klass = get_visible_or_404(SchoolClass, request.user, pk=pk)
    return render(request, "org/class_detail.html", {
        "klass": klass, "can_edit": _can_edit(SchoolClass, request.user, klass),
        "can_see_history": perms.can_see_history(scope_for(request.user)),
    })


@login_required
def class_create(request):
    _require(perms.can_create_class(scope_for(request.user)))
    initial = {"school": request.GET.get("school")}
    form = SchoolClassForm(request.POST or None, user=request.user, initial=initial)
    return _save_form(request, form, "org:class_detail", _("Class saved."))


@login_required
def class_edit(request, pk):
    klass = get_editable_or_404(SchoolClass, request.user, pk=pk)
    return _save_form(request, SchoolClassForm(request.POST or None, instance=klass, user=request.user),
                      "org:class_detail", _("Class saved."))


# ---- officers ----------------------------------------------------------------------------------

@login_required
def officer_list(request):
    scope = scope_for(request.user)
    _require(perms.can_see_officers(scope))
    officers = Officer.objects.visible_to(request.user).select_related("unit")
    officers, region = _region_filter(request, officers, "unit__region__code")
    q = request.GET.get("q", "").strip()
    officers = officers.search(q)
    unit = request.GET.get("unit", "")
    if is_id(unit):
        officers = officers.filter(unit_id=int(unit))
    status = request.GET.get("status", "")
    if status == "inactive":
        officers = officers.exclude(status=Officer.Status.ACTIVE)
    elif status in Officer.Status.values:
        officers = officers.filter(status=status)
    return render(request, "org/officer_list.html", {
        "page_obj": _page(request, officers.order_by("unit__name", "name")), "q": q, "unit": unit,
        "units": Unit.objects.visible_to(request.user).only("pk", "name"),
        "status": status, "statuses": Officer.Status.choices, "region": region, "regions": _regions(request.user),
        "can_create": perms.can_create_officer(scope),
        "filtered": bool(q or unit or status or region),
    })


@login_required
def officer_detail(request, pk):
    officer = get_visible_or_404(Officer, request.user, pk=pk)
    can_edit = _can_edit(Officer, request.user, officer)
    return render(request, "org/officer_detail.html", {
        "officer": officer, "can_edit": can_edit,
        "status_form": OfficerStatusForm(initial={"status": officer.status}) if can_edit else None,
        "login": Membership.objects.filter(officer=officer).select_related("user").first(),
        "can_see_history": perms.can_see_history(scope_for(request.user)),
    })


@login_required
def officer_create(request):
    _require(perms.can_create_officer(scope_for(request.user)))
    form = OfficerForm(request.POST or None, request.FILES or None, user=request.user,
                       initial={"unit": request.GET.get("unit")})
    return _save_form(request, form, "org:officer_detail", _("Officer saved."))


@login_required
def officer_edit(request, pk):
    officer = get_editable_or_404(Officer, request.user, pk=pk)
    form = OfficerForm(request.POST or None, request.FILES or None, instance=officer, user=request.user)
    return _save_form(request, form, "org:officer_detail", _("Officer saved."))


@login_required
@require_POST
def officer_status(request, pk):
    officer = get_editable_or_404(Officer, request.user, pk=pk)
    form = OfficerStatusForm(request.POST)
    if form.is_valid():
        officer.change_status(form.cleaned_data["status"], form.cleaned_data["changed_on"], form.cleaned_data["reason"])
        messages.success(request, _("Status recorded: %(status)s.") % {"status": officer.get_status_display()})
        return redirect("org:officer_detail", pk=officer.pk)
    return render(request, "org/officer_detail.html", {
        "officer": officer, "can_edit": True, "status_form": form,
        "login": Membership.objects.filter(officer=officer).select_related("user").first(),
        "can_see_history": perms.can_see_history(scope_for(request.user)),
    }, status=400)


@login_required
def officer_photo(request, pk):
    officer = get_visible_or_404(Officer, request.user, pk=pk)
    if not officer.photo:
        raise Http404
    try:
        return FileResponse(officer.photo.open("rb"))
    except FileNotFoundError:
        raise Http404 from None


# ---- change history ----------------------------------------------------------------------------

HISTORY_MODELS = {"unit": Unit, "school": School, "class": SchoolClass, "officer": Officer}
HISTORY_REGION_FIELD = {"unit": "region__code", "school": "region__code", "class": "school__region__code",
                        "officer": "unit__region__code"}


@login_required
def object_history(request, kind, pk):
    _require(perms.can_see_history(scope_for(request.user)))
    model = HISTORY_MODELS.get(kind) or _require(False)
    obj = get_visible_or_404(model, request.user, pk=pk)
    records = obj.history.select_related("history_user").order_by("-history_date", "-history_id")
    page = _page(request, records)
    return render(request, "org/history.html", {
        "object": obj, "kind": kind, "page_obj": page, "rows": history_rows(page.object_list),
    })


@login_required
def change_log(request):
    scope = scope_for(request.user)
    _require(perms.can_see_history(scope))
    kind = request.GET.get("kind") if request.GET.get("kind") in HISTORY_MODELS else "officer"
    model = HISTORY_MODELS[kind]
    records = model.history.select_related("history_user").order_by("-history_date", "-history_id")
    if not scope.superuser:
        q = Q(pk__in=[])
        for prefix in scope.committee_prefixes:
            q |= Q(**{f"{HISTORY_REGION_FIELD[kind]}__startswith": prefix})
        records = records.filter(q)
    page = _page(request, records)
    return render(request, "org/change_log.html", {
        "kind": kind, "kinds": [(k, m._meta.verbose_name_plural) for k, m in HISTORY_MODELS.items()],
        "page_obj": page, "rows": history_rows(page.object_list),
    })


def history_rows(records) -> list[dict]:
    """Each historical record with the fields it changed relative to the previous version."""
    rows = []
    for record in records:
        changes = []
        previous = record.prev_record
        if previous is not None:
            delta = record.diff_against(previous)
            for change in delta.changes:
                field = record.instance_type._meta.get_field(change.field)
                changes.append((field.verbose_name, _display(record, field, change.old), _display(record, field, change.new)))
        rows.append({"record": record, "changes": changes})
    return rows


def _display(record, field, value):
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if field.is_relation and value is not None:
        related = field.related_model.objects.filter(pk=value).first()
        return str(related) if related else value
    return "" if value is None else value

