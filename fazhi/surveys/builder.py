"""Building questionnaires (the staff's questionnaire builder): who may build, for which owner, and the
changes a questionnaire goes through — adding, changing, moving and removing questions, new versions,
copies and retiring.

Every change to the questions locks the questionnaire's row and asks `Questionnaire.check_editable()` again
inside the transaction: a questionnaire that a survey has just started to use (frozen) or a built-in one is
never changed; the caller gets the ValidationError and offers a new version instead.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from fazhi.accounts import permissions as perms
from fazhi.accounts.scope import Scope, scope_for
from fazhi.lib.text import plain_text
from fazhi.org.models import Region, School
from fazhi.surveys.instruments import SCALE
from fazhi.surveys.models import Question, Questionnaire

MIN_OPTIONS = 2
MAX_OPTIONS = 12
MAX_OPTION_LENGTH = 100
WITH_OPTIONS = (Question.Kind.SINGLE, Question.Kind.MULTIPLE)


# ---- who -----------------------------------------------------------------------------------------

def can_see(scope: Scope) -> bool:
    """Everyone with a role reads the built-in questionnaires and those of their scope."""
    return scope.superuser or bool(scope.roles)


def can_build(scope: Scope) -> bool:
    """Committee admins and education bureau staff (for their region), school administrators (their school):
    those who run surveys."""
    return perms.can_run_surveys(scope)


@dataclass(frozen=True)
class Owner:
    key: str  # "school:12" or "region:620982", the value of a form's owner choice
    label: str
    region: Region | None = None
    school: School | None = None


def owners_for(user) -> list[Owner]:
    """The owners a user may build questionnaires for: the schools they administer, then the regions of their
    committee and bureau memberships. A superuser may build for any region."""
    scope = scope_for(user)
    if not can_build(scope):
        return []
    owners = [Owner(f"school:{s.pk}", s.name, school=s)
              for s in School.objects.filter(pk__in=scope.school_ids).order_by("name")]
    regions = Region.objects.all() if scope.superuser else Region.objects.filter(
        code__in=set(scope.committee_prefixes + scope.education_prefixes))
    owners += [Owner(f"region:{r.code}", r.full_name, region=r) for r in regions.select_related("parent__parent")
               .order_by("code")]
    return owners


def owner_by_key(user, key: str) -> Owner | None:
    return next((o for o in owners_for(user) if o.key == key), None)


# ---- options -------------------------------------------------------------------------------------

def parse_options(text: str) -> list[str]:
    """One option per line; blank lines and surrounding spaces are dropped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def options_for(kind: str, text: str) -> list[str]:
    """The options a question of this kind stores: the frequency scale for `scale`, none for `text`, the
    typed lines (2–12 different ones, plain text) for single and multiple choice. Raises ValidationError."""
    if kind == Question.Kind.SCALE:
        return list(SCALE)
    if kind not in WITH_OPTIONS:
        return []
    options = parse_options(text)
    if len(options) < MIN_OPTIONS:
        raise ValidationError(_("Give at least %(n)s options, one per line.") % {"n": MIN_OPTIONS},
                              code="too_few")
    if len(options) > MAX_OPTIONS:
        raise ValidationError(_("Give at most %(n)s options (you gave %(count)s).")
                              % {"n": MAX_OPTIONS, "count": len(options)}, code="too_many")
    long = [o for o in options if len(o) > MAX_OPTION_LENGTH]
    if long:
        raise ValidationError(_("An option has at most %(n)s characters: “%(option)s…”")
                              % {"n": MAX_OPTION_LENGTH, "option": long[0][:20]}, code="too_long")
    if len(set(options)) < len(options):
        raise ValidationError(_("Each option may appear only once."), code="duplicate")
    for option in options:
        plain_text(option)
    return options


# ---- questionnaires ------------------------------------------------------------------------------

def create_questionnaire(*, by, owner: Owner, title: str, audience: str, introduction: str = "") -> Questionnaire:
    return Questionnaire.objects.create(title=title, audience=audience, introduction=introduction,
                                        region=owner.region, school=owner.school, created_by=by)


