"""The confidential registers: special-group students and staff concerns.

- A user who may not see a register gets 404 from every one of its pages; a record outside the user's scope
  does not exist for them (404), whatever the page (detail, edit, delete).
- Every page that shows records, every change and every export writes the access log (audit.py) in the same
  request, before the response.
- Encrypted fields are decrypted only for the records a page shows: lists fetch one page (and the short
  "due for review" section), and leave the long plan out altogether.
- No page is cached by the browser or a proxy (`never_cache`).
"""

import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from fazhi.accounts.scope import Scope, get_visible_or_404, scope_for
from fazhi.confidential import permissions as perms
from fazhi.confidential.audit import Action, log_record, log_records
from fazhi.confidential.export import write_special_students
from fazhi.confidential.forms import SpecialStudentForm, StaffConcernForm, register_schools
from fazhi.confidential.models import AccessLog, SpecialStudent, StaffConcern
from fazhi.lib.pagination import CappedPaginator
from fazhi.lib.params import is_id
from fazhi.org.models import School, SchoolClass, current_school_year

PAGE_SIZE = 25
DUE_SHOWN = 10
LOG_PAGE_SIZE = 50
DUE = "due"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Register:
    model: type
    form: type
    allowed: Callable[[Scope], bool]
    name: str  # URL name prefix
    text: str  # the long encrypted field, left out of lists
    title: str
    create_title: str
    edit_title: str


STUDENTS = Register(SpecialStudent, SpecialStudentForm, perms.can_see_special_students, "student", "plan",
                    gettext_lazy("Special-group students"), gettext_lazy("Record a special-group student"),
                    gettext_lazy("Review the record"))
STAFF = Register(StaffConcern, StaffConcernForm, perms.can_see_staff_concerns, "staff", "measures",
                 gettext_lazy("Staff concerns"), gettext_lazy("Record a staff concern"),
                 gettext_lazy("Review the record"))


def _require(allowed: bool):
    if not allowed:
        raise Http404


def _open(request, reg: Register):
    scope = scope_for(request.user)
    _require(reg.allowed(scope))
    return scope


def _url(reg: Register, view: str, *args) -> str:
    return reverse(f"confidential:{reg.name}_{view}", args=args)


def _tabs(scope) -> dict:
    return {"can_students": perms.can_see_special_students(scope), "can_staff": perms.can_see_staff_concerns(scope),
            "can_log": perms.can_see_access_log(scope)}


# ---- the lists -----------------------------------------------------------------------------------

def _filtered(request, reg: Register):
    """The user's records with the list's filters (category, school, class, review=due). A value that is not
    one of the choices offered is ignored."""
    model = reg.model
    records = model.objects.visible_to(request.user)
    category = request.GET.get("category", "")
    if category in model.Category.values:
        records = records.filter(category=category)
    else:
        category = ""
    schools = list(register_schools(request.user, model).only("pk", "name").order_by("name"))
    school = request.GET.get("school", "")
    school_id = int(school) if is_id(school) and int(school) in {s.pk for s in schools} else None
    if school_id:
        records = records.filter(school_id=school_id)
    # The school whose classes the class filter offers, and that an empty page is logged for: the one
    # filtered on, or the user's only school.
    log_school = school_id or (schools[0].pk if len(schools) == 1 else None)
    classes, klass = [], ""
    if model is SpecialStudent:
        if log_school:
            classes = list(SchoolClass.objects.filter(school_id=log_school, school_year=current_school_year())
                           .only("pk", "name").order_by("grade", "number"))
        klass = request.GET.get("class", "")
        if is_id(klass) and int(klass) in {c.pk for c in classes}:
            records = records.filter(school_class_id=int(klass))
        else:
            klass = ""
    review = request.GET.get("review", "")
    if review == DUE:
        records = records.due()
    else:
        review = ""
    context = {
        "category": category, "categories": model.Category.choices, "schools": schools,
        "school": str(school_id or ""), "classes": classes, "klass": klass, "review": review,
        "filtered": bool(category or school_id or klass or review),
    }
    return records, log_school, context


def _list(request, reg: Register, template: str):
    scope = _open(request, reg)
    records, log_school, context = _filtered(request, reg)
    related = ["school", "school_class"] if reg.model is SpecialStudent else ["school"]
    due_records = records.due() if not context["review"] else None
    records = records.select_related(*related).defer(reg.text).order_by("next_review", "pk")
    page_obj = CappedPaginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page_obj.object_list)
    due, due_total = [], 0
    if due_records is not None:
        due_total = due_records.count()
        if due_total:
            due = list(due_records.select_related(*related).defer(reg.text).order_by("next_review", "pk")
                       [:DUE_SHOWN])
    on_page = {r.pk for r in shown}
    log_records(request.user, Action.LIST, reg.model.REGISTER,
                shown + [r for r in due if r.pk not in on_page], school_id=log_school)
    context.update(_tabs(scope), page_obj=page_obj, due=due, due_total=due_total, today=timezone.localdate(),
                   reg=reg)
    return render(request, template, context)


@never_cache
@login_required
@require_safe
def student_list(request):
    return _list(request, STUDENTS, "confidential/student_list.html")


