"""The school registers for staff: hazards around schools (and their rectification), disputes (and their
mediation), confiscated dangerous items.

Who reads and who writes is `SchoolRegister.visible_to` / `editable_by`; a record outside the user's scope
does not exist for them (404), and read-only roles get 404 from the create and edit pages as well."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import BooleanField, ExpressionWrapper, Q, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from fazhi.accounts import permissions as perms
from fazhi.accounts.scope import get_editable_or_404, get_visible_or_404, scope_for
from fazhi.lib.pagination import CappedPaginator
from fazhi.lib.params import is_id
from fazhi.lib.text import CONTROL
from fazhi.org.models import School
from fazhi.tips.models import ConfiscatedItem, Dispute, Hazard
from fazhi.tips.register_forms import DisputeForm, HazardForm, RegisterItemForm

PAGE_SIZE = 25
MAX_QUERY = 100
OVERDUE = "overdue"  # the hazard list's pseudo-state


def _require(allowed: bool):
    if not allowed:
        raise Http404


def _date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _query(request) -> str:
    """The search box: plain text, no control characters, not absurdly long."""
    return CONTROL.sub("", request.GET.get("q", "")).strip()[:MAX_QUERY]


# ---- queryset helpers (the models' shared manager stays as it is) -------------------------------

def search(queryset, q: str, fields: tuple[str, ...]):
    if not q:
        return queryset
    match = Q()
    for field in fields:
        match |= Q(**{f"{field}__icontains": q})
    return queryset.filter(match)


def overdue_q(today: datetime.date | None = None) -> Q:
    """A hazard past its rectification deadline and not resolved yet."""
    return ~Q(state=Hazard.State.RESOLVED) & Q(deadline__lt=today or timezone.localdate())


def with_overdue(queryset, today: datetime.date | None = None):
    return queryset.annotate(is_overdue=ExpressionWrapper(overdue_q(today), output_field=BooleanField()))


def is_overdue(hazard: Hazard, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return hazard.state != Hazard.State.RESOLVED and hazard.deadline is not None and hazard.deadline < today


# ---- the lists -----------------------------------------------------------------------------------

def _filter_register(request, model, search_fields, states, *, date_field: str):
    """State, kind, school and search filters shared by the hazard and dispute lists. Values that are not
    valid are ignored."""
    records = model.objects.visible_to(request.user)
    state = request.GET.get("state", "")
    if state in model.State.values:
        records = records.filter(state=state)
    elif state == OVERDUE and OVERDUE in dict(states):
        records = records.filter(overdue_q())
    else:
        state = ""
    kind = request.GET.get("kind", "")
    if kind in model.Kind.values:
        records = records.filter(kind=kind)
    else:
        kind = ""
    school = request.GET.get("school", "")
    if is_id(school):
        records = records.filter(school_id=int(school))
    else:
        school = ""
    records, region, start, end = _region_and_period(request, records, date_field)
    q = _query(request)
    records = search(records, q, search_fields)
    context = {
        "q": q, "state": state, "states": states, "kind": kind, "kinds": model.Kind.choices, "school": school,
        "schools": list(School.objects.visible_to(request.user).only("pk", "name").order_by("name")),
        "region": region, "start": start, "end": end,
        "filtered": bool(state or kind or school or q or region or start or end),
    }
    return records, context


def _region_and_period(request, records, date_field: str):
    """The dashboards' drill-down: ?region= (a GB/T prefix) and ?from=/?to= on the register's own date."""
    region = request.GET.get("region", "").strip()
    if region.isdigit() and len(region) <= 6:
        records = records.filter(school__region__code__startswith=region)
    else:
        region = ""
    start, end = _date(request.GET.get("from")), _date(request.GET.get("to"))
    if start:
        records = records.filter(**{f"{date_field}__gte": start})
    if end:
        records = records.filter(**{f"{date_field}__lte": end})
    return records, region, start, end


def _page(request, records):
    return CappedPaginator(records, PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
@require_safe
def hazard_list(request):
    scope = scope_for(request.user)
    _require(perms.can_see_registers(scope))
    states = [*Hazard.State.choices, (OVERDUE, gettext_lazy("Overdue"))]
    hazards, context = _filter_register(request, Hazard, ("description", "location", "responsible"), states,
                                       date_field="found_on")
    hazards = with_overdue(hazards.select_related("school")).order_by("-found_on", "-pk")
    context.update(page_obj=_page(request, hazards), can_record=perms.can_record_registers(scope))
    return render(request, "tips/hazard_list.html", context)


@login_required
@require_safe
def dispute_list(request):
    scope = scope_for(request.user)
    _require(perms.can_see_registers(scope))
    disputes, context = _filter_register(request, Dispute, ("parties", "description", "mediator"),
                                         Dispute.State.choices, date_field="received_on")
    disputes = disputes.select_related("school").order_by("-received_on", "-pk")
    context.update(page_obj=_page(request, disputes), can_record=perms.can_record_registers(scope))
    return render(request, "tips/dispute_list.html", context)


@login_required
@require_safe
def item_list(request):
    scope = scope_for(request.user)
    _require(perms.can_see_registers(scope))
    items = ConfiscatedItem.objects.visible_to(request.user)
    kind = request.GET.get("kind", "")
    if kind in ConfiscatedItem.Kind.values:
        items = items.filter(kind=kind)
    else:
        kind = ""
    school = request.GET.get("school", "")
    if is_id(school):
        items = items.filter(school_id=int(school))
    else:
        school = ""
    items, region, start, end = _region_and_period(request, items, "seized_on")
    totals = items.aggregate(items=Coalesce(Sum("count"), 0))  # one query for the whole filtered set
    items = items.select_related("school", "recorded_by").order_by("-seized_on", "-pk")
    return render(request, "tips/item_list.html", {
        "page_obj": _page(request, items), "totals": totals, "kind": kind, "kinds": ConfiscatedItem.Kind.choices,
        "school": school, "start": start, "end": end,
        "schools": list(School.objects.visible_to(request.user).only("pk", "name").order_by("name")),
        "filtered": bool(kind or school or start or end or region), "can_record": perms.can_record_registers(scope),
    })


# ---- one record ----------------------------------------------------------------------------------

def _detail(request, model, pk, template):
    scope = scope_for(request.user)
    _require(perms.can_see_registers(scope))
    record = get_visible_or_404(model, request.user, pk=pk)
    can_record = perms.can_record_registers(scope)
    can_edit = can_record and model.objects.editable_by(request.user).filter(pk=record.pk).exists()
    return render(request, template, {"object": record, "can_edit": can_edit, "can_record": can_record,
                                      "is_overdue": isinstance(record, Hazard) and is_overdue(record)})


@login_required
@require_safe
def hazard_detail(request, pk):
    return _detail(request, Hazard, pk, "tips/hazard_detail.html")


@login_required
@require_safe
def dispute_detail(request, pk):
    return _detail(request, Dispute, pk, "tips/dispute_detail.html")


# ---- recording and updating ----------------------------------------------------------------------

def _form_page(request, form_class, instance=None, *, title, done, cancel):
    """Create (instance None) or update one record. `done(record)` is where to go after saving."""
    form = form_class(request.POST or None, instance=instance, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            record = form.save(commit=False)
            if instance is None:
                record.recorded_by = request.user
            record.save()
            messages.success(request, _("Recorded. Thank you.") if instance is None else _("Changes saved."))
            return redirect(done(record))
        status = 400
    else:
        status = 200
    return render(request, "tips/register_form.html", {"form": form, "object": instance, "title": title,
                                                       "cancel": cancel}, status=status)


def _recorder(request):
    _require(perms.can_record_registers(scope_for(request.user)))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def hazard_create(request):
    _recorder(request)
    return _form_page(request, HazardForm, title=_("Record a hazard"), cancel=reverse("registers:hazard_list"),
                      done=lambda h: reverse("registers:hazard_detail", args=[h.pk]))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def hazard_edit(request, pk):
    _recorder(request)
    hazard = get_editable_or_404(Hazard, request.user, pk=pk)
    return _form_page(request, HazardForm, hazard, title=_("Update the hazard"),
                      cancel=reverse("registers:hazard_detail", args=[hazard.pk]),
                      done=lambda h: reverse("registers:hazard_detail", args=[h.pk]))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def dispute_create(request):
    _recorder(request)
    return _form_page(request, DisputeForm, title=_("Record a dispute"),
                      cancel=reverse("registers:dispute_list"),
                      done=lambda d: reverse("registers:dispute_detail", args=[d.pk]))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def dispute_edit(request, pk):
    _recorder(request)
    dispute = get_editable_or_404(Dispute, request.user, pk=pk)
    return _form_page(request, DisputeForm, dispute, title=_("Update the dispute"),
                      cancel=reverse("registers:dispute_detail", args=[dispute.pk]),
                      done=lambda d: reverse("registers:dispute_detail", args=[d.pk]))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def item_create(request):
    """Items found outside a case (a bag check, a sweep of the school gate); items of a case are recorded
    on the case page."""
    _recorder(request)
    return _form_page(request, RegisterItemForm, title=_("Record confiscated items"),
                      cancel=reverse("registers:item_list"),
                      done=lambda i: reverse("registers:item_list"))
