"""The registry: regions, units, schools, classes and officers."""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models, transaction
from django.db.models import CharField, Q
from django.db.models.functions import Length
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from fazhi.org.validators import validate_hotline, validate_phone

CharField.register_lookup(Length)

region_code_validator = RegexValidator(
    r"^(\d{2}|\d{4}|\d{6})$", _("A region code has 2, 4 or 6 digits (GB/T 2260), e.g. 62, 6209, 620982.")
)


# Sent after an officer's status changes; the assignments app ends their classes and opens handovers.
officer_status_changed = Signal()


def region_chain(code: str) -> list[str]:
    """The region and the regions above it, nearest first: "620982" → ["620982", "6209", "62"]."""
    return [code[:n] for n in (6, 4, 2) if n <= len(code)]


def nearest_for_region(queryset, code: str):
    """The row of `queryset` (keyed by `region_id`) for the region or its nearest ancestor, or None: per-region
    settings (assignment rules, case deadlines, quotas) are inherited down the region tree."""
    codes = region_chain(code)
    found = {row.region_id: row for row in queryset.filter(region_id__in=codes)}
    return next((found[c] for c in codes if c in found), None)


def current_school_year(today: datetime.date | None = None) -> int:
    """The school year turns over on 1 August: 2026-11 belongs to 2026, 2027-03 to 2026."""
    today = today or timezone.localdate()
    return today.year if today.month >= 8 else today.year - 1


def new_public_token() -> str:
    return secrets.token_urlsafe(16)


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows how to restrict itself to what a user may see.

    Each model defines `scope_q(scope)`; `visible_to(user)` applies it.
    """

    def visible_to(self, user):
        from fazhi.accounts.scope import scope_for

        scope = scope_for(user)
        if scope.superuser:
            return self
        return self.filter(self.model.scope_q(scope))

    def editable_by(self, user):
        from fazhi.accounts.scope import scope_for

        scope = scope_for(user)
        if scope.superuser:
            return self
        return self.filter(self.model.edit_q(scope))

    def search(self, q: str):
        """Records with `q` in one of the model's `SEARCH_FIELDS`: the lists' search box and the API's `q`."""
        q = (q or "").strip()
        if not q:
            return self
        found = Q(pk__in=[])
        for field in self.model.SEARCH_FIELDS:
            found |= Q(**{f"{field}__icontains": q})
        return self.filter(found)


def _prefix_q(field: str, prefixes) -> Q:
    q = Q(pk__in=[])
    for prefix in prefixes:
        q |= Q(**{f"{field}__startswith": prefix})
    return q


class Region(models.Model):
    class Level(models.IntegerChoices):
        PROVINCE = 1, _("Province")
        CITY = 2, _("City")
        COUNTY = 3, _("County")

    code = models.CharField(_("code"), max_length=6, primary_key=True, validators=[region_code_validator])
    name = models.CharField(_("name"), max_length=50)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.CheckConstraint(condition=Q(code__length__in=[2, 4, 6]), name="region_code_length"),
        ]

    def __str__(self):
        return self.name

    @property
    def level(self) -> int:
        return {2: 1, 4: 2, 6: 3}[len(self.code)]

    def get_level_display(self) -> str:
        return str(self.Level(self.level).label)

    @property
    def full_name(self) -> str:
        names = []
        region = self
        while region is not None:
            names.append(region.name)
            region = region.parent
        return "".join(reversed(names))

    def clean(self):
        expected_parent = self.code[:-2] if len(self.code or "") > 2 else None
        if expected_parent and self.parent_id != expected_parent:
            raise ValidationError({"parent": _("The parent of %(code)s must be %(parent)s.") % {
                "code": self.code, "parent": expected_parent}})

    @classmethod
    def scope_q(cls, scope) -> Q:
        # A regional user sees their region, everything below it, and the chain above it (for names).
        q = _prefix_q("code", scope.region_prefixes)
        ancestors = {p[:n] for p in scope.region_prefixes for n in (2, 4) if n < len(p)}
        return q | Q(code__in=ancestors)

    @classmethod
    def edit_q(cls, scope) -> Q:
        return Q(pk__in=[])


