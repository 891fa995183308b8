"""Opening a survey, taking an anonymous response, and turning risk signals into clues for the officer."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from fazhi.surveys.instruments import DANGER_WORDS, FLAG_FROM, SELF_HARM_WORDS
from fazhi.surveys.models import MAX_TEXT_ANSWER, Answer, Question, Response, Survey, SurveyClass
from fazhi.tips import receipts


@transaction.atomic
def open_survey(*, by, questionnaire, title: str, opens_on: datetime.date, closes_on: datetime.date, classes,
                region=None, school=None, min_group: int = 10, flag_percent: int = 15) -> Survey:
    """A survey window for these classes. The questionnaire is frozen from now on."""
    classes = list(classes)
    if not classes:
        raise ValidationError(_("Choose at least one class."))
    survey = Survey.objects.create(title=title, questionnaire=questionnaire, region=region, school=school,
                                   opens_on=opens_on, closes_on=closes_on, min_group=min_group,
                                   flag_percent=flag_percent, created_by=by)
    SurveyClass.objects.bulk_create([SurveyClass(survey=survey, school_class=k) for k in classes])
    if not questionnaire.frozen:
        type(questionnaire).objects.filter(pk=questionnaire.pk).update(frozen=True)
        questionnaire.frozen = True
    return survey


def clean_answers(questions, raw: dict) -> list[Answer]:
    """Answers (unsaved) from {question id: option index | [indexes] | text}; every question may be skipped.
    Raises ValidationError naming the question for a value that is not one of its options."""
    answers, errors = [], {}
    for q in questions:
        value = raw.get(q.pk, raw.get(str(q.pk)))
        if value in (None, "", []):
            continue
        try:
            if q.kind == Question.Kind.TEXT:
                from fazhi.lib.text import plain_text

                text = str(value).strip()
                if len(text) > MAX_TEXT_ANSWER:
                    raise ValidationError(_("At most %(n)s characters.") % {"n": MAX_TEXT_ANSWER})
                plain_text(text)
                if text:
                    answers.append(Answer(question=q, text=text))
                continue
            values = value if isinstance(value, list) else [value]
            if q.kind != Question.Kind.MULTIPLE and len(values) > 1:
                raise ValidationError(_("Choose one answer."))
            chosen = set()
            for v in values:
                index = int(v)
                if not 0 <= index < len(q.choices):
                    raise ValueError
                chosen.add(index)
            answers.extend(Answer(question=q, value=i) for i in sorted(chosen))
        except (ValueError, TypeError, OverflowError):
            errors[str(q.pk)] = _("Choose one of the answers given.")
        except ValidationError as e:
            errors[str(q.pk)] = e.messages[0]
    if errors:
        raise ValidationError(errors)
    return answers


def submit_response(*, survey_class: SurveyClass, answers: list[Answer], idempotency_key: str) -> tuple[Response,
                                                                                                         bool]:
    """Store one anonymous response (once per idempotency key) and raise the flags it triggers.
    Returns (response, created)."""
    key_hash = receipts.idempotency_hash(f"survey:{survey_class.pk}:{idempotency_key}")
    existing = Response.objects.filter(idempotency_hash=key_hash).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            response = Response.objects.create(survey_class=survey_class, idempotency_hash=key_hash)
            for a in answers:
                a.response = response
            Answer.objects.bulk_create(answers)
            flag_text(response, answers)
            flag_class(survey_class)
    except IntegrityError:
        existing = Response.objects.filter(idempotency_hash=key_hash).first()
        if existing:
            return existing, False
        raise
    return response, True


def flag_text(response: Response, answers: list[Answer]) -> None:
    """A free-text answer with danger words becomes a clue (urgent for self-harm) for the class's officer."""
    from fazhi.tips.services import register_clue

    texts = [a.text for a in answers if a.text and any(w in a.text for w in DANGER_WORDS)]
    if not texts:
        return
    klass = response.survey_class.school_class
    self_harm = any(w in t for t in texts for w in SELF_HARM_WORDS)
    tip = register_clue(
        by=None, school=klass.school, school_class=klass, channel="survey",
        category="self_harm" if self_harm else "other", in_danger=self_harm,
        description=_("An anonymous answer in the survey “%(survey)s” contains words that may signal danger:\n%(text)s")
        % {"survey": response.survey_class.survey.title, "text": "\n".join(texts)})
    Response.objects.filter(pk=response.pk).update(flagged_tip=tip)


def class_bullied_share(survey_class: SurveyClass) -> tuple[int, int]:
    """(respondents who answered the global "been bullied" question, of whom bullied 2–3 times a month or more)."""
    row = Answer.objects.filter(response__survey_class=survey_class, question__key="bullied").aggregate(
        answered=Count("response", distinct=True),
        bullied=Count("response", distinct=True, filter=Q(value__gte=FLAG_FROM)))
    return row["answered"], row["bullied"]


def flag_class(survey_class: SurveyClass) -> None:
    """Once a class has at least the smallest shown group of answers and the share bullied 2–3 times a month or
    more reaches the threshold, a clue goes to its officer (once per survey and class)."""
    from fazhi.tips.services import register_clue

    survey = survey_class.survey
    # Lock the class's row: two answers arriving at once cannot both raise the flag.
    if SurveyClass.objects.select_for_update().get(pk=survey_class.pk).flagged_tip_id:
        return
    answered, bullied = class_bullied_share(survey_class)
    if answered < survey.min_group or bullied * 100 < survey.flag_percent * answered:
        return
    klass = survey_class.school_class
    tip = register_clue(
        by=None, school=klass.school, school_class=klass, channel="survey", category="other",
        # No counts here: the clue is read beside the school's results, and counts could reveal a hidden group.
        description=_("Survey “%(survey)s”: the share of pupils in this class who say they were bullied 2–3 times a "
                      "month or more in the last two months has reached the threshold of %(p)s%%. Look into the "
                      "class's situation.") % {"survey": survey.title, "p": survey.flag_percent})
    SurveyClass.objects.filter(pk=survey_class.pk).update(flagged_tip=tip)
    survey_class.flagged_tip = tip
