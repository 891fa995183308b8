"""Case handling for staff: the case list, entering a clue from another channel, one case with its report,
actions, thread with the reporter, internal notes and timeline, the photos, and the region's deadlines."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from fazhi.accounts import permissions as perms
from fazhi.accounts.scope import scope_for
from fazhi.assignments.models import Pairing
from fazhi.assignments.views import _committee_regions
from fazhi.lib.pagination import CappedPaginator
from fazhi.lib.params import is_id
from fazhi.org.models import School
from fazhi.tips import services
from fazhi.tips.forms import (
    AppealForm,
    CasePolicyForm,
    CloseForm,
    ClueForm,
    DecisionForm,
    HandoverForm,
    ItemForm,
    MessageForm,
    NoteForm,
)
from fazhi.tips.models import OPEN, Case, CasePolicy, Category, Channel, ConfiscatedItem, Status, TipPhoto

PAGE_SIZE = 25
STATES = [("open", gettext_lazy("Not yet closed")), ("overdue", gettext_lazy("Overdue")),
          ("urgent", gettext_lazy("Urgent, not yet acknowledged"))]


def _date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _require(allowed: bool):
    if not allowed:
        raise Http404


# ---- the list ------------------------------------------------------------------------------------

@login_required
@require_safe
def case_list(request):
    scope = scope_for(request.user)
    _require(perms.can_see_cases(scope))
    cases = Case.objects.visible_to(request.user)
    state = request.GET.get("state", "")
    cases = cases.in_state(state)
    category = request.GET.get("category", "")
    if category in Category.values:
        cases = cases.filter(tip__category=category)
    channel = request.GET.get("channel", "")
    if channel in Channel.values:
        cases = cases.filter(tip__channel=channel)
    school = request.GET.get("school", "")
    if is_id(school):
        cases = cases.filter(tip__school_id=int(school))
    region = request.GET.get("region", "").strip()
    if region.isdigit() and len(region) <= 6:
        cases = cases.filter(tip__school__region__code__startswith=region)
    start, end = _date(request.GET.get("from")), _date(request.GET.get("to"))
    if start:
        cases = cases.filter(tip__created_at__date__gte=start)
    if end:
        cases = cases.filter(tip__created_at__date__lte=end)
    unit = request.GET.get("unit", "")
    if is_id(unit):  # the schools paired with a unit (the dashboards' drill-down)
        cases = cases.filter(tip__school_id__in=Pairing.objects.filter(unit_id=int(unit)).values("school_id"))
    if request.GET.get("mine") == "1":
        cases = cases.filter(owner=request.user)
    q = request.GET.get("q", "").strip()
    cases = cases.search(q)
    cases = cases.select_related("tip__school", "tip__school_class", "owner").order_by("-tip__created_at", "-pk")
    page = CappedPaginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for case in page:
        case.overdue = case.overdue_reason(now)
    return render(request, "tips/case_list.html", {
        "page_obj": page, "state": state, "states": STATES + list(Status.choices), "category": category,
        "categories": Category.choices, "channel": channel, "channels": Channel.choices, "school": school,
        "schools": list(School.objects.visible_to(request.user).only("pk", "name").order_by("name")[:500]),
        "mine": request.GET.get("mine") == "1", "q": q,
        "filtered": any(request.GET.get(k) for k in ("state", "category", "channel", "school", "mine", "q", "region",
                                                     "from", "to", "unit")),
        "region": region, "start": start, "end": end,
        "can_register": perms.can_register_clues(scope),
        "can_set_deadlines": perms.can_set_case_deadlines(scope),
    })


# ---- entering a clue -------------------------------------------------------------------------------

@login_required
def register(request):
    _require(perms.can_register_clues(scope_for(request.user)))
    form = ClueForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        tip = services.register_clue(by=request.user, **data)
        messages.success(request, _("Clue %(number)s entered; its handlers have been notified.")
                         % {"number": tip.number})
        if Case.objects.visible_to(request.user).filter(pk=tip.pk).exists():
            return redirect("tips:case", tip.pk)
        return redirect("tips:list")
    return render(request, "tips/clue_form.html", {"form": form})


# ---- one case ------------------------------------------------------------------------------------

def _case(request, pk, *, edit: bool) -> Case:
    if pk > 2**63 - 1:  # the case's key is the tip's; SQLite cannot even compare a larger number
        raise Http404
    qs = Case.objects.editable_by(request.user) if edit else Case.objects.visible_to(request.user)
    case = qs.select_related("tip__school__region", "tip__school_class", "owner").filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


@login_required
@require_safe
def case_detail(request, pk):
    case = _case(request, pk, edit=False)
    return render(request, "tips/case_detail.html", _detail_context(request, case))


def _detail_context(request, case: Case, **forms) -> dict:
    tip = case.tip
    can_edit = Case.objects.editable_by(request.user).filter(pk=case.pk).exists()
    status = case.status
    context = {
        "case": case, "tip": tip, "can_edit": can_edit, "overdue": case.overdue_reason(),
        "photos": list(tip.photos.all()), "thread": list(tip.messages.select_related("author")),
        "events": list(case.events.select_related("actor")),
        "items": list(ConfiscatedItem.objects.filter(case=case)),
        "policy": CasePolicy.for_region(tip.school.region_id),
    }
    if can_edit:
        context.update({
            "can_acknowledge": status == Status.RECEIVED,
            "can_investigate": status in (Status.RECEIVED, Status.ACKNOWLEDGED),
            "decision_form": forms.get("decision_form") or (DecisionForm(instance=case) if status in (
                Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.RECHECK) else None),
            "close_form": forms.get("close_form") or (CloseForm() if status == Status.DECIDED else None),
            "appeal_form": forms.get("appeal_form") or (AppealForm(case=case) if status in (
                Status.DECIDED, Status.CLOSED) else None),
            "note_form": forms.get("note_form") or NoteForm(),
            "message_form": (forms.get("message_form") or MessageForm()) if tip.is_online else None,
            "item_form": forms.get("item_form") or ItemForm(),
            "handover_form": forms.get("handover_form") or (HandoverForm(candidates=[
                u for u in services.handover_candidates(case) if u.pk not in (case.owner_id, request.user.pk)])
                if services.may_hand_over(case, request.user) else None),
            "can_mark_urgent": not case.urgent and status in OPEN,
        })
    return context


def _done(request, case, message):
    messages.success(request, message)
    return redirect("tips:case", case.pk)


def _step(request, pk, action, message):
    """A button that moves the case on: acknowledge, start the investigation, mark urgent."""
    case = _case(request, pk, edit=True)
    try:
        action(case, by=request.user)
    except services.WorkflowError as e:
        messages.error(request, str(e))
        return redirect("tips:case", case.pk)
    return _done(request, case, message)


@login_required
@require_POST
def acknowledge(request, pk):
    return _step(request, pk, services.acknowledge, _("Acknowledged: the case is yours until you hand it on."))


@login_required
@require_POST
def investigate(request, pk):
    return _step(request, pk, services.start_investigation, _("Investigation started."))


@login_required
@require_POST
def mark_urgent(request, pk):
    return _step(request, pk, services.mark_urgent, _("Marked urgent."))


def _form_step(request, pk, form_class, name, apply, message, **form_kwargs):
    """A form that moves the case on or adds to it; an invalid form shows the case page with its errors."""
    case = _case(request, pk, edit=True)
    if form_class is DecisionForm:
        form = DecisionForm(request.POST, instance=case)
    else:
        form = form_class(request.POST, **({"case": case} if form_class is AppealForm else {}),
                          **{k: v(case) for k, v in form_kwargs.items()})
    if form.is_valid():
        try:
            apply(case, form.cleaned_data)
        except services.WorkflowError as e:
            messages.error(request, str(e))
            return redirect("tips:case", case.pk)
        return _done(request, case, message)
    messages.error(request, _("Please correct the errors below."))
    return render(request, "tips/case_detail.html", _detail_context(request, case, **{name: form}), status=400)


@login_required
@require_POST
def decide(request, pk):
    return _form_step(request, pk, DecisionForm, "decision_form",
                      lambda case, data: services.decide(case, by=request.user, **data), _("Decision recorded."))


@login_required
@require_POST
def close(request, pk):
    return _form_step(request, pk, CloseForm, "close_form",
                      lambda case, data: services.close(case, by=request.user, note=data["note"]), _("Case closed."))


@login_required
@require_POST
def appeal(request, pk):
    return _form_step(request, pk, AppealForm, "appeal_form",
                      lambda case, data: services.appeal(case, by=request.user, **data),
                      _("Appeal recorded: the case is being re-checked."))


@login_required
@require_POST
def note(request, pk):
    return _form_step(request, pk, NoteForm, "note_form",
                      lambda case, data: services.add_note(case, by=request.user, text=data["text"]),
                      _("Note added."))


@login_required
@require_POST
def message(request, pk):
    return _form_step(request, pk, MessageForm, "message_form",
                      lambda case, data: services.message_reporter(case, by=request.user, body=data["body"]),
                      _("Message sent: the reporter sees it with their receipt code."))


@login_required
@require_POST
def handover(request, pk):
    return _form_step(request, pk, HandoverForm, "handover_form",
                      lambda case, data: services.hand_over(case, by=request.user, to=data["to"], note=data["note"]),
                      _("Case handed over."), candidates=services.handover_candidates)


@login_required
@require_POST
def items(request, pk):
    return _form_step(request, pk, ItemForm, "item_form",
                      lambda case, data: services.record_items(by=request.user, school=case.tip.school, case=case,
                                                               **data),
                      _("Confiscated items recorded."))


@login_required
@require_safe
def photo(request, pk):
    item = TipPhoto.objects.filter(pk=pk, tip__in=Case.objects.visible_to(request.user).values("tip_id")).first()
    if item is None:
        raise Http404
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


# ---- deadlines --------------------------------------------------------------------------------------

@login_required
def policy_edit(request):
    _require(perms.can_set_case_deadlines(scope_for(request.user)))
    regions = _committee_regions(request.user)
    code = request.GET.get("region") or request.POST.get("region") or (regions.first().code if regions.exists() else "")
    region = regions.filter(pk=code).first()
    _require(region is not None)
    policy = CasePolicy.objects.filter(region=region).first() or CasePolicy(region=region, **{
        f: getattr(CasePolicy.for_region(region.code), f) for f in CasePolicyForm.Meta.fields})
    form = CasePolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                form.save()
        except (IntegrityError, ValidationError):
            messages.error(request, _("Someone else saved these deadlines at the same moment; check them and save "
                                      "again."))
            return redirect(f"{request.path}?region={region.code}")
        messages.success(request, _("Deadlines saved for %(region)s. They apply to tips arriving from now on.")
                         % {"region": region.full_name})
        return redirect(f"{request.path}?region={region.code}")
    return render(request, "tips/policy_form.html", {"form": form, "region": region, "regions": regions,
                                                     "inherited": policy._state.adding})
