"""The staff JSON API at /api/v1/ (django-ninja): the main records, scoped exactly as the pages are.

Every list and every object lookup goes through the model's `visible_to(user)`: an object outside the caller's
scope is a 404 here as on the pages. Recording an activity runs the recording page's own
form and service. The caller is the token's user (`fazhi.api.auth`); the session cookie is not read.
"""

import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse, QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import File, Form, NinjaAPI, Path, Query, Status, UploadedFile
from ninja.errors import HttpError
from ninja.renderers import JSONRenderer

from fazhi.accounts import permissions as perms
from fazhi.accounts.scope import get_visible_or_404, scope_for
from fazhi.activities.forms import ActivityForm, recorder_for
from fazhi.activities.models import Activity, Kind
from fazhi.activities.services import record_activity
from fazhi.activities.stats import figures, figures_region, period_dates
from fazhi.api import schemas as s
from fazhi.api.auth import TokenAuth
from fazhi.assignments.models import Assignment
from fazhi.lib.pagination import COUNT_CAP
from fazhi.org.models import Officer, School, SchoolClass
from fazhi.surveys.models import Survey
from fazhi.surveys.results import results_for
from fazhi.tips.models import Case, Category
from fazhi.tips.models import Status as CaseStatus

DESCRIPTION = gettext_noop(
    "The staff API of fazhi. Authenticate every call with `Authorization: Bearer <key>`; make a key on the "
    "page “API tokens” (user menu). Every list and object is limited to what the key's user sees on the "
    "pages; an object outside that scope answers 404. Lists take `limit` (at most 100) and `offset`.")


def _openapi_access(view):
    """The OpenAPI document: for a logged-in member of staff (the browser) or a valid token."""

    def wrapped(request, *args, **kwargs):
        user = request.user if request.user.is_authenticated else TokenAuth()(request)
        if not user or not user.is_active or scope_for(user).is_empty:
            return JsonResponse({"detail": "Unauthorized"}, status=401)
        return view(request, *args, **kwargs)

    return wrapped


class Renderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}  # Chinese as UTF-8, not \u escapes


class FazhiAPI(NinjaAPI):
    def create_response(self, request, data, **kwargs):
        response = super().create_response(request, data, **kwargs)
        response["Cache-Control"] = "no-store"  # a user's records: not kept by a proxy or the phone
        return response


api = FazhiAPI(title="fazhi", version="1", description=DESCRIPTION, urls_namespace="api", docs_url=None,
               openapi_url="/openapi.json", docs_decorator=_openapi_access, auth=TokenAuth(),
               renderer=Renderer())

Id = Path(..., ge=1, le=s.MAX_ID)
OptionalId = Query(None, ge=1, le=s.MAX_ID)
ClassId = Query(None, alias="class", ge=1, le=s.MAX_ID)
Limit = Query(25, ge=1, le=s.MAX_LIMIT, description=gettext_noop("Records per page, at most 100"))
Offset = Query(0, ge=0, le=COUNT_CAP,
               description=gettext_noop("Records to skip, at most 10,000 (the lists count up to 10,000)"))
Text = Query(None, max_length=100, pattern=r"^[^\x00]*$", description=gettext_noop("Search text"))
RegionCode = Query(None, pattern=r"^[0-9]{2,6}$",
                   description=gettext_noop("GB/T 2260 region code or prefix, e.g. 620982"))
From = Query(None, alias="from", description=gettext_noop("From this date (YYYY-MM-DD)"))
To = Query(None, alias="to", description=gettext_noop("Up to this date, inclusive (YYYY-MM-DD)"))
SchoolYear = Query(None, ge=2000, le=2100)

ERRORS = {401: s.Error, 422: s.ValidationErrors}
LIST = {**ERRORS, 403: s.Error}
DETAIL = {**ERRORS, 404: s.Error}


def _require(allowed: bool):
    if not allowed:
        raise HttpError(403, _("Your role may not use this."))


def _page(queryset, limit: int, offset: int) -> dict:
    """One page, with the total counted up to the same cap as the pages' lists."""
    counted = queryset.order_by().values("pk")[:COUNT_CAP + 1].count()
    return {"count": min(counted, COUNT_CAP), "more": counted > COUNT_CAP, "limit": limit, "offset": offset,
            "items": list(queryset[offset:offset + limit])}


# ---- schools, classes, officers ----------------------------------------------------------------------------