@never_cache
@login_required
@require_safe
def staff_list(request):
    return _list(request, STAFF, "confidential/staff_list.html")


# ---- one record ----------------------------------------------------------------------------------

def _record(request, reg: Register, pk: int):
    _open(request, reg)
    return get_visible_or_404(reg.model, request.user, pk=pk)


def _detail(request, reg: Register, pk: int, template: str):
    record = _record(request, reg, pk)
    log_record(request.user, Action.VIEW, record)
    return render(request, template, {"object": record, "reg": reg, "is_due": record.is_due()})


@never_cache
@login_required
@require_safe
def student_detail(request, pk):
    return _detail(request, STUDENTS, pk, "confidential/student_detail.html")


@never_cache
@login_required
@require_safe
def staff_detail(request, pk):
    return _detail(request, STAFF, pk, "confidential/staff_detail.html")


def _form_page(request, reg: Register, record=None):
    """Record (record None) or review one record. Opening the edit page of a record reads it: logged as
    a view; saving it as an update."""
    old_school = record.school_id if record else None
    form = reg.form(request.POST or None, instance=record, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save(commit=False)
            if record is None:
                saved.created_by = request.user
            saved.save()
            log_record(request.user, Action.CREATE if record is None else Action.UPDATE, saved)
            if old_school and old_school != saved.school_id:  # moved: the old school's log shows it too
                log_record(request.user, Action.UPDATE, saved, school_id=old_school)
        messages.success(request, _("Recorded.") if record is None else _("Changes saved."))
        return redirect(_url(reg, "detail", saved.pk))
    if record is not None:
        log_record(request.user, Action.VIEW, record)
    cancel = _url(reg, "detail", record.pk) if record else _url(reg, "list")
    return render(request, "confidential/record_form.html", {
        "form": form, "object": record, "reg": reg, "cancel": cancel,
        "title": reg.edit_title if record else reg.create_title,
    }, status=400 if request.method == "POST" else 200)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def student_create(request):
    _open(request, STUDENTS)
    return _form_page(request, STUDENTS)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def student_edit(request, pk):
    return _form_page(request, STUDENTS, _record(request, STUDENTS, pk))


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def staff_create(request):
    _open(request, STAFF)
    return _form_page(request, STAFF)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def staff_edit(request, pk):
    return _form_page(request, STAFF, _record(request, STAFF, pk))


def _delete(request, reg: Register, pk: int):
    """GET: the confirmation page (it shows the record: logged as a view). POST: remove it."""
    record = _record(request, reg, pk)
    if request.method == "POST":
        with transaction.atomic():
            log_record(request.user, Action.DELETE, record)
            record.delete()
        messages.success(request, _("The record was removed."))
        return redirect(_url(reg, "list"))
    log_record(request.user, Action.VIEW, record)
    return render(request, "confidential/record_delete.html", {"object": record, "reg": reg})


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def student_delete(request, pk):
    return _delete(request, STUDENTS, pk)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def staff_delete(request, pk):
    return _delete(request, STAFF, pk)


# ---- the export ----------------------------------------------------------------------------------

@never_cache
@login_required
@require_safe
def student_export(request):
    """The special-group student register as a workbook, with the list's filters."""
    _open(request, STUDENTS)
    records, log_school, _context = _filtered(request, STUDENTS)
    records = list(records.select_related("school", "school_class").order_by("school__name", "next_review", "pk"))
    today = timezone.localdate()
    out = io.BytesIO()
    with transaction.atomic():
        log_records(request.user, Action.EXPORT, AccessLog.Register.STUDENT, records, school_id=log_school)
        write_special_students(records, out, exported_by=str(request.user), today=today)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="special-students-{today:%Y%m%d}.xlsx"'
    return response


# ---- the access log ------------------------------------------------------------------------------

@never_cache
@login_required
@require_safe
def access_log(request):
    """Who looked at a school's registers, and when: for the school's administrators."""
    scope = scope_for(request.user)
    _require(perms.can_see_access_log(scope))
    entries = AccessLog.objects.select_related("user", "school")
    if not scope.superuser:
        entries = entries.filter(school_id__in=scope.school_ids)
    schools = [] if scope.superuser else list(
        School.objects.filter(pk__in=scope.school_ids).only("pk", "name").order_by("name"))
    school = request.GET.get("school", "")
    if is_id(school) and (scope.superuser or int(school) in scope.school_ids):
        entries = entries.filter(school_id=int(school))
    else:
        school = ""
    register = request.GET.get("register", "")
    if register in AccessLog.Register.values:
        entries = entries.filter(register=register)
    else:
        register = ""
    since = _date(request.GET.get("from"))
    if since:
        entries = entries.filter(at__date__gte=since)
    page_obj = CappedPaginator(entries, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "confidential/access_log.html", {
        **_tabs(scope), "page_obj": page_obj, "schools": schools, "school": school, "register": register,
        "registers": AccessLog.Register.choices, "since": since, "filtered": bool(school or register or since),
    })


def _date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat((value or "").strip())
    except ValueError:
        return None
