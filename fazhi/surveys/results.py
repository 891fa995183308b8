"""Survey results with small groups suppressed.

Rules (rules.md, *configurable, never below 5*): the answers of a class, a school or the whole survey are shown
only when at least `Survey.min_group` pupils responded. Response counts (participation) are always shown; the
answers are what is protected.

Complementary suppression: within a parent (the whole survey → its schools, a school → its classes), if any child
is hidden, more children are hidden (the smallest first) until the hidden ones together have at least
`min_group` respondents and there are at least two of them; otherwise the parent's figures minus the shown
children would give away the hidden child's answers. Hiding is decided on the whole survey, the same for every
viewer.

Counts come from the database grouped by question and option; nothing is fetched row by row.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.http import Http404

from fazhi.accounts.scope import scope_for
from fazhi.org.models import SchoolClass
from fazhi.surveys.instruments import FLAG_FROM
from fazhi.surveys.models import Answer, Question, Response, Survey, SurveyClass


@dataclass
class Group:
    level: str  # "survey", "school", "class"
    key: int | None
    label: str
    students: int
    respondents: int
    hidden: bool = False
    class_ids: list[int] = field(default_factory=list)
    flagged: bool = False

    @property
    def rate(self) -> int | None:
        return round(100 * self.respondents / self.students) if self.students else None


def complementary(children: dict, k: int) -> set:
    """Which of {key: respondents} to hide: those under k, plus (smallest first) enough others that the hidden
    ones with answers sum to at least k and number at least two. Groups without answers give nothing away and
    do not count."""
    hidden = {c for c, n in children.items() if n < k}
    if not any(children[c] for c in hidden):
        return hidden
    shown = sorted((n, str(c), c) for c, n in children.items() if c not in hidden)
    while shown and (sum(1 for c in hidden if children[c]) < 2 or sum(children[c] for c in hidden) < k):
        hidden.add(shown.pop(0)[2])
    return hidden


def tree(survey: Survey) -> tuple[Group, list[Group], dict[int, list[Group]]]:
    """The whole survey, its schools and each school's classes, with respondents, enrolment and hiding."""
    k = survey.min_group
    entries = list(SurveyClass.objects.filter(survey=survey).select_related("school_class__school")
                   .annotate(n=Count("responses")).order_by("school_class__school__name", "school_class__grade",
                                                                      "school_class__number"))
    classes_by_school: dict[int, list[Group]] = {}
    schools: dict[int, Group] = {}
    for e in entries:
        klass = e.school_class
        g = Group("class", klass.pk, f"{klass.school.name} {klass.name}", klass.student_count, e.n,
                  class_ids=[klass.pk], flagged=bool(e.flagged_tip_id))
        classes_by_school.setdefault(klass.school_id, []).append(g)
        s = schools.setdefault(klass.school_id, Group("school", klass.school_id, klass.school.name, 0, 0))
        s.students += klass.student_count
        s.respondents += e.n
        s.class_ids.append(klass.pk)
    total = Group("survey", None, survey.title, sum(s.students for s in schools.values()),
                  sum(s.respondents for s in schools.values()),
                  class_ids=[c for s in schools.values() for c in s.class_ids])
    total.hidden = total.respondents < k
    hide = complementary({s.key: s.respondents for s in schools.values()}, k)
    for s in schools.values():
        s.hidden = s.key in hide or s.respondents < k
        kids = classes_by_school[s.key]
        hidden_kids = complementary({c.key: c.respondents for c in kids}, k)
        for c in kids:
            # A hidden school hides all its classes: shown classes would add up to the school.
            c.hidden = s.hidden or c.key in hidden_kids or c.respondents < k
            c.flagged = c.flagged and not c.hidden  # the flag of a hidden class would say something about it
    return total, list(schools.values()), classes_by_school


def distribution(survey: Survey, group: Group) -> list[dict]:
    """For each question of a shown group: how many answered it, and per option the count and percent.
    Text questions are left out (see `text_answers`)."""
    if group.hidden:
        return []
    questions = [q for q in survey.questionnaire.questions.all() if q.kind != Question.Kind.TEXT]
    answers = Answer.objects.filter(response__survey_class__survey=survey,
                                    response__survey_class__school_class_id__in=group.class_ids,
                                    value__isnull=False)
    counts = {(r["question_id"], r["value"]): r["n"]
              for r in answers.values("question_id", "value").annotate(n=Count("pk")).order_by()}
    answered = dict(answers.values_list("question_id").annotate(n=Count("response", distinct=True)).order_by())
    out = []
    for q in questions:
        n = answered.get(q.pk, 0)
        options = [{"label": label, "count": counts.get((q.pk, i), 0),
                    "percent": round(100 * counts.get((q.pk, i), 0) / n) if n else 0}
                   for i, label in enumerate(q.choices)]
        row = {"question": q, "answered": n, "options": options}
        if q.key == "bullied" and n:
            often = sum(o["count"] for i, o in enumerate(options) if i >= FLAG_FROM)
            row["often"] = {"count": often, "percent": round(100 * often / n)}
        out.append(row)
    return out