SchoolPage = s.page_of(s.SchoolOut, "SchoolPage")
ClassPage = s.page_of(s.ClassOut, "ClassPage")
OfficerPage = s.page_of(s.OfficerOut, "OfficerPage")
AssignmentPage = s.page_of(s.AssignmentOut, "AssignmentPage")
ActivityPage = s.page_of(s.ActivityOut, "ActivityPage")
CasePage = s.page_of(s.CaseSummary, "CasePage")
SurveyPage = s.page_of(s.SurveyOut, "SurveyPage")


@api.get("/schools", response={200: SchoolPage, **LIST}, tags=["registry"], summary=gettext_noop("Schools"))
def list_schools(request, q: str | None = Text, region: s.blank_is_none(str) = RegionCode, limit: int = Limit,
                 offset: int = Offset):
    _require(perms.can_see_schools(scope_for(request.user)))
    schools = (School.objects.visible_to(request.user).select_related("region")
               .order_by("region_id", "name", "pk"))
    if region:
        schools = schools.filter(region__code__startswith=region)
    return _page(schools.search(q), limit, offset)


@api.get("/schools/{school_id}", response={200: s.SchoolOut, **DETAIL}, tags=["registry"],
         summary=gettext_noop("One school"))
def get_school(request, school_id: int = Id):
    return School.objects.visible_to(request.user).select_related("region").filter(pk=school_id).first() \
        or _not_found()


@api.get("/classes", response={200: ClassPage, **LIST}, tags=["registry"], summary=gettext_noop("Classes"))
def list_classes(request, q: str | None = Text, school: s.OptionalInt = OptionalId,
                 region: s.blank_is_none(str) = RegionCode, school_year: s.OptionalInt = SchoolYear, limit: int = Limit,
                 offset: int = Offset):
    _require(perms.can_see_schools(scope_for(request.user)))
    classes = SchoolClass.objects.visible_to(request.user).select_related("school").order_by(
        "school__name", "-school_year", "grade", "number", "pk")
    if school:
        classes = classes.filter(school_id=school)
    if region:
        classes = classes.filter(school__region__code__startswith=region)
    if school_year:
        classes = classes.filter(school_year=school_year)
    return _page(classes.search(q), limit, offset)


@api.get("/classes/{class_id}", response={200: s.ClassOut, **DETAIL}, tags=["registry"],
         summary=gettext_noop("One class"))
def get_class(request, class_id: int = Id):
    return SchoolClass.objects.visible_to(request.user).select_related("school").filter(pk=class_id).first() \
        or _not_found()


@api.get("/officers", response={200: OfficerPage, **LIST}, tags=["registry"],
         summary=gettext_noop("Officers"))
def list_officers(request, q: str | None = Text, unit: s.OptionalInt = OptionalId,
                  region: s.blank_is_none(str) = RegionCode,
                  status: s.blank_is_none(s.choice(Officer.Status)) = None, limit: int = Limit, offset: int = Offset):
    _require(perms.can_see_officers(scope_for(request.user)))
    officers = (Officer.objects.visible_to(request.user).select_related("unit")
                .order_by("unit__name", "name", "pk"))
    if unit:
        officers = officers.filter(unit_id=unit)
    if region:
        officers = officers.filter(unit__region__code__startswith=region)
    if status:
        officers = officers.filter(status=status)
    return _page(officers.search(q), limit, offset)


@api.get("/officers/{officer_id}", response={200: s.OfficerOut, **DETAIL}, tags=["registry"],
         summary=gettext_noop("One officer"))
def get_officer(request, officer_id: int = Id):
    return Officer.objects.visible_to(request.user).select_related("unit").filter(pk=officer_id).first() \
        or _not_found()


# ---- assignments -------------------------------------------------------------------------------------------

def _assignments(user):
    return Assignment.objects.visible_to(user).select_related("officer", "school", "school_class")


@api.get("/assignments", response={200: AssignmentPage, **LIST}, tags=["assignments"],
         summary=gettext_noop("Assignments"))
def list_assignments(request, q: str | None = Text, school: s.OptionalInt = OptionalId,
                     officer: s.OptionalInt = OptionalId, status: s.blank_is_none(s.choice(Assignment.Status)) = None,
                     role: s.blank_is_none(s.choice(Assignment.Role)) = None,
                     school_year: s.OptionalInt = SchoolYear, limit: int = Limit,
                     offset: int = Offset):
    _require(perms.can_see_assignments(scope_for(request.user)))
    qs = _assignments(request.user).order_by("-proposed_at", "-pk")
    for field, value in (("school_id", school), ("officer_id", officer), ("status", status), ("role", role),
                         ("school_year", school_year)):
        if value:
            qs = qs.filter(**{field: value})
    return _page(qs.search(q), limit, offset)


