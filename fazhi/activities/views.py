"""The education ledger's recording pages: the list, one activity with its evidence and history, recording
from a phone, corrections within the edit window, and the scoped evidence downloads."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import OuterRef
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from fazhi.accounts import permissions as perms
from fazhi.accounts.scope import get_editable_or_404, get_visible_or_404, scope_for
from fazhi.activities import evidence as ev
from fazhi.activities.forms import ActivityForm, recorder_for
from fazhi.activities.models import Activity, Evidence, Kind, Mode, Topic
from fazhi.activities.services import MAIN_FIELDS, ActivityLocked, change_activity, record_activity
from fazhi.lib.pagination import CappedPaginator, few
from fazhi.lib.params import is_id
from fazhi.lib.queries import count_of
from fazhi.org.models import Officer, School

PAGE_SIZE = 25


def _require(allowed: bool):
    if not allowed:
        raise Http404


def _date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


# ---- the list ------------------------------------------------------------------------------------

@login_required
@require_safe
def activity_list(request):
    scope = scope_for(request.user)
    _require(perms.can_see_activities(scope))
    activities = Activity.objects.visible_to(request.user)
    kind = request.GET.get("kind", "")
    if kind in Kind.values:
        activities = activities.filter(kind=kind)
    start, end = _date(request.GET.get("from")), _date(request.GET.get("to"))
    activities = activities.between(start, end)
    school = request.GET.get("school", "")
    if is_id(school):
        activities = activities.filter(school_id=int(school))
    officer = request.GET.get("officer", "")
    if is_id(officer):
        activities = activities.filter(officer_id=int(officer))
    region = request.GET.get("region", "").strip()
    if region.isdigit() and len(region) <= 6:  # drill-down from the figures and the dashboards
        activities = activities.in_region(region)
    unit = request.GET.get("unit", "")
    if is_id(unit):
        activities = activities.filter(officer__unit_id=int(unit))
    q = request.GET.get("q", "").strip()
    activities = activities.search(q)
    activities = (activities.select_related("school", "officer")
                  .prefetch_related("classes")
                  .annotate(evidence_count=count_of(Evidence.objects.filter(activity=OuterRef("pk"))))
                  .order_by("-date", "-pk"))
    page = CappedPaginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))
    # Drop-downs for a county; in a larger scope the search box finds schools and officers by name.
    schools = few(School.objects.visible_to(request.user).only("pk", "name").order_by("name"))
    officers = few(Officer.objects.visible_to(request.user).only("pk", "name").order_by("name"))
    return render(request, "activities/activity_list.html", {
        "page_obj": page, "kind": kind, "kinds": Kind.choices, "start": start, "end": end,
        "region": region if region.isdigit() and len(region) <= 6 else "", "unit": unit if is_id(unit) else "",
        "school": school, "schools": schools, "officer": officer, "officers": officers, "q": q,
        "filtered": bool(kind in Kind.values or start or end or school or officer or q or region or unit),
        "can_record": perms.can_record_activities(scope),
    })


# ---- one activity --------------------------------------------------------------------------------

@login_required
@require_safe
def activity_detail(request, pk):
    activity = get_visible_or_404(Activity, request.user, pk=pk)
    evidence = list(activity.evidence.all())
    can_edit = Activity.objects.editable_by(request.user).filter(pk=activity.pk).exists()
    return render(request, "activities/activity_detail.html", {
        "activity": activity, "classes": list(activity.classes.order_by("grade", "number")),
        "topics": [Topic(t).label for t in activity.topics if t in Topic.values],
        "photos": [e for e in evidence if e.type == Evidence.Type.PHOTO],
        "files": [e for e in evidence if e.type == Evidence.Type.FILE],
        "can_edit": can_edit and not activity.is_locked, "locked": can_edit and activity.is_locked,
        "history": history_rows(activity), "can_record": perms.can_record_activities(scope_for(request.user)),
    })


def history_rows(activity: Activity) -> list[dict]:
    """Every version, newest first, with who, when and which main fields changed (a fixed number of queries)."""
    records = list(activity.history.select_related("history_user").order_by("history_date", "history_id"))
    schools = dict(School.objects.filter(pk__in={r.school_id for r in records}).values_list("pk", "name"))
    officers = dict(Officer.objects.filter(pk__in={r.officer_id for r in records if r.officer_id})
                    .values_list("pk", "name"))
    fields = [Activity._meta.get_field(name) for name in MAIN_FIELDS]

    def show(field, value):
        if value is None or value == "":
            return "—"
        if field.name == "school":
            return schools.get(value, value)
        if field.name == "officer":
            return officers.get(value, value)
        if field.name == "topics":
            return ", ".join(str(Topic(t).label) if t in Topic.values else t for t in value) or "—"
        if field.name == "kind":
            return Kind(value).label if value in Kind.values else value
        if field.name == "mode":
            return Mode(value).label if value in Mode.values else value
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        return value

    rows, previous = [], None
    for record in records:
        changes = []
        if previous is not None:
            for f in fields:
                old, new = getattr(previous, f.attname), getattr(record, f.attname)
                if old != new:
                    changes.append((f.verbose_name, show(f, old), show(f, new)))
        rows.append({"record": record, "changes": changes})
        previous = record
    return rows[::-1]


# ---- recording and correcting --------------------------------------------------------------------

@login_required
def record(request):
    scope = scope_for(request.user)
    _require(perms.can_record_activities(scope))
    recorder = recorder_for(request.user)
    if not recorder.can_record:
        return render(request, "activities/activity_form.html", {"form": None})
    form = ActivityForm(request.POST or None, request.FILES or None, recorder=recorder,
                        school=request.GET.get("school"), officer=request.GET.get("officer"))
    if request.method == "POST":
        if form.is_valid():
            try:
                activity = record_activity(by=request.user, data=form.cleaned_data, uploads=form.uploads)
            except ValidationError as e:
                form.add_error(None, e.messages)
            else:
                messages.success(request, _("Recorded. Thank you."))
                return redirect("activities:detail", pk=activity.pk)
        return render(request, "activities/activity_form.html", {"form": form}, status=400)
    return render(request, "activities/activity_form.html", {"form": form})


@login_required
def activity_edit(request, pk):
    activity = get_editable_or_404(Activity, request.user, pk=pk)
    if activity.is_locked:
        return render(request, "activities/activity_locked.html", {"activity": activity}, status=403)
    recorder = recorder_for(request.user, instance=activity)
    form = ActivityForm(request.POST or None, request.FILES or None, instance=activity, recorder=recorder)
    if request.method == "POST":
        if form.is_valid():
            try:
                change_activity(by=request.user, activity=activity, data=form.cleaned_data, uploads=form.uploads,
                                remove=list(form.cleaned_data.get("remove_evidence") or []))
            except ActivityLocked:
                return render(request, "activities/activity_locked.html", {"activity": activity}, status=403)
            except ValidationError as e:
                form.add_error(None, e.messages)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("activities:detail", pk=activity.pk)
        return render(request, "activities/activity_form.html", {"form": form, "activity": activity}, status=400)
    return render(request, "activities/activity_form.html", {"form": form, "activity": activity})


@login_required
@require_safe
def class_choices(request):
    """The class checkboxes of one school (htmx swaps them in when the school changes)."""
    _require(perms.can_record_activities(scope_for(request.user)))
    recorder = recorder_for(request.user)
    school = recorder.school(request.GET.get("school"))
    classes = list(recorder.classes.filter(school=school)) if school else []
    return render(request, "activities/_class_choices.html", {
        "school": school, "classes": classes,
        "ticked": {c.pk for c in classes if c.pk in recorder.own_class_ids},
    })


# ---- evidence ------------------------------------------------------------------------------------

def _visible_evidence(user, pk) -> Evidence:
    """Evidence of an activity the user may see; anything else does not exist for them."""
    evidence = Evidence.objects.filter(pk=pk, activity__in=Activity.objects.visible_to(user)).first()
    if evidence is None:
        raise Http404
    return evidence


def _serve(fieldfile, *, content_type: str, filename: str, attachment: bool):
    if not fieldfile:
        raise Http404
    try:
        handle = fieldfile.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type, as_attachment=attachment, filename=filename)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_safe
def evidence_file(request, pk):
    evidence = _visible_evidence(request.user, pk)
    is_photo = evidence.type == Evidence.Type.PHOTO
    name = evidence.original_name or "evidence"
    if is_photo:  # the stored copy is always a JPEG, whatever the phone sent
        name = name.rsplit(".", 1)[0] + ".jpg"
    return _serve(evidence.file, content_type=ev.content_type(evidence), filename=name, attachment=not is_photo)


@login_required
@require_safe
def evidence_thumbnail(request, pk):
    evidence = _visible_evidence(request.user, pk)
    return _serve(evidence.thumbnail, content_type="image/jpeg", filename=f"thumb-{evidence.pk}.jpg",
                  attachment=False)