class Unit(models.Model):
    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("Political-legal committee")
        COURT = "court", _("Court")
        PROCURATORATE = "procuratorate", _("Procuratorate")
        PUBLIC_SECURITY = "public_security", _("Public security bureau")
        JUSTICE = "justice", _("Justice bureau")
        EDUCATION = "education", _("Education bureau")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="units")
    phone = models.CharField(_("phone"), max_length=30, validators=[validate_phone])
    supervision_hotline = models.CharField(
        _("supervision hotline"),
        max_length=30,
        blank=True,
        validators=[validate_hotline],
        help_text=_("The committee's supervision hotline, printed on every class noticeboard."),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    SEARCH_FIELDS = ("name", "phone")

    class Meta:
        ordering = ["region_id", "kind", "name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        indexes = [models.Index(fields=["name", "id"], name="unit_name_idx")]  # lists sorted by unit name
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="unit_unique_name_in_region"),
            models.CheckConstraint(
                condition=~Q(kind="committee") | ~Q(supervision_hotline=""),
                name="committee_has_hotline",
                violation_error_message=_("A political-legal committee needs its supervision hotline."),
            ),
        ]

    def __str__(self):
        return self.name

    @classmethod
    def scope_q(cls, scope) -> Q:
        return (
            _prefix_q("region__code", scope.region_prefixes)
            | Q(pk__in=scope.unit_ids)
            | Q(pk__in=scope.officer_unit_ids)
        )

    @classmethod
    def edit_q(cls, scope) -> Q:
        return _prefix_q("region__code", scope.committee_prefixes) | Q(pk__in=scope.unit_ids)

    def liaisons(self):
        from fazhi.accounts.models import Membership

        return Membership.objects.filter(unit=self, role=Membership.Role.LIAISON, user__is_active=True).select_related(
            "user"
        )

    def committee(self):
        """The political-legal committee responsible for this unit's region (nearest up the tree)."""
        for code in region_chain(self.region_id):
            unit = Unit.objects.filter(kind=Unit.Kind.COMMITTEE, region_id=code).first()
            if unit:
                return unit
        return None


class School(models.Model):
    class Stage(models.TextChoices):
        PRIMARY = "primary", _("Primary school")
        JUNIOR = "junior", _("Junior secondary school")
        SENIOR = "senior", _("Senior secondary school")
        NINE_YEAR = "nine_year", _("Nine-year school")
        VOCATIONAL = "vocational", _("Vocational school")

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="schools")
    name = models.CharField(_("name"), max_length=100)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[validate_phone])
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    SEARCH_FIELDS = ("name", "address")

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="school_unique_name_in_region")]
        indexes = [models.Index(fields=["name", "id"], name="school_name_idx")]  # lists sorted by school name

    def __str__(self):
        return self.name

    GRADE_RANGES = {
        "primary": range(1, 7),
        "junior": range(7, 10),
        "senior": range(10, 13),
        "nine_year": range(1, 10),
        "vocational": range(10, 13),
    }

    def allowed_grades(self) -> range:
        return self.GRADE_RANGES[self.stage]

    @classmethod
    def scope_q(cls, scope) -> Q:
        return (
            _prefix_q("region__code", scope.region_prefixes)
            | Q(pk__in=scope.school_ids)
            | Q(pk__in=scope.class_school_ids)
            | Q(pk__in=scope.paired_school_ids)
            | Q(pk__in=scope.officer_school_ids)
        )

    @classmethod
    def edit_q(cls, scope) -> Q:
        return _prefix_q("region__code", scope.committee_prefixes + scope.education_prefixes) | Q(
            pk__in=scope.school_ids
        )


GRADE_NAMES = {
    1: "一年级", 2: "二年级", 3: "三年级", 4: "四年级", 5: "五年级", 6: "六年级",
    7: "七年级", 8: "八年级", 9: "九年级", 10: "高一", 11: "高二", 12: "高三",
}


def class_display_name(grade: int, number: int) -> str:
    return f"{GRADE_NAMES.get(grade, f'{grade}年级')}({number})班"