@api.get("/assignments/{assignment_id}", response={200: s.AssignmentOut, **DETAIL}, tags=["assignments"],
         summary=gettext_noop("One assignment"))
def get_assignment(request, assignment_id: int = Id):
    return _assignments(request.user).filter(pk=assignment_id).first() or _not_found()


# ---- activities --------------------------------------------------------------------------------------------

def _activities(user):
    return (Activity.objects.visible_to(user).select_related("school", "officer")
            .prefetch_related("classes", "evidence"))


@api.get("/activities", response={200: ActivityPage, **LIST}, tags=["activities"],
         summary=gettext_noop("Activities"))
def list_activities(request, q: str | None = Text, kind: s.blank_is_none(s.choice(Kind)) = None,
                    school: s.OptionalInt = OptionalId, officer: s.OptionalInt = OptionalId,
                    region: s.blank_is_none(str) = RegionCode, start: s.blank_is_none(datetime.date) = From,
                    end: s.blank_is_none(datetime.date) = To, limit: int = Limit, offset: int = Offset):
    _require(perms.can_see_activities(scope_for(request.user)))
    activities = _activities(request.user).between(start, end).order_by("-date", "-pk")
    for field, value in (("kind", kind), ("school_id", school), ("officer_id", officer)):
        if value:
            activities = activities.filter(**{field: value})
    if region:
        activities = activities.in_region(region)
    return _page(activities.search(q), limit, offset)


@api.get("/activities/{activity_id}", response={200: s.ActivityOut, **DETAIL}, tags=["activities"],
         summary=gettext_noop("One activity"))
def get_activity(request, activity_id: int = Id):
    return _activities(request.user).filter(pk=activity_id).first() or _not_found()


@api.post("/activities", response={201: s.ActivityOut, 400: s.FieldErrors, **LIST}, tags=["activities"],
          summary=gettext_noop("Record an activity"),
          description=gettext_noop("Multipart form with the recording page's fields; `photos` (JPEG, PNG, "
                                   "WebP) and `files` (PDF, .docx, .xlsx) as evidence, checked as on the "
                                   "page."))
def create_activity(request, payload: Form[s.ActivityIn], photos: File[list[UploadedFile]] = None,
                    files: File[list[UploadedFile]] = None):
    _require(perms.can_record_activities(scope_for(request.user)))
    recorder = recorder_for(request.user)
    _require(recorder.can_record)
    form = ActivityForm(_form_data(payload), MultiValueDict({"photos": list(photos or []),
                                                             "files": list(files or [])}), recorder=recorder)
    # The page fixes the school (or the officer) when the user has only one to choose; a client that names
    # another is told so rather than having its choice silently replaced.
    refused = {}
    invalid = [form.fields["school"].error_messages["invalid_choice"]]
    if payload.school is not None and recorder.school(payload.school) is None:
        refused["school"] = invalid
    if payload.officer is not None and not recorder.officers.filter(pk=payload.officer).exists():
        refused["officer"] = invalid
    if refused:
        return Status(400, _field_errors(refused))
    if form.is_valid():
        try:
            activity = record_activity(by=request.user, data=form.cleaned_data, uploads=form.uploads)
        except ValidationError as e:
            messages = e.message_dict if hasattr(e, "error_dict") else {"__all__": e.messages}
            return Status(400, _field_errors(messages))
        return Status(201, _activities(request.user).get(pk=activity.pk))
    return Status(400, _field_errors(dict(form.errors.items())))


def _form_data(payload: s.ActivityIn) -> QueryDict:
    """The payload as the recording page's form would post it."""
    data = QueryDict(mutable=True)
    for name, value in payload.dict().items():
        if value is None or value == "":
            continue
        if isinstance(value, list):
            data.setlist(name, [str(v) for v in value])
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, datetime.date):
            data[name] = value.isoformat()
        else:
            data[name] = str(value)
    return data


def _field_errors(errors: dict) -> dict:
    return {"detail": _("The activity was not recorded: check the fields."),
            "errors": {name: [str(m) for m in messages] for name, messages in errors.items()}}


# ---- cases -------------------------------------------------------------------------------------------------

