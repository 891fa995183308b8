"""Anonymous surveys (问卷调查): questionnaires with versions, survey windows for classes, anonymous responses.

A Questionnaire is one version; once a survey has used it, it is frozen and changing it means copying it into a
new version, so that answers always refer to the questions that were asked. A Survey opens a questionnaire for
a set of classes (SurveyClass, each with a short code for its QR sheet) over a period. A Response is one
student's anonymous answers: no identity, no address, no user agent, only the day it was sent.
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fazhi.org.models import Region, School, SchoolClass, ScopedQuerySet, _prefix_q

MAX_TEXT_ANSWER = 500


class Audience(models.TextChoices):
    PRIMARY = "primary", _("Primary pupils (grade 2 and up)")
    SECONDARY = "secondary", _("Secondary pupils")
    PARENTS = "parents", pgettext_lazy("audience", "Parents")
    OTHER = "other", _("Other")


class QuestionnaireQuerySet(ScopedQuerySet):
    def usable(self):
        return self.filter(retired=False)


class Questionnaire(models.Model):
    title = models.CharField(pgettext_lazy("survey", "title"), max_length=100)
    introduction = models.TextField(_("introduction"), max_length=2000, blank=True,
                                    help_text=_("Shown to students before the first question."))
    audience = models.CharField(_("for"), max_length=20, choices=Audience.choices, default=Audience.SECONDARY)
    # Built-in questionnaires (shipped with fazhi) have a key and no owner; they are visible to everyone.
    builtin = models.CharField(max_length=40, blank=True, editable=False)
    # Custom questionnaires belong to a region (committee, bureau) or a school.
    region = models.ForeignKey(Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    school = models.ForeignKey(School, verbose_name=_("school"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    # Versions: every version of one questionnaire shares the first version as its family.
    family = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    frozen = models.BooleanField(_("in use"), default=False,
                                 help_text=_("A questionnaire that a survey has used is never changed."))
    retired = models.BooleanField(_("retired"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = QuestionnaireQuerySet.as_manager()

    class Meta:
        ordering = ["title", "-version"]
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        constraints = [
            models.CheckConstraint(condition=Q(audience__in=Audience.values), name="questionnaire_audience_known"),
        ]

    def __str__(self):
        return f"{self.title} (v{self.version})"

    @classmethod
    def scope_q(cls, scope) -> Q:
        return (~Q(builtin="") | _prefix_q("region__code", scope.region_prefixes)
                | _prefix_q("school__region__code", scope.region_prefixes) | Q(school_id__in=scope.school_ids))

    @classmethod
    def edit_q(cls, scope) -> Q:
        owned = (_prefix_q("region__code", scope.committee_prefixes + scope.education_prefixes)
                 | _prefix_q("school__region__code", scope.committee_prefixes + scope.education_prefixes)
                 | Q(school_id__in=scope.school_ids))
        return owned & Q(builtin="")

    def copy(self, *, by, title: str | None = None, new_version: bool = True, region=None, school=None):
        """A new, editable questionnaire with the same questions: the next version of this one (same owner), or
        a fresh questionnaire of another owner (e.g. a school adapting a built-in one)."""
        family = self.family or self
        if new_version:
            latest = Questionnaire.objects.filter(Q(pk=family.pk) | Q(family=family)).order_by("-version").first()
            copy = Questionnaire(title=title or self.title, introduction=self.introduction, audience=self.audience,
                                 region=self.region, school=self.school, family=family,
                                 version=latest.version + 1, created_by=by)
        else:
            copy = Questionnaire(title=title or self.title, introduction=self.introduction, audience=self.audience,
                                 region=region, school=school, created_by=by)
        copy.save()
        Question.objects.bulk_create([
            Question(questionnaire=copy, position=q.position, kind=q.kind, text=q.text, help=q.help,
                     options=q.options, key=q.key) for q in self.questions.all()])
        return copy

    def check_editable(self):
        if self.frozen or self.builtin:
            raise ValidationError(_("This questionnaire is in use (or built in) and cannot be changed: make a new "
                                    "version of it instead."))


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        SCALE = "scale", _("Frequency scale")
        TEXT = "text", _("Short text")

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    text = models.CharField(_("question"), max_length=300)
    help = models.CharField(_("explanation"), max_length=300, blank=True)
    options = models.JSONField(_("options"), default=list, blank=True)
    # Built-in questions carry a key that the results and the risk flags rely on ("bullied", "physical", …).
    key = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["single", "multiple", "scale", "text"]),
                                   name="question_kind_known"),
        ]

    def __str__(self):
        return self.text

    @property
    def choices(self) -> list[str]:
        """The options, in order (their index is what an answer stores); none for a text question."""
        return [] if self.kind == self.Kind.TEXT else list(self.options or [])


def new_code() -> str:
    # 8 characters without look-alikes (no 0/O, 1/I/L): typed by pupils from a projected sheet.
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(8))


class SurveyQuerySet(ScopedQuerySet):
    def open_on(self, day=None):
        day = day or timezone.localdate()
        return self.filter(opens_on__lte=day, closes_on__gte=day, closed_early=False)


class Survey(models.Model):
    """A survey window: one questionnaire, a set of classes, a period."""

    title = models.CharField(pgettext_lazy("survey", "title"), max_length=100)
    questionnaire = models.ForeignKey(Questionnaire, verbose_name=_("questionnaire"), on_delete=models.PROTECT,
                                      related_name="surveys")
    # The survey's owner scope: a region (committee, bureau) or a school.
    region = models.ForeignKey(Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    school = models.ForeignKey(School, verbose_name=_("school"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    closed_early = models.BooleanField(_("closed early"), default=False)
    min_group = models.PositiveSmallIntegerField(
        _("smallest group shown"), default=10, validators=[MinValueValidator(5), MaxValueValidator(100)],
        help_text=_("Results of a class, school or region with fewer respondents are not shown (never below 5)."))
    flag_percent = models.PositiveSmallIntegerField(
        _("risk flag threshold (%)"), default=15, validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("A class where at least this share of respondents were bullied 2–3 times a month or more "
                    "becomes a clue for its officer."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = SurveyQuerySet.as_manager()
    SEARCH_FIELDS = ("title",)

    class Meta:
        ordering = ["-opens_on", "-pk"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gte=models.F("opens_on")), name="survey_period_ordered"),
            models.CheckConstraint(condition=Q(min_group__gte=5), name="survey_min_group_at_least_5"),
            models.CheckConstraint(condition=Q(region__isnull=False) | Q(school__isnull=False),
                                   name="survey_has_owner"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        today = timezone.localdate()
        return not self.closed_early and self.opens_on <= today <= self.closes_on

    @classmethod
    def scope_q(cls, scope) -> Q:
        """The region's roles; a school's administrators and the officers there see the surveys that include
        their school's or their classes."""
        mine = SurveyClass.objects.filter(Q(school_class__school_id__in=scope.school_ids)
                                          | Q(school_class__school_id__in=scope.officer_vp_school_ids)
                                          | Q(school_class_id__in=scope.officer_class_ids)).values("survey_id")
        return (_prefix_q("region__code", scope.region_prefixes)
                | _prefix_q("school__region__code", scope.region_prefixes)
                | Q(school_id__in=scope.school_ids) | Q(pk__in=mine))

    @classmethod
    def edit_q(cls, scope) -> Q:
        return (_prefix_q("region__code", scope.committee_prefixes + scope.education_prefixes)
                | _prefix_q("school__region__code", scope.committee_prefixes + scope.education_prefixes)
                | Q(school_id__in=scope.school_ids))