class SchoolClass(models.Model):
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="classes")
    school_year = models.PositiveSmallIntegerField(
        _("school year"),
        default=current_school_year,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("The year the school year starts, e.g. 2026 for 2026–2027."),
    )
    grade = models.PositiveSmallIntegerField(
        _("grade"), validators=[MinValueValidator(1), MaxValueValidator(12)], help_text=_("1–6 primary, 7–9 junior, 10–12 senior.")
    )
    number = models.PositiveSmallIntegerField(_("class number"), validators=[MinValueValidator(1), MaxValueValidator(99)])
    name = models.CharField(_("display name"), max_length=30, blank=True, help_text=_("Filled in automatically, e.g. 七年级(3)班."))
    homeroom_teacher = models.CharField(_("homeroom teacher"), max_length=50, blank=True)
    homeroom_teacher_phone = models.CharField(
        _("homeroom teacher's phone"), max_length=30, blank=True, validators=[validate_phone]
    )
    student_count = models.PositiveSmallIntegerField(
        _("number of students"), default=0, validators=[MaxValueValidator(150)]
    )
    public_token = models.CharField(_("public token"), max_length=32, unique=True, default=new_public_token, editable=False)
    promoted_from = models.OneToOneField(
        "self", verbose_name=_("promoted from"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="promoted_to", editable=False, help_text=_("Last school year's class these students were in."))
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    SEARCH_FIELDS = ("school__name", "name", "homeroom_teacher")

    class Meta:
        ordering = ["school_id", "-school_year", "grade", "number"]
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "grade", "number"], name="class_unique_per_school_year"
            ),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=12), name="class_grade_range"),
            models.CheckConstraint(condition=Q(number__gte=1), name="class_number_positive"),
        ]

    def __str__(self):
        return f"{self.school.name} {self.name}"

    def save(self, *args, **kwargs):
        if not self.name:
            self.name = class_display_name(self.grade, self.number)
        super().save(*args, **kwargs)

    @property
    def school_year_label(self) -> str:
        return f"{self.school_year}–{self.school_year + 1}"

    def public_url(self) -> str:
        return f"{settings.PUBLIC_BASE_URL}/c/{self.public_token}/"

    def clean(self):
        if self.school_id and self.grade and self.grade not in self.school.allowed_grades():
            raise ValidationError(
                {"grade": _("A %(stage)s has grades %(low)s–%(high)s.") % {
                    "stage": self.school.get_stage_display(),
                    "low": self.school.allowed_grades()[0],
                    "high": self.school.allowed_grades()[-1],
                }}
            )

    @classmethod
    def scope_q(cls, scope) -> Q:
        return (
            _prefix_q("school__region__code", scope.region_prefixes)
            | Q(school_id__in=scope.school_ids)
            | Q(pk__in=scope.class_ids)
            | Q(school_id__in=scope.paired_school_ids)
            | Q(pk__in=scope.officer_class_ids)
        )

    @classmethod
    def edit_q(cls, scope) -> Q:
        return (
            _prefix_q("school__region__code", scope.committee_prefixes + scope.education_prefixes)
            | Q(school_id__in=scope.school_ids)
            | Q(pk__in=scope.class_ids)
        )


class Officer(models.Model):
    class Gender(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        TRANSFERRED = "transferred", _("Transferred")
        RETIRED = "retired", _("Retired")
        LEFT = "left", _("Left")

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="officers")
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    phone = models.CharField(_("phone"), max_length=30, unique=True, validators=[validate_phone])
    title = models.CharField(_("title / rank"), max_length=50, blank=True)
    photo = models.ImageField(_("photo"), upload_to="officers/%Y/", blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    status_changed_on = models.DateField(_("status changed on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["photo"])
    objects = ScopedQuerySet.as_manager()
    SEARCH_FIELDS = ("name", "phone", "title")

    class Meta:
        ordering = ["unit_id", "name"]
        verbose_name = _("officer")
        verbose_name_plural = _("officers")
        indexes = [models.Index(fields=["status"], name="officer_status_idx")]

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def change_status(self, status: str, on: datetime.date, reason: str = "") -> None:
        """Record a transfer, retirement or departure (or a return to active duty)."""
        if status not in self.Status.values:
            raise ValidationError(_("Unknown status."))
        if on > timezone.localdate():
            raise ValidationError(_("The date of a status change cannot be in the future."))
        previous = self.status
        self.status = status
        self.status_changed_on = on
        self._change_reason = reason
        with transaction.atomic():
            self.save(update_fields=["status", "status_changed_on"])
            officer_status_changed.send(sender=Officer, officer=self, previous=previous, on=on, reason=reason)

    @classmethod
    def scope_q(cls, scope) -> Q:
        return (
            _prefix_q("unit__region__code", scope.region_prefixes)
            | Q(unit_id__in=scope.unit_ids)
            | Q(pk__in=scope.officer_ids)
            | Q(pk__in=scope.assigned_officer_ids)
        )

    @classmethod
    def edit_q(cls, scope) -> Q:
        return _prefix_q("unit__region__code", scope.committee_prefixes) | Q(unit_id__in=scope.unit_ids)
