"""The API's test world: the personas' county (Dunhuang) and the neighbouring one (Suzhou district), each with
an assignment, an activity, a case and a survey with answers, and tokens for the personas."""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from fazhi.activities.models import Activity
from fazhi.api.models import ApiToken
from fazhi.assignments.models import Assignment, Pairing
from fazhi.surveys import services as survey_services
from fazhi.surveys.models import Answer, Questionnaire
from fazhi.tips import services as tip_services


def issue_key(user, *, days: int = 30) -> str:
    _token, key = ApiToken.issue(user=user, name="test", expires_at=timezone.now() + datetime.timedelta(days=days))
    return key


def bearer(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _county(*, by, officer, unit, school, klass, region, answers: int) -> SimpleNamespace:
    today = timezone.localdate()
    year = klass.school_year
    pairing = Pairing.objects.create(unit=unit, school=school, school_year=year)
    assignment = Assignment.objects.create(
        officer=officer, school=school, school_class=klass, school_year=year, pairing=pairing,
        status=Assignment.Status.ACTIVE, load_slot=1, starts_on=today - datetime.timedelta(days=30))
    activity = Activity.objects.create(kind="class_meeting", date=today - datetime.timedelta(days=2), school=school,
                                       officer=officer, students=klass.student_count, topics=["forms"])
    activity.classes.set([klass])
    tip = tip_services.register_clue(by=by, school=school, school_class=klass, channel="box", category="physical",
                                     description="纸条：有人被打", people="两名学生")
    questionnaire = Questionnaire.objects.get(builtin="bullying_secondary")
    survey = survey_services.open_survey(by=by, questionnaire=questionnaire, title="欺凌调查", opens_on=today,
                                         closes_on=today + datetime.timedelta(days=7), classes=[klass], region=region,
                                         min_group=5)
    entry = survey.classes.get(school_class=klass)
    bullied = survey.questionnaire.questions.get(key="bullied")
    for i in range(answers):
        survey_services.submit_response(survey_class=entry, answers=[Answer(question=bullied, value=i % 3)],
                                        idempotency_key=f"api-{klass.pk}-{i}")
    return SimpleNamespace(pairing=pairing, assignment=assignment, activity=activity, case=tip.case, survey=survey,
                           school=school, klass=klass, officer=officer)


@pytest.fixture
def apiworld(world):
    world.here = _county(by=world.committee_admin, officer=world.officer, unit=world.court, school=world.school,
                         klass=world.klass, region=world.dunhuang, answers=6)
    world.there = _county(by=world.outsider, officer=world.other_officer, unit=world.other_court,
                          school=world.other_school, klass=world.other_class, region=world.suzhou, answers=3)
    return world


def detail_ids(county: SimpleNamespace) -> dict[str, int]:
    """The value of each path parameter of the API's routes, for the objects of one county."""
    return {"school_id": county.school.pk, "class_id": county.klass.pk, "officer_id": county.officer.pk,
            "assignment_id": county.assignment.pk, "activity_id": county.activity.pk, "case_id": county.case.pk,
            "survey_id": county.survey.pk}
