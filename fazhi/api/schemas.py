"""What the API answers, field by field. Choices are strings with their allowed values; anything that can be
missing is declared nullable, so that the OpenAPI document says exactly what a client receives."""

import datetime
from typing import Annotated, Any, Literal

from django.utils.translation import gettext_noop
from ninja import Schema
from pydantic import BeforeValidator, Field, create_model

from fazhi.activities.models import KIND_FIGURE, Kind, Mode, Topic
from fazhi.assignments.models import Assignment
from fazhi.org.models import Officer, School
from fazhi.tips.models import Category, Channel, Conclusion, ReporterRole
from fazhi.tips.models import Response as CaseResponse
from fazhi.tips.models import Status as CaseStatus

MAX_LIMIT = 100  # (the limit's description in fazhi.api.api says so)
MAX_ID = 2**63 - 1  # the database's largest key; larger numbers are refused before any query


def choice(choices) -> Any:
    """A string restricted to the values of a TextChoices."""
    return Literal[tuple(choices.values)]


def _attr(path: str, *, blank_is_none: bool = False):
    """A resolver for an output field that reads a dotted path of the object ("school.name", "tip.place"):
    None when a link on the way is empty (a null foreign key), or, with `blank_is_none`, when the value is ""."""

    def resolve(obj):
        for name in path.split("."):
            obj = getattr(obj, name)
            if obj is None:
                return None
        return (obj or None) if blank_is_none else obj

    return staticmethod(resolve)


def _empty_is_none(value):
    return None if value == "" else value


def blank_is_none(type_) -> Any:
    """An optional parameter or field of `type_` where an empty value (`?school=`, a form field sent empty, as
    browsers and `wx.uploadFile` do) means "not given", as it does on the pages. Range constraints go in its
    Field / Query."""
    return Annotated[type_ | None, BeforeValidator(_empty_is_none)]


OptionalInt = blank_is_none(int)


# ---- errors ------------------------------------------------------------------------------------------------

class Error(Schema):
    detail: str


class FieldErrors(Schema):
    detail: str
    errors: dict[str, list[str]] = Field(
        description=gettext_noop("Messages by field; `__all__` for the record as a whole."))


class ValidationErrors(Schema):
    detail: list[dict[str, Any]]


# ---- the registry ------------------------------------------------------------------------------------------

class SchoolOut(Schema):
    id: int
    name: str
    stage: choice(School.Stage)
    region: str = Field(description=gettext_noop("GB/T 2260 code"))
    region_name: str
    address: str
    phone: str
    latitude: float | None
    longitude: float | None

    resolve_region = _attr("region_id")
    resolve_region_name = _attr("region.name")

    @staticmethod
    def resolve_latitude(obj):
        return float(obj.latitude) if obj.latitude is not None else None

    @staticmethod
    def resolve_longitude(obj):
        return float(obj.longitude) if obj.longitude is not None else None


class ClassOut(Schema):
    id: int
    school: int
    school_name: str
    school_year: int = Field(
        description=gettext_noop("The year the school year starts, e.g. 2026 for 2026–2027"))
    grade: int
    number: int
    name: str
    homeroom_teacher: str
    student_count: int

    resolve_school = _attr("school_id")
    resolve_school_name = _attr("school.name")


class OfficerOut(Schema):
    id: int
    name: str
    gender: choice(Officer.Gender)
    unit: int
    unit_name: str
    phone: str
    title: str
    status: choice(Officer.Status)
    status_changed_on: datetime.date | None

    resolve_unit = _attr("unit_id")
    resolve_unit_name = _attr("unit.name")


class AssignmentOut(Schema):
    id: int
    role: choice(Assignment.Role)
    status: choice(Assignment.Status)
    officer: int
    officer_name: str
    school: int
    school_name: str
    school_class: int | None
    class_name: str | None
    school_year: int
    proposed_at: datetime.datetime
    decided_at: datetime.datetime | None
    starts_on: datetime.date | None
    ended_on: datetime.date | None
    end_reason: choice(Assignment.EndReason) | None

    resolve_officer = _attr("officer_id")
    resolve_officer_name = _attr("officer.name")
    resolve_school = _attr("school_id")
    resolve_school_name = _attr("school.name")
    resolve_school_class = _attr("school_class_id")
    resolve_class_name = _attr("school_class.name")
    resolve_end_reason = _attr("end_reason", blank_is_none=True)


# ---- activities --------------------------------------------------------------------------------------------

class ClassRef(Schema):
    id: int
    name: str


class EvidenceOut(Schema):
    id: int
    type: Literal["photo", "file"]
    name: str
    size: int

    resolve_name = _attr("original_name")