def _cases(user):
    return Case.objects.visible_to(user).select_related("tip__school", "tip__school_class", "tip__entered_by",
                                                        "owner")


@api.get("/cases", response={200: CasePage, **LIST}, tags=["cases"], summary=gettext_noop("Cases"),
         description=gettext_noop("The cases of the tip line and of clues entered by staff that the caller "
                                  "handles."))
def list_cases(request, q: str | None = Text,
               state: s.blank_is_none(Literal["open", "overdue", "urgent"] | s.choice(CaseStatus)) = None,
               category: s.blank_is_none(s.choice(Category)) = None, school: s.OptionalInt = OptionalId,
               region: s.blank_is_none(str) = RegionCode, mine: bool = False, limit: int = Limit, offset: int = Offset):
    _require(perms.can_see_cases(scope_for(request.user)))
    cases = _cases(request.user).order_by("-tip__created_at", "-pk")
    cases = cases.in_state(state)
    if category:
        cases = cases.filter(tip__category=category)
    if school:
        cases = cases.filter(tip__school_id=school)
    if region:
        cases = cases.filter(tip__school__region__code__startswith=region)
    if mine:
        cases = cases.filter(owner=request.user)
    return _page(cases.search(q), limit, offset)


@api.get("/cases/{case_id}", response={200: s.CaseOut, **DETAIL}, tags=["cases"],
         summary=gettext_noop("One case"))
def get_case(request, case_id: int = Id):
    return _cases(request.user).filter(pk=case_id).first() or _not_found()


# ---- surveys -----------------------------------------------------------------------------------------------

@api.get("/surveys", response={200: SurveyPage, **LIST}, tags=["surveys"], summary=gettext_noop("Surveys"))
def list_surveys(request, q: str | None = Text, limit: int = Limit, offset: int = Offset):
    _require(perms.can_see_surveys(scope_for(request.user)))
    surveys = (Survey.objects.visible_to(request.user).select_related("questionnaire")
               .order_by("-opens_on", "-pk"))
    return _page(surveys.search(q), limit, offset)


@api.get("/surveys/{survey_id}", response={200: s.SurveyOut, **DETAIL}, tags=["surveys"],
         summary=gettext_noop("One survey"))
def get_survey(request, survey_id: int = Id):
    surveys = Survey.objects.visible_to(request.user).select_related("questionnaire")
    return surveys.filter(pk=survey_id).first() or _not_found()


@api.get("/surveys/{survey_id}/results", response={200: s.SurveyResultsOut, **DETAIL}, tags=["surveys"],
         summary=gettext_noop("A survey's results, small groups suppressed"),
         description=gettext_noop("What the results page shows: the whole survey, its schools (or a "
                                  "school's classes with `school`, one class with `class`); the answers of a "
                                  "group only when it is not hidden."))
def survey_results(request, survey_id: int = Id, school: s.OptionalInt = OptionalId,
                   klass: s.OptionalInt = ClassId):
    survey = get_visible_or_404(Survey, request.user, pk=survey_id)
    # The results page's own selection and suppression; a school or class the user may not see is a 404.
    found = results_for(request.user, survey, school_id=school, class_id=klass)
    kids = found["kids"]
    return {
        "survey": survey,
        "total": found["total"] if found["show_total"] and not kids else None,
        "groups": kids or found["schools"],
        "selected": found["selected"],
        "questions": found["rows"],
        "texts": found["texts"],
    }


# ---- figures -----------------------------------------------------------------------------------------------

@api.get("/figures", response={200: s.FiguresOut, **LIST, 404: s.Error}, tags=["figures"],
         summary=gettext_noop("The programme's figures"),
         description=gettext_noop("For a region within the caller's (default: their own) and a period: "
                                  "`period` (semester, the default; year; all) or `from`/`to`."))
def get_figures(request, region: s.blank_is_none(str) = RegionCode,
                period: s.blank_is_none(Literal["semester", "year", "all"]) = None,
                start: s.blank_is_none(datetime.date) = From,
                end: s.blank_is_none(datetime.date) = To):
    scope = scope_for(request.user)
    _require(perms.can_see_figures(scope))
    place = figures_region(scope, region) or _not_found()  # within the caller's regions, as on the page
    first, last, _name = period_dates(period, start, end)  # as the figures page reads period / from / to
    return {**figures(region=place.code, start=first, end=last), "region_name": place.name}


def _not_found():
    raise Http404