def text_answers(survey: Survey, class_id: int) -> list[str]:
    """A class's free-text answers, sorted by their text (not by time, which could tell pupils apart). Only for
    the class's officer and the school's administrators (`can_read_texts`)."""
    return sorted(Answer.objects.filter(response__survey_class__survey=survey,
                                        response__survey_class__school_class_id=class_id)
                  .exclude(text="").values_list("text", flat=True))


def can_read_texts(scope, school_class) -> bool:
    return scope.superuser or school_class.pk in scope.officer_class_ids \
        or school_class.school_id in scope.school_ids or school_class.school_id in scope.officer_vp_school_ids


def visible_entries(user, survey: Survey):
    """The survey's classes that the user can see (and those of the schools where they are vice principal), with
    their respondents (`n`)."""
    classes = SchoolClass.objects.visible_to(user).values("pk")
    vp_schools = scope_for(user).officer_vp_school_ids
    return (SurveyClass.objects.filter(Q(school_class__in=classes) | Q(school_class__school_id__in=vp_schools),
                                       survey=survey)
            .select_related("school_class__school", "flagged_tip").annotate(n=Count("responses"))
            .order_by("school_class__school__name", "school_class__grade", "school_class__number"))


def results_for(user, survey: Survey, *, school_id: int | None = None, class_id: int | None = None) -> dict:
    """What `user` may see of the survey's results (the results page and the API): the whole survey, its schools
    (and the user's own classes of schools they do not see whole), a school's classes (`school_id`) or one class
    (`class_id`, which wins over `school_id`); the answers of the selected group unless it is hidden, and a
    class's free-text answers for its officer and its school. A school or class the user may not see raises
    Http404.

    Keys: survey, total, show_total (the user sees every class of the survey), schools, selected (None when
    nothing may be shown), kids (the selected school's classes), rows (`distribution` of the selected group),
    texts, klass (the selected SchoolClass)."""
    total, schools, classes = tree(survey)
    visible_classes = set(visible_entries(user, survey).values_list("school_class_id", flat=True))
    # A school's figures only for those who see all its classes (an officer holding one class sees that class).
    schools_shown = [s for s in schools if visible_classes.issuperset(s.class_ids)]
    own_classes = [c for s in schools if not visible_classes.issuperset(s.class_ids)
                   for c in classes[s.key] if c.key in visible_classes]
    selected, kids, texts, klass = total, [], None, None
    if class_id is not None:
        selected = next((c for cs in classes.values() for c in cs if c.key == class_id), None)
        if selected is None or selected.key not in visible_classes:
            raise Http404
        klass = SchoolClass.objects.select_related("school").get(pk=selected.key)
        if can_read_texts(scope_for(user), klass) and not selected.hidden:
            texts = text_answers(survey, klass.pk)
    elif school_id is not None:
        selected = next((s for s in schools_shown if s.key == school_id), None)
        if selected is None:
            raise Http404
        kids = [c for c in classes[selected.key] if c.key in visible_classes]
    # Who sees the whole survey's figures: those who see every class of it (the region's roles, its owner).
    show_total = visible_classes.issuperset(total.class_ids)
    if selected is total and not show_total:
        selected = None
    return {"survey": survey, "total": total, "show_total": show_total, "schools": schools_shown + own_classes,
            "selected": selected, "kids": kids, "rows": distribution(survey, selected) if selected else [],
            "texts": texts, "klass": klass}


def survey_entries(*, region: str | None = None, start=None, end=None, schools=None):
    """The surveyed classes of the surveys that opened in the period, in the region (or at these schools)."""
    surveys = Survey.objects.all()
    if start:
        surveys = surveys.filter(opens_on__gte=start)
    if end:
        surveys = surveys.filter(opens_on__lte=end)
    entries = SurveyClass.objects.filter(survey__in=surveys)
    if region:
        entries = entries.filter(school_class__school__region__code__startswith=region)
    if schools is not None:
        entries = entries.filter(school_class__school__in=schools)
    return entries


def survey_figures(*, region: str | None = None, start=None, end=None, schools=None) -> dict:
    """Participation and flags for `stats --json`: surveys that opened in the period (in the region)."""
    entries = survey_entries(region=region, start=start, end=end, schools=schools)
    agg = entries.aggregate(classes=Count("pk"), students=Sum("school_class__student_count"),
                            flagged=Count("pk", filter=Q(flagged_tip__isnull=False)),
                            surveys=Count("survey", distinct=True))
    responses = Response.objects.filter(survey_class__in=entries).aggregate(
        n=Count("pk"), flagged=Count("pk", filter=Q(flagged_tip__isnull=False)))
    n, text_flags = responses["n"], responses["flagged"]
    return {
        "surveys_held": agg["surveys"],
        "survey_classes": agg["classes"],
        "survey_responses": n,
        "survey_participation_percent": round(100 * n / agg["students"], 1) if agg["students"] else None,
        "survey_classes_flagged": agg["flagged"],
        "survey_answers_flagged": text_flags,
    }