class ActivityOut(Schema):
    id: int
    kind: choice(Kind)
    mode: choice(Mode)
    title: str
    date: datetime.date
    duration_minutes: int | None
    school: int
    school_name: str
    classes: list[ClassRef]
    whole_school: bool
    topics: list[str] = Field(description=f"Among: {', '.join(Topic.values)}")
    students: int
    teachers: int
    parents: int
    handbooks: int
    pledges: int
    notes: str
    officer: int | None
    officer_name: str | None
    recorded_at: datetime.datetime
    evidence: list[EvidenceOut]

    resolve_school = _attr("school_id")
    resolve_school_name = _attr("school.name")

    @staticmethod
    def resolve_classes(obj):
        return sorted(obj.classes.all(), key=lambda c: (c.grade, c.number, c.pk))

    @staticmethod
    def resolve_topics(obj):
        return [str(t) for t in (obj.topics or [])]

    resolve_officer = _attr("officer_id")
    resolve_officer_name = _attr("officer.name")
    resolve_recorded_at = _attr("created_at")

    @staticmethod
    def resolve_evidence(obj):
        return list(obj.evidence.all())


class ActivityIn(Schema):
    """The fields of the recording page. Leave `school` out when you record for one school only, `officer`
    when you are the officer; `students` empty counts the ticked classes' students."""

    kind: choice(Kind)
    date: datetime.date
    school: OptionalInt = Field(None, ge=1, le=MAX_ID)
    officer: OptionalInt = Field(None, ge=1, le=MAX_ID)
    classes: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(default_factory=list, max_length=100)
    whole_school: bool = False
    title: str = Field("", max_length=100)
    duration_minutes: int = Field(
        45, ge=5, le=600, description=gettext_noop("As on the page: 45 unless given"))
    mode: choice(Mode) = Mode.OFFLINE.value
    topics: list[choice(Topic)] = Field(default_factory=list, max_length=len(Topic.values))
    students: OptionalInt = Field(None, ge=0, le=20000)
    teachers: OptionalInt = Field(None, ge=0, le=5000)
    parents: OptionalInt = Field(None, ge=0, le=20000)
    handbooks: OptionalInt = Field(None, ge=0, le=20000)
    pledges: OptionalInt = Field(None, ge=0, le=20000)
    notes: str = Field("", max_length=2000)


# ---- cases -------------------------------------------------------------------------------------------------

class CaseSummary(Schema):
    id: int
    number: str
    status: choice(CaseStatus)
    urgent: bool
    overdue: str | None = Field(description=gettext_noop("Why the case is past a deadline, if it is"))
    category: choice(Category)
    channel: choice(Channel)
    school: int
    school_name: str
    school_class: int | None
    class_name: str | None
    received_at: datetime.datetime
    handler: str | None

    resolve_id = _attr("pk")
    resolve_number = _attr("tip.number")

    @staticmethod
    def resolve_overdue(obj):
        return obj.overdue_reason() or None

    resolve_category = _attr("tip.category")
    resolve_channel = _attr("tip.channel")
    resolve_school = _attr("tip.school_id")
    resolve_school_name = _attr("tip.school.name")
    resolve_school_class = _attr("tip.school_class_id")
    resolve_class_name = _attr("tip.school_class.name")
    resolve_received_at = _attr("tip.created_at")

    @staticmethod
    def resolve_handler(obj):
        return str(obj.owner) if obj.owner_id else None


class CaseOut(CaseSummary):
    """The report and its handling as the case page shows them to its handlers."""

    entered_by: str | None
    in_danger: bool
    occurred: str | None
    place: str | None = Field(description=gettext_noop("Where it happened, as reported"))
    people: str | None
    reporter_name: str | None = Field(
        description=gettext_noop("Only for clues entered by staff from a named source; "
                                 "keep confidential"))
    reporter_contact: str | None
    reporter_role: choice(ReporterRole) | None
    description: str
    photos: int
    acknowledge_due: datetime.datetime
    acknowledged_at: datetime.datetime | None
    investigation_due: datetime.datetime | None
    conclusion: choice(Conclusion) | None
    committee_decided_on: datetime.date | None
    response: choice(CaseResponse) | None
    parents_notified_on: datetime.date | None
    counselling: bool
    police_reported_on: datetime.date | None
    decision: str | None
    appealed_on: datetime.date | None
    recheck_result: str | None

    resolve_in_danger = _attr("tip.in_danger")
    resolve_description = _attr("tip.description")
    resolve_occurred = _attr("tip.occurred", blank_is_none=True)
    resolve_place = _attr("tip.place", blank_is_none=True)
    resolve_people = _attr("tip.people", blank_is_none=True)
    resolve_reporter_name = _attr("tip.reporter_name", blank_is_none=True)
    resolve_reporter_contact = _attr("tip.reporter_contact", blank_is_none=True)
    resolve_reporter_role = _attr("tip.reporter_role", blank_is_none=True)

    @staticmethod
    def resolve_entered_by(obj):
        return str(obj.tip.entered_by) if obj.tip.entered_by_id else None

    @staticmethod
    def resolve_photos(obj):
        return obj.tip.photos.count()

    resolve_conclusion = _attr("conclusion", blank_is_none=True)
    resolve_response = _attr("response", blank_is_none=True)
    resolve_decision = _attr("decision", blank_is_none=True)
    resolve_recheck_result = _attr("recheck_result", blank_is_none=True)


