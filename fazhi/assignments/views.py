"""Assignment pages: proposals, decisions, coverage, handovers, training, rules."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fazhi.accounts import permissions as perms
from fazhi.accounts.scope import get_editable_or_404, get_visible_or_404, scope_for
from fazhi.assignments import coverage, services
from fazhi.assignments.forms import (
    ConfirmForm,
    EndForm,
    PolicyForm,
    ProposeAllForm,
    ProposeForm,
    RejectForm,
    TrainingForm,
)
from fazhi.assignments.models import Assignment, Handover, Policy, Training
from fazhi.lib import excel
from fazhi.lib.params import is_id
from fazhi.org.models import Region, School, SchoolClass, Unit
from fazhi.org.views import _page, _regions, _require, _school_year

A = Assignment


def _committee_regions(user):
    scope = scope_for(user)
    if scope.superuser:
        return Region.objects.all()
    q = Q(pk__in=[])
    for prefix in scope.committee_prefixes:
        q |= Q(code__startswith=prefix)
    return Region.objects.filter(q)


# ---- assignments -------------------------------------------------------------------------------

@login_required
def assignment_list(request):
    scope = scope_for(request.user)
    _require(perms.can_see_assignments(scope))
    year = _school_year(request)
    qs = (A.objects.visible_to(request.user).filter(school_year=year)
          .select_related("officer__unit", "school", "school_class").order_by("-proposed_at", "-pk"))
    status = request.GET.get("status", "")
    if status in A.Status.values:
        qs = qs.filter(status=status)
    role = request.GET.get("role", "")
    if role in A.Role.values:
        qs = qs.filter(role=role)
    q = request.GET.get("q", "").strip()
    qs = qs.search(q)
    unit = request.GET.get("unit", "")
    if is_id(unit):
        qs = qs.filter(officer__unit_id=int(unit))
    can_decide = perms.can_decide_assignments(scope)
    return render(request, "assignments/assignment_list.html", {
        "page_obj": _page(request, qs), "status": status, "statuses": A.Status.choices, "role": role,
        "roles": A.Role.choices, "q": q, "year": year, "unit": unit,
        "units": Unit.objects.visible_to(request.user).exclude(kind__in=["committee", "education"]).only("pk", "name"),
        "can_decide": can_decide, "confirm_form": ConfirmForm() if can_decide else None,
        "filtered": bool(status or role or q or unit),
    })


@login_required
def assignment_detail(request, pk):
    assignment = get_visible_or_404(A, request.user, pk=pk)
    can_decide = A.objects.editable_by(request.user).filter(pk=pk).exists()
    history = assignment.history.select_related("history_user").order_by("-history_date", "-history_id")
    return render(request, "assignments/assignment_detail.html", {
        "a": assignment, "can_decide": can_decide, "history": history[:50],
        "confirm_form": ConfirmForm(), "reject_form": RejectForm(), "end_form": EndForm(),
        "training": assignment.training_status() if assignment.status in A.HOLDING else None,
    })


@login_required
def assignment_create(request):
    """Propose an officer: ?class=ID for a class's homeroom teacher, ?school=ID for a vice principal."""
    scope = scope_for(request.user)
    _require(perms.can_propose(scope))
    klass = school = None
    if is_id(request.GET.get("class", "")):
        klass = get_visible_or_404(SchoolClass, request.user, pk=int(request.GET["class"]))
        school = klass.school
    elif is_id(request.GET.get("school", "")):
        school = get_visible_or_404(School, request.user, pk=int(request.GET["school"]))
    else:
        raise Http404
    form = ProposeForm(request.POST or None, user=request.user, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            assignment = services.propose(
                by=request.user, officer=form.cleaned_data["officer"], school_class=klass, school=school,
                role=A.Role.HOMEROOM if klass else A.Role.VICE_PRINCIPAL,
                exception_reason=form.cleaned_data.get("exception_reason", ""))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Proposal sent to the committee for review."))
            return redirect("assignments:assignment_detail", pk=assignment.pk)
    return render(request, "assignments/assignment_form.html", {"form": form, "klass": klass, "school": school})


def _decision(request, pk, form_class, action):
    assignment = get_editable_or_404(A, request.user, pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action(assignment, form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Saved."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("assignments:assignment_detail", pk=assignment.pk)


@login_required
@require_POST
def assignment_confirm(request, pk):
    return _decision(request, pk, ConfirmForm, lambda a, d: services.confirm(
        by=request.user, assignment=a, starts_on=d["starts_on"]))


@login_required
@require_POST
def assignment_reject(request, pk):
    return _decision(request, pk, RejectForm, lambda a, d: services.reject(
        by=request.user, assignment=a, reason=d["reason"]))


@login_required
@require_POST
def assignment_end(request, pk):
    return _decision(request, pk, EndForm, lambda a, d: services.end(
        by=request.user, assignment=a, reason=d["reason"], on=d["on"], note=d["note"]))


@login_required
@require_POST
def assignment_confirm_many(request):
    scope = scope_for(request.user)
    _require(perms.can_decide_assignments(scope))
    form = ConfirmForm(request.POST)
    ids = [int(x) for x in request.POST.getlist("ids") if is_id(x)]
    if not form.is_valid() or not ids:
        messages.error(request, _("Select the proposals to confirm and the date."))
        return redirect("assignments:assignment_list")
    chosen = A.objects.editable_by(request.user).filter(pk__in=ids, status=A.Status.PROPOSED).order_by("pk")
    done, errors = services.confirm_many(by=request.user, assignments=list(chosen),
                                         starts_on=form.cleaned_data["starts_on"])
    messages.success(request, _("%(n)s proposals confirmed.") % {"n": done})
    for error in errors[:20]:
        messages.error(request, error)
    return redirect("assignments:assignment_list")


@login_required
def propose_all(request):
    scope = scope_for(request.user)
    _require(perms.can_decide_assignments(scope))
    form = ProposeAllForm(request.POST or None, regions=_committee_regions(request.user))
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = services.propose_all(by=request.user, region_code=form.cleaned_data["region"],
                                          school_year=form.cleaned_data["school_year"])
        except ValidationError as exc:
            form.add_error(None, exc)
    return render(request, "assignments/propose_all.html", {"form": form, "result": result})


# ---- coverage ----------------------------------------------------------------------------------

def _coverage_scope(request):
    """The classes the coverage page is about, from ?region=, ?unit=, ?school= within the user's scope."""
    year = _school_year(request)
    visible = SchoolClass.objects.visible_to(request.user)
    region = request.GET.get("region", "").strip()
    unit = request.GET.get("unit", "")
    school = request.GET.get("school", "")
    title = _("All classes in your scope")
    unit_id = school_id = None
    if is_id(school):
        school_obj = get_visible_or_404(School, request.user, pk=int(school))
        school_id, title = school_obj.pk, school_obj.name
    elif is_id(unit):
        unit_obj = get_visible_or_404(Unit, request.user, pk=int(unit))
        unit_id, title = unit_obj.pk, _("Schools paired with %(unit)s") % {"unit": unit_obj.name}
    elif is_id(region):
        region_obj = get_visible_or_404(Region, request.user, pk=region)
        title = region_obj.full_name
    else:
        region = ""
    classes = coverage.classes_in(year=year, region=region or None, unit_id=unit_id, school_id=school_id, base=visible)
    return classes, {"year": year, "region": region, "unit": unit, "school": school, "title": title}


@login_required
def coverage_page(request):
    _require(perms.can_see_coverage(scope_for(request.user)))
    classes, ctx = _coverage_scope(request)
    totals = coverage.summary(classes)
    show = request.GET.get("show", "")
    listed = classes
    if show == "uncovered":
        listed = listed.exclude(coverage._active())
    listed = coverage.with_details(listed).order_by("school__name", "grade", "number")
    page = _page(request, listed)
    from fazhi.assignments.noticeboard import posting_states

    states = posting_states(page.object_list)
    schools = School.objects.filter(pk__in=classes.values("school_id"))
    return render(request, "assignments/coverage.html", {
        **ctx, "totals": totals, "page_obj": page, "show": show, "states": states,
        "rows": [(c, states.get(c.pk)) for c in page.object_list],
        "no_vp": coverage.schools_without_vice_principal(schools).order_by("name")[:50],
        "regions": _regions(request.user),
        "units": Unit.objects.visible_to(request.user).exclude(kind__in=["committee", "education"]).only("pk", "name"),
    })


@login_required
def coverage_export(request):
    _require(perms.can_see_coverage(scope_for(request.user)))
    classes, ctx = _coverage_scope(request)
    buf = io.BytesIO()
    wb = excel.workbook(buf, constant_memory=True)
    ws = wb.add_worksheet("覆盖情况")
    headers = ["学校", "班级", "学年", "法治班主任", "单位", "电话", "任职日期", "状态", "未覆盖起始日期", "未覆盖天数"]
    ws.write_row(0, 0, headers)
    today = timezone.localdate()
    for i, c in enumerate(coverage.with_details(classes).order_by("school__name", "grade", "number").iterator(
            chunk_size=2000), start=1):
        a = c.active_homeroom[0] if c.active_homeroom else None
        h = c.open_handovers[0] if c.open_handovers else None
        values = [c.school.name, c.name, c.school_year_label,
                  a.officer.name if a else "", a.officer.unit.name if a else "", a.officer.phone if a else "",
                  a.starts_on.isoformat() if a else "",
                  ("已覆盖" if a and a.status == A.Status.ACTIVE else "待到岗" if a else "未覆盖"),
                  h.opened_on.isoformat() if h else "", h.days_uncovered(today) if h else ""]
        for col, value in enumerate(values):
            if isinstance(value, int):
                ws.write_number(i, col, value)
            else:
                ws.write_string(i, col, value)
    wb.close()
    response = HttpResponse(buf.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = "attachment; filename=coverage.xlsx; filename*=UTF-8''%E8%A6%86%E7%9B%96%E6%83%85%E5%86%B5.xlsx"
    return response


# ---- handovers ---------------------------------------------------------------------------------

@login_required
def handover_list(request):
    _require(perms.can_see_coverage(scope_for(request.user)))
    state = request.GET.get("state", "open")
    qs = Handover.objects.visible_to(request.user).select_related(
        "school_class__school", "ended_assignment__officer__unit", "replacement__officer")
    if state == "open":
        qs = coverage.current(qs).order_by("opened_on", "pk")
    elif state == "overdue":
        qs = coverage.overdue_handovers(qs).order_by("opened_on", "pk")
    else:
        state = "closed"
        qs = qs.filter(closed_on__isnull=False).order_by("-closed_on", "-pk")
    page = _page(request, qs)
    today = timezone.localdate()
    limits = {}
    rows = []
    for h in page.object_list:
        code = h.school_class.school.region_id
        if code not in limits:
            limits[code] = Policy.for_region(code).uncovered_limit_days
        rows.append((h, h.days_uncovered(today), h.days_uncovered(today) > limits[code] and h.is_open))
    return render(request, "assignments/handover_list.html", {"page_obj": page, "rows": rows, "state": state,
                                                              "can_propose": perms.can_propose(scope_for(request.user))})


# ---- training ----------------------------------------------------------------------------------

@login_required
def training_list(request):
    scope = scope_for(request.user)
    _require(perms.can_see_officers(scope))
    qs = Training.objects.visible_to(request.user).select_related("officer__unit").order_by("-date", "-pk")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(officer__name__icontains=q) | Q(topic__icontains=q))
    officer = request.GET.get("officer", "")
    if is_id(officer):
        qs = qs.filter(officer_id=int(officer))
    return render(request, "assignments/training_list.html", {
        "page_obj": _page(request, qs), "q": q, "officer": officer,
        "can_record": perms.can_record_training(scope), "filtered": bool(q or officer)})


@login_required
def training_create(request):
    _require(perms.can_record_training(scope_for(request.user)))
    form = TrainingForm(request.POST or None, user=request.user, initial={
        "officer": request.GET.get("officer"), "date": timezone.localdate(), "hours": 8})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_training(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Training recorded."))
            return redirect(f"{reverse('assignments:training_list')}?officer={form.cleaned_data['officer'].pk}")
    return render(request, "assignments/training_form.html", {"form": form})


# ---- per-region rules --------------------------------------------------------------------------

@login_required
def policy_edit(request):
    _require(perms.can_decide_assignments(scope_for(request.user)))
    regions = _committee_regions(request.user)
    code = request.GET.get("region") or request.POST.get("region") or (regions.first().code if regions.exists() else "")
    region = regions.filter(pk=code).first() or _require(False)
    policy = Policy.objects.filter(region=region).first() or Policy(region=region, **{
        f: getattr(Policy.for_region(region.code), f) for f in PolicyForm.Meta.fields})
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                form.save()
        except IntegrityError:  # saved by someone else at the same moment: theirs stands, show it
            messages.error(request, _("Someone else saved these rules at the same moment; check them and save again."))
            return redirect(f"{request.path}?region={region.code}")
        messages.success(request, _("Rules saved for %(region)s.") % {"region": region.full_name})
        return redirect(f"{request.path}?region={region.code}")
    return render(request, "assignments/policy_form.html", {"form": form, "region": region, "regions": regions,
                                                            "inherited": policy._state.adding})
