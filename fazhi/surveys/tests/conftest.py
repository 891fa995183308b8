import datetime

import pytest
from django.utils import timezone

from fazhi.surveys import services
from fazhi.surveys.models import Questionnaire
from fazhi.tips.tests.conftest import tipworld  # noqa: F401 (the officer holds 七年级(3)班)


@pytest.fixture
def survey(tipworld):  # noqa: F811
    """The secondary built-in questionnaire open today for the second middle school's two classes and the primary
    school's class."""
    q = Questionnaire.objects.get(builtin="bullying_secondary")
    today = timezone.localdate()
    return services.open_survey(by=tipworld.committee_admin, questionnaire=q, title="2026秋季学期欺凌调查",
                                opens_on=today, closes_on=today + datetime.timedelta(days=7),
                                classes=[tipworld.klass, tipworld.klass2, tipworld.klass3], region=tipworld.dunhuang)


def question(survey, key):
    return survey.questionnaire.questions.get(key=key)


def answer(survey, klass, n, *, bullied=0, comment="", key_prefix="k"):
    """n responses from a class, each answering `bullied` with the given option index."""
    from fazhi.surveys.models import Answer

    entry = survey.classes.get(school_class=klass)
    q = question(survey, "bullied")
    for i in range(n):
        answers = [Answer(question=q, value=bullied)]
        if comment:
            answers.append(Answer(question=question(survey, "comment"), text=comment))
        services.submit_response(survey_class=entry, answers=answers,
                                 idempotency_key=f"{key_prefix}-{klass.pk}-{bullied}-{i}-{comment}")
    return entry
