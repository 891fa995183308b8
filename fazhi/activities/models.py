"""The education ledger (工作台账): every session, talk, home visit, handbook and pledge, and the quotas."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from fazhi.org.models import (
    Officer,
    Region,
    School,
    SchoolClass,
    ScopedQuerySet,
    _prefix_q,
    nearest_for_region,
)


class Kind(models.TextChoices):
    LEGAL_EDUCATION = "legal_education", _("Legal education")  # 法治宣传教育
    CASE_TALK = "case_talk", _("Case talk")  # 案例宣讲
    GAME = "game", _("Interactive game")  # 游戏互动
    CLASS_MEETING = "class_meeting", _("Class or team meeting, themed activity")  # 班团队会 / 主题活动
    LECTURE = "lecture", _("Thematic lecture")  # 专题讲座
    MENTAL_HEALTH = "mental_health", _("Mental-health education")  # 心理健康教育
    COUNSELLING = "counselling", _("One-to-one counselling")  # 一对一咨询
    TALK = "talk", _("Heart-to-heart talk")  # 谈心谈话
    HOME_VISIT = "home_visit", _("Home visit")  # 家访 (千名教师访万家)
    OTHER = "other", _("Other")


class Topic(models.TextChoices):
    FORMS = "forms", _("Kinds of school violence and bullying")
    HARMS = "harms", _("Their harm")
    RESPONSE = "response", _("How to respond")
    EFFECTS = "effects", _("Psychological effects on victims")
    RECOVERY = "recovery", _("Overcoming them")
    LAWS = "laws", _("Laws and rules")
    OTHER = "other", _("Other")


class Mode(models.TextChoices):
    OFFLINE = "offline", _("Offline")
    ONLINE = "online", _("Online")


# The figure each kind counts towards, under the English keys of `stats --json`.
KIND_FIGURE = {
    Kind.LEGAL_EDUCATION: "legal_education_sessions",
    Kind.CASE_TALK: "case_talks",
    Kind.GAME: "interactive_games",
    Kind.CLASS_MEETING: "class_meetings",
    Kind.LECTURE: "lectures",
    Kind.MENTAL_HEALTH: "mental_health_sessions",
    Kind.COUNSELLING: "counselling_sessions",
    Kind.TALK: "heart_to_heart_talks",
    Kind.HOME_VISIT: "home_visits",
    Kind.OTHER: "other_activities",
}


class ActivityQuerySet(ScopedQuerySet):
    def between(self, start: datetime.date | None, end: datetime.date | None):
        qs = self
        if start:
            qs = qs.filter(date__gte=start)
        if end:
            qs = qs.filter(date__lte=end)
        return qs

    def in_region(self, code: str | None):
        return self.filter(school__region__code__startswith=code) if code else self


class Activity(models.Model):
    """One education event. It belongs to one school and covers some of its classes, or the whole school."""

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    mode = models.CharField(_("online or offline"), max_length=10, choices=Mode.choices, default=Mode.OFFLINE)
    title = models.CharField(_("title"), max_length=100, blank=True)
    date = models.DateField(_("date"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), default=45, validators=[MinValueValidator(5), MaxValueValidator(600)])
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="activities")
    classes = models.ManyToManyField(SchoolClass, verbose_name=_("classes"), blank=True, related_name="activities")
    whole_school = models.BooleanField(_("the whole school"), default=False)
    topics = models.JSONField(_("topics"), default=list, blank=True)
    students = models.PositiveIntegerField(_("students"), default=0, validators=[MaxValueValidator(20000)])
    teachers = models.PositiveIntegerField(_("teachers"), default=0, validators=[MaxValueValidator(5000)])
    parents = models.PositiveIntegerField(_("parents"), default=0, validators=[MaxValueValidator(20000)])
    handbooks = models.PositiveIntegerField(_("handbooks handed out"), default=0, validators=[MaxValueValidator(20000)])
    pledges = models.PositiveIntegerField(_("pledges signed"), default=0, validators=[MaxValueValidator(20000)],
                                          help_text=_("拒绝校园欺凌暴力承诺书"))
    notes = models.TextField(_("notes"), blank=True, max_length=2000)
    officer = models.ForeignKey(Officer, verbose_name=_("officer"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="activities", help_text=_("The officer who led it, if any."))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    history = HistoricalRecords()
    objects = ActivityQuerySet.as_manager()
    SEARCH_FIELDS = ("title", "notes", "school__name", "officer__name")

    EDIT_DAYS = 7  # editing is allowed for this many days after recording, then the record is locked

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["school", "date"], name="activity_school_date_idx"),
            models.Index(fields=["officer", "date"], name="activity_officer_date_idx"),
            models.Index(fields=["date", "id"], name="activity_date_id_idx"),  # the list, newest first
        ]
        constraints = [
            models.CheckConstraint(condition=Q(duration_minutes__gte=1), name="activity_has_duration"),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="activity_kind_known"),
        ]

    def __str__(self):
        return f"{self.date} · {self.get_kind_display()} · {self.school}"

    @property
    def editable_until(self) -> datetime.datetime:
        return self.created_at + datetime.timedelta(days=self.EDIT_DAYS)

    @property
    def is_locked(self) -> bool:
        return timezone.now() > self.editable_until

    def clean(self):
        if self.date and self.date > timezone.localdate():
            raise ValidationError({"date": _("An activity is recorded after it took place.")})
        unknown = set(self.topics or []) - set(Topic.values)
        if unknown:
            raise ValidationError({"topics": _("Unknown topic.")})

    @classmethod
    def scope_q(cls, scope) -> Q:
        return (
            _prefix_q("school__region__code", scope.region_prefixes)
            | Q(school_id__in=scope.school_ids)
            | Q(pk__in=_activities_of_classes(scope.class_ids))
            | Q(officer_id__in=scope.officer_ids)
            | Q(officer__unit_id__in=scope.unit_ids)
        )

    @classmethod
    def edit_q(cls, scope) -> Q:
        """Who may change a record (within its edit window): whoever could have recorded it."""
        return (
            _prefix_q("school__region__code", scope.committee_prefixes + scope.education_prefixes)
            | Q(school_id__in=scope.school_ids)
            # a teacher: records of their own class only, not a record that also covers other classes
            | (Q(pk__in=_activities_of_classes(scope.class_ids)) & Q(whole_school=False)
               & ~Q(pk__in=_activities_beyond_classes(scope.class_ids)))
            # an officer: records they led, unless they cover classes the officer does not hold
            | (Q(officer_id__in=scope.officer_ids) & ~Q(pk__in=_activities_beyond_classes(scope.officer_class_ids)))
            | Q(officer__unit_id__in=scope.unit_ids)
        )


def _activities_beyond_classes(class_ids):
    """Activities that covered a class other than these."""
    return Activity.classes.through.objects.exclude(schoolclass_id__in=class_ids).values("activity_id")


def _activities_of_classes(class_ids):
    """A subquery (no join, so no duplicate rows): activities that covered any of these classes."""
    return Activity.classes.through.objects.filter(schoolclass_id__in=class_ids).values("activity_id")


class Evidence(models.Model):
    """A photo or file attached to an activity as evidence (type and size checked; photos without EXIF)."""

    class Type(models.TextChoices):
        PHOTO = "photo", _("Photo")
        FILE = "file", _("File")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="evidence")
    type = models.CharField(max_length=10, choices=Type.choices)
    file = models.FileField(upload_to="activities/%Y/%m/")
    thumbnail = models.ImageField(upload_to="activities/thumbs/%Y/%m/", blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self):
        return self.original_name or self.file.name


class Quota(models.Model):
    """Per-region minimums for a semester (defaults from the 2024 MOE campaign; configurable)."""

    class Semester(models.TextChoices):
        AUTUMN = "autumn", _("Autumn semester (September–January)")
        SPRING = "spring", _("Spring semester (February–July)")

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="quotas")
    school_year = models.PositiveSmallIntegerField(_("school year"))
    semester = models.CharField(_("semester"), max_length=10, choices=Semester.choices)
    class_meetings_per_class = models.PositiveSmallIntegerField(
        _("bullying-themed class meetings per class"), default=2, validators=[MaxValueValidator(50)])
    sessions_per_school = models.PositiveSmallIntegerField(
        _("prevention sessions per school"), default=1, validators=[MaxValueValidator(50)])
    activities_per_officer = models.PositiveSmallIntegerField(
        _("activities per officer in a class"), default=2, validators=[MaxValueValidator(100)])

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        constraints = [
            models.UniqueConstraint(fields=["region", "school_year", "semester"], name="quota_unique_per_semester"),
        ]

    def __str__(self):
        return f"{self.region} {self.school_year} {self.get_semester_display()}"

    @staticmethod
    def semester_dates(school_year: int, semester: str) -> tuple[datetime.date, datetime.date]:
        if semester == Quota.Semester.AUTUMN:
            return datetime.date(school_year, 9, 1), datetime.date(school_year + 1, 1, 31)
        return datetime.date(school_year + 1, 2, 1), datetime.date(school_year + 1, 7, 31)

    @staticmethod
    def current_semester(today: datetime.date | None = None) -> tuple[int, str]:
        today = today or timezone.localdate()
        if today.month >= 8:
            return today.year, Quota.Semester.AUTUMN
        if today.month == 1:
            return today.year - 1, Quota.Semester.AUTUMN
        return today.year - 1, Quota.Semester.SPRING

    @classmethod
    def for_region(cls, code: str, school_year: int, semester: str) -> "Quota":
        return (nearest_for_region(cls.objects.filter(school_year=school_year, semester=semester), code)
                or cls(region_id=code, school_year=school_year, semester=semester))