def family_of(questionnaire: Questionnaire):
    """Every version of the questionnaire (the first one and its later versions), newest first."""
    family_id = questionnaire.family_id or questionnaire.pk
    return Questionnaire.objects.filter(Q(pk=family_id) | Q(family_id=family_id)).order_by("-version", "-pk")


def new_version(questionnaire: Questionnaire, *, by) -> Questionnaire:
    """The next version of an owned questionnaire, with the same questions, editable."""
    if questionnaire.builtin:
        raise ValidationError(_("A built-in questionnaire has no new versions: copy it as your own instead."))
    with transaction.atomic():
        # One new version at a time per family: two clicks must not both become version n + 1.
        Questionnaire.objects.select_for_update().filter(pk=questionnaire.family_id or questionnaire.pk).first()
        return questionnaire.copy(by=by, new_version=True)


def copy_as_own(questionnaire: Questionnaire, *, by, owner: Owner) -> Questionnaire:
    """A fresh questionnaire of `owner` (version 1) with the same questions, e.g. a school adapting a
    built-in one. The keys of built-in questions are kept: results and risk flags rely on them."""
    with transaction.atomic():
        return questionnaire.copy(by=by, new_version=False, region=owner.region, school=owner.school)


def set_retired(questionnaire: Questionnaire, retired: bool) -> None:
    """A retired questionnaire is no longer offered for new surveys; its surveys and results stay."""
    Questionnaire.objects.filter(pk=questionnaire.pk).update(retired=retired)
    questionnaire.retired = retired


def _locked(questionnaire_id: int) -> Questionnaire:
    """The questionnaire's row, locked for the rest of the transaction, checked to be changeable."""
    questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire_id)
    questionnaire.check_editable()
    return questionnaire


def update_details(questionnaire: Questionnaire, *, title: str, audience: str, introduction: str) -> None:
    with transaction.atomic():
        _locked(questionnaire.pk)
        Questionnaire.objects.filter(pk=questionnaire.pk).update(title=title, audience=audience,
                                                                 introduction=introduction)
    questionnaire.title, questionnaire.audience, questionnaire.introduction = title, audience, introduction


# ---- questions -----------------------------------------------------------------------------------

def add_question(questionnaire: Questionnaire, *, kind: str, text: str, help: str = "",
                 options: list[str] | None = None) -> Question:
    """A new question at the end. `options` as `options_for` returns them."""
    with transaction.atomic():
        _locked(questionnaire.pk)
        last = questionnaire.questions.aggregate(last=Max("position"))["last"] or 0
        return Question.objects.create(questionnaire=questionnaire, position=last + 1, kind=kind, text=text,
                                       help=help, options=options or [])


def change_question(question: Question, *, kind: str, text: str, help: str = "",
                    options: list[str] | None = None) -> None:
    with transaction.atomic():
        _locked(question.questionnaire_id)
        question.kind, question.text, question.help, question.options = kind, text, help, options or []
        question.save(update_fields=["kind", "text", "help", "options"])


def delete_question(question: Question) -> None:
    with transaction.atomic():
        questionnaire = _locked(question.questionnaire_id)
        question.delete()
        renumber(questionnaire)


def move_question(question: Question, direction: str) -> bool:
    """Swap the question with the one above ("up") or below ("down"). False if it is already first or last."""
    if direction not in ("up", "down"):
        raise ValueError(direction)
    with transaction.atomic():
        questionnaire = _locked(question.questionnaire_id)
        questions = list(questionnaire.questions.order_by("position", "pk"))
        index = next(i for i, q in enumerate(questions) if q.pk == question.pk)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(questions):
            return False
        questions[index], questions[other] = questions[other], questions[index]
        _set_positions(questions)
        return True


def renumber(questionnaire: Questionnaire) -> None:
    """Positions 1, 2, 3… in the current order (after a deletion, or to repair ties)."""
    _set_positions(list(questionnaire.questions.order_by("position", "pk")))


def _set_positions(questions: list[Question]) -> None:
    changed = []
    for position, q in enumerate(questions, start=1):
        if q.position != position:
            q.position = position
            changed.append(q)
    Question.objects.bulk_update(changed, ["position"])


def option_lines(question: Question) -> str:
    """The options as the form's textarea shows them (only single and multiple choice have typed options)."""
    return "\n".join(question.options or []) if question.kind in WITH_OPTIONS else ""