# ---- surveys -----------------------------------------------------------------------------------------------

class SurveyOut(Schema):
    id: int
    title: str
    questionnaire: str
    opens_on: datetime.date
    closes_on: datetime.date
    is_open: bool
    min_group: int = Field(
        description=gettext_noop("Answers of a group are shown only from this many respondents"))

    resolve_questionnaire = _attr("questionnaire.title")


class GroupOut(Schema):
    level: Literal["survey", "school", "class"]
    id: int | None = Field(description=gettext_noop("The school's or class's id; null for the whole survey"))
    label: str
    students: int
    respondents: int
    rate: int | None = Field(description=gettext_noop("Response rate in percent"))
    hidden: bool = Field(
        description=gettext_noop("Its answers are suppressed (small group or complementary suppression)"))
    flagged: bool

    resolve_id = _attr("key")


class OptionOut(Schema):
    label: str
    count: int
    percent: int


class OftenOut(Schema):
    count: int
    percent: int


class QuestionResult(Schema):
    question: str
    answered: int
    options: list[OptionOut]
    often: OftenOut | None = Field(
        None, description=gettext_noop("Bullied 2–3 times a month or more (the bullying question)"))

    @staticmethod
    def resolve_question(obj):
        return obj["question"].text


class SurveyResultsOut(Schema):
    survey: SurveyOut
    total: GroupOut | None = Field(
        description=gettext_noop("The whole survey, for those who see all its classes"))
    groups: list[GroupOut] = Field(
        description=gettext_noop("Schools (or, for an officer, their own classes); a school's "
                                 "classes when `school` is given"))
    selected: GroupOut | None
    questions: list[QuestionResult] = Field(
        description=gettext_noop("Answers of the selected group; empty when it is hidden"))
    texts: list[str] | None = Field(
        description=gettext_noop("Free-text answers of the selected class: only for its officer "
                                 "and its school's administrators"))


# ---- figures -----------------------------------------------------------------------------------------------

_COUNTS = (
    "officers_in_classes", "activities_total", "online_activities", "handbooks", "pledges",
    "students_reached", "teachers_reached", "parents_reached", "schools_reached", *KIND_FIGURE.values(),
    "tips_total", "tips_urgent", "tips_open", "tips_overdue", "cases_bullying_confirmed",
    "cases_reported_to_police", "cases_unfounded", "cases_appealed", "items_confiscated", "disputes_received",
    "disputes_resolved",
    "hazards_found", "hazards_resolved",
    "surveys_held", "survey_classes", "survey_responses", "survey_classes_flagged", "survey_answers_flagged",
    "special_students_total", "staff_concerns_total", "reviews_overdue",
)
FiguresOut = create_model(
    "FiguresOut",
    __base__=Schema,
    __doc__="The programme's headline figures for a region and period (the same as `stats --json`).",
    region=(str, ...),
    region_name=(str, ...),
    **{"from": (datetime.date | None, ...), "to": (datetime.date | None, ...)},
    **{name: (int, ...) for name in _COUNTS},
    tips_by_kind=(dict[str, int], ...),
    tips_by_status=(dict[str, int], ...),
    items_by_kind=(dict[str, int], ...),
    special_students_by_category=(dict[str, int], ...),
    median_hours_to_acknowledge=(float | None, ...),
    median_hours_to_close=(float | None, ...),
    survey_participation_percent=(float | None, ...),
)


def page_of(item_schema, name: str):
    """The schema of one page of a list."""
    return create_model(
        name, __base__=Schema,
        count=(int, Field(description=gettext_noop("Matching records, counted up to 10,000"))),
        more=(bool, Field(description=gettext_noop("More than `count` records match: narrow the filters"))),
        limit=(int, ...), offset=(int, ...), items=(list[item_schema], ...),
    )
