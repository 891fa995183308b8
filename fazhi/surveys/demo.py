"""The demo city's survey: the built-in secondary questionnaire, opened two weeks ago for the secondary classes
of three schools, with answers from most pupils (random but plausible), so that results, suppression and a
risk flag can be seen."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from fazhi.accounts.models import User
from fazhi.org.demo import DEMO_OFFICER, DEMO_REGION, SEED
from fazhi.org.models import Region, School, SchoolClass, current_school_year
from fazhi.surveys import services
from fazhi.surveys.models import Answer, Question, Questionnaire, Response, Survey

COMMENTS = ["希望老师多关注课间的走廊", "厕所那边有时候有高年级的人堵人", "班级群里有人发别人的丑照", "我们班挺好的",
            "希望多开展法治课", "放学路上有人要钱"]


@transaction.atomic
def seed_surveys() -> dict[str, int]:
    if Survey.objects.filter(region_id=DEMO_REGION).exists():
        return {"survey_responses": 0}
    rng = random.Random(f"{SEED}:surveys")  # noqa: S311
    officer_class = SchoolClass.objects.filter(assignments__officer__phone=DEMO_OFFICER["phone"],
                                               assignments__status__in=["confirmed", "active"]).first()
    schools = list(School.objects.filter(region_id=DEMO_REGION, stage__in=["junior", "senior"])
                   .order_by("name")[:3])
    if officer_class and officer_class.school not in schools:
        schools = [officer_class.school] + schools[:2]
    classes = list(SchoolClass.objects.filter(school__in=schools, school_year=current_school_year()))
    if not classes:
        return {"survey_responses": 0}
    questionnaire = Questionnaire.objects.get(builtin="bullying_secondary")
    opened = timezone.localdate() - datetime.timedelta(days=14)
    survey = services.open_survey(by=User.objects.filter(username="education").first(), questionnaire=questionnaire,
                                  title=f"{current_school_year()}学年秋季学期学生欺凌情况调查", opens_on=opened,
                                  closes_on=opened + datetime.timedelta(days=30), classes=classes,
                                  region=Region.objects.get(pk=DEMO_REGION))
    questions = list(questionnaire.questions.all())
    count = 0
    for entry in survey.classes.select_related("school_class"):
        klass = entry.school_class
        # Most classes answer well; one class in four has few answers (and is hidden); one class has a problem.
        share = 0.3 if rng.random() < 0.25 else rng.uniform(0.7, 0.95)
        trouble = klass == officer_class
        for i in range(int(klass.student_count * share)):
            answers = []
            for q in questions:
                if rng.random() < 0.05:
                    continue  # skipped
                if q.kind == Question.Kind.SCALE:
                    weights = [40, 30, 20, 7, 3] if trouble else [82, 14, 2.5, 1, 0.5]
                    answers.append(Answer(question=q, value=rng.choices(range(5), weights)[0]))
                elif q.kind == Question.Kind.MULTIPLE:
                    for v in rng.sample(range(len(q.choices)), rng.randint(1, 2)):
                        answers.append(Answer(question=q, value=v))
                elif q.kind == Question.Kind.SINGLE:
                    answers.append(Answer(question=q, value=rng.randrange(len(q.choices))))
                elif rng.random() < 0.08:
                    answers.append(Answer(question=q, text=rng.choice(COMMENTS)))
            services.submit_response(survey_class=entry, answers=answers, idempotency_key=f"demo-{entry.pk}-{i}")
            count += 1
    Response.objects.filter(survey_class__survey=survey).update(submitted_on=opened + datetime.timedelta(days=2))
    return {"survey_responses": count}