class SurveyClass(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="classes")
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, related_name="survey_entries")
    code = models.CharField(max_length=8, unique=True, default=new_code)
    # The clue created when the class's answers passed the risk threshold (once per survey and class).
    flagged_tip = models.ForeignKey("tips.Tip", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["school_class__school__name", "school_class__grade", "school_class__number"]
        constraints = [models.UniqueConstraint(fields=["survey", "school_class"], name="survey_class_once")]

    def __str__(self):
        return f"{self.survey} · {self.school_class}"


class Response(models.Model):
    """One student's answers. Only the day is kept, not the time (a time would help tell pupils apart)."""

    survey_class = models.ForeignKey(SurveyClass, on_delete=models.PROTECT, related_name="responses")
    submitted_on = models.DateField(default=timezone.localdate)
    # HMAC of the form's idempotency key (a retried submission is not counted twice); never the key itself.
    idempotency_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    flagged_tip = models.ForeignKey("tips.Tip", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["survey_class"], name="response_class_idx")]

    def __str__(self):
        return f"{self.survey_class} · {self.submitted_on}"


class Answer(models.Model):
    """One answer: an option's index (single choice, scale, one row per ticked option for multiple choice) or
    a short text."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.CharField(max_length=MAX_TEXT_ANSWER, blank=True)

    class Meta:
        indexes = [models.Index(fields=["question", "value"], name="answer_question_value_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(value__isnull=False) | ~Q(text=""), name="answer_not_empty"),
        ]

    def __str__(self):
        return f"{self.question_id}: {self.value if self.value is not None else self.text}"
