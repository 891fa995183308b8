"""Pairings (包校), assignments (包班), handovers, training, per-region rules and noticeboard postings."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from fazhi.org.models import (
    Officer,
    Region,
    School,
    SchoolClass,
    ScopedQuerySet,
    Unit,
    _prefix_q,
    nearest_for_region,
)

# The database allows at most this many classes per officer; each region picks its own limit up to it.
MAX_LOAD = 5


class Policy(models.Model):
    """Per-region rules for assignments. The nearest policy up the region tree applies."""

    region = models.OneToOneField(Region, verbose_name=_("region"), on_delete=models.CASCADE, primary_key=True)
    max_classes_per_officer = models.PositiveSmallIntegerField(
        _("classes per officer at most"), default=1, validators=[MinValueValidator(1), MaxValueValidator(MAX_LOAD)])
    training_hours_required = models.DecimalField(
        _("pre-service training hours required"), max_digits=4, decimal_places=1, default=Decimal(8),
        validators=[MinValueValidator(0)])
    training_grace_days = models.PositiveSmallIntegerField(
        _("days after taking a class to complete training"), default=30, validators=[MaxValueValidator(365)])
    uncovered_limit_days = models.PositiveSmallIntegerField(
        _("days a class may stay uncovered"), default=7, validators=[MinValueValidator(1), MaxValueValidator(90)])

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assignment rules")
        verbose_name_plural = _("assignment rules")
        constraints = [
            models.CheckConstraint(condition=Q(max_classes_per_officer__gte=1, max_classes_per_officer__lte=MAX_LOAD),
                                   name="policy_load_within_database_limit"),
        ]

    def __str__(self):
        return str(self.region)

    @classmethod
    def for_region(cls, code: str) -> "Policy":
        """The policy of the region or its nearest ancestor; the national defaults if none is set."""
        return nearest_for_region(cls.objects.all(), code) or cls(region_id=code)


class Pairing(models.Model):
    """包校: a unit takes on a school for a school year."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="pairings")
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="pairings")
    school_year = models.PositiveSmallIntegerField(_("school year"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-school_year", "school__name", "unit__name"]
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        constraints = [
            models.UniqueConstraint(fields=["unit", "school", "school_year"], name="pairing_unique_per_year"),
        ]

    def __str__(self):
        return f"{self.unit} ↔ {self.school} ({self.school_year})"

    @classmethod
    def scope_q(cls, scope) -> Q:
        return (_prefix_q("school__region__code", scope.region_prefixes) | Q(unit_id__in=scope.unit_ids)
                | Q(school_id__in=scope.school_ids))

    @classmethod
    def edit_q(cls, scope) -> Q:
        return _prefix_q("school__region__code", scope.committee_prefixes)


class AssignmentQuerySet(ScopedQuerySet):
    def holding(self):
        """Assignments that hold a place: confirmed (starting soon) or active."""
        return self.filter(status__in=Assignment.HOLDING)

    def homeroom(self):
        return self.filter(role=Assignment.Role.HOMEROOM)

    def training_overdue(self, policy: "Policy", today: datetime.date | None = None):
        """Assignments whose officer has not completed the pre-service hours by the end of the grace period."""
        today = today or timezone.localdate()
        hours = (Training.objects.filter(officer=OuterRef("officer"), kind=Training.Kind.PRE_SERVICE)
                 .values("officer").annotate(h=Sum("hours")).values("h"))
        return self.annotate(pre_service_hours=Coalesce(Subquery(hours), Decimal(0))).filter(
            pre_service_hours__lt=policy.training_hours_required,
            starts_on__lt=today - datetime.timedelta(days=policy.training_grace_days))


class Assignment(models.Model):
    class Role(models.TextChoices):
        HOMEROOM = "homeroom", _("Rule-of-law homeroom teacher")
        VICE_PRINCIPAL = "vice_principal", _("Rule-of-law vice principal")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        CONFIRMED = "confirmed", _("Confirmed")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")
        REJECTED = "rejected", _("Rejected")

    class EndReason(models.TextChoices):
        TRANSFER = "transfer", _("Transfer")
        RETIREMENT = "retirement", _("Retirement")
        LEFT = "left", _("Left the unit")
        YEAR_END = "year_end", _("End of school year")
        REPLACED = "replaced", _("Replaced")
        OTHER = "other", _("Other")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Proposed by hand")
        OPTIMIZER = "optimizer", _("Automatic proposal")
        ROLLOVER = "rollover", _("Carried over with the promoted class")

    HOLDING = (Status.CONFIRMED, Status.ACTIVE)

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.HOMEROOM)
    officer = models.ForeignKey(Officer, verbose_name=_("officer"), on_delete=models.PROTECT,
                                related_name="assignments")
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="assignments")
    school_class = models.ForeignKey(SchoolClass, verbose_name=_("class"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="assignments")
    school_year = models.PositiveSmallIntegerField(_("school year"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED)
    load_slot = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    pairing = models.ForeignKey(Pairing, verbose_name=_("pairing"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="assignments")
    exception_reason = models.CharField(
        _("reason for the exception"), max_length=300, blank=True,
        help_text=_("Only when the officer's unit is not paired with the school; recorded by the committee."))
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.MANUAL)
    explanation = models.CharField(_("explanation"), max_length=500, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    rejection_reason = models.CharField(_("reason for rejection"), max_length=300, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=20, choices=EndReason.choices, blank=True)
    end_note = models.CharField(_("note"), max_length=300, blank=True)

    history = HistoricalRecords()
    objects = AssignmentQuerySet.as_manager()
    SEARCH_FIELDS = ("officer__name", "school__name", "school_class__name")

    class Meta:
        ordering = ["-proposed_at"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        indexes = [
            models.Index(fields=["school_class", "status"], name="assignment_class_status_idx"),
            models.Index(fields=["officer", "status"], name="assignment_officer_status_idx"),
            models.Index(fields=["school", "status"], name="assignment_school_status_idx"),
            models.Index(fields=["proposed_at", "id"], name="assignment_proposed_idx"),  # the list, newest first
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(role="homeroom", school_class__isnull=False)
                           | Q(role="vice_principal", school_class__isnull=True)),
                name="assignment_class_matches_role"),
            models.UniqueConstraint(
                fields=["school_class"], condition=Q(role="homeroom", status__in=["confirmed", "active"]),
                name="one_officer_per_class",
                violation_error_message=_("This class already has its rule-of-law homeroom teacher.")),
            models.UniqueConstraint(
                fields=["school_class"], condition=Q(role="homeroom", status="proposed"),
                name="one_open_proposal_per_class",
                violation_error_message=_("This class already has an open proposal.")),
            models.UniqueConstraint(
                fields=["officer", "school"], condition=Q(role="vice_principal", status__in=["proposed", "confirmed", "active"]),
                name="one_vice_principal_post_per_officer_and_school"),
            # The load limit: each confirmed or active class takes one of the officer's numbered slots;
            # a region's limit decides how many slots may be used, the database that no slot is taken twice.
            models.UniqueConstraint(
                fields=["officer", "load_slot"], condition=Q(role="homeroom", status__in=["confirmed", "active"]),
                name="officer_load_slot_unique"),
            models.CheckConstraint(
                condition=(~Q(role="homeroom", status__in=["confirmed", "active"])
                           | Q(load_slot__gte=1, load_slot__lte=MAX_LOAD)),
                name="holding_assignment_has_load_slot"),
            models.CheckConstraint(
                condition=Q(pairing__isnull=False) | ~Q(exception_reason=""),
                name="assignment_paired_or_exception",
                violation_error_message=_("The officer's unit is not paired with this school; "
                                          "the committee must record a reason for the exception.")),
            models.CheckConstraint(condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                                   name="rejection_has_reason"),
            models.CheckConstraint(
                condition=~Q(status="ended") | (Q(ended_on__isnull=False) & ~Q(end_reason="")),
                name="ended_has_date_and_reason"),
            models.CheckConstraint(condition=~Q(status__in=["confirmed", "active"]) | Q(starts_on__isnull=False),
                                   name="holding_has_start_date"),
        ]

    def __str__(self):
        where = self.school_class.name if self.school_class_id else self.school.name
        return f"{self.officer.name} · {where} · {self.get_role_display()}"

    @property
    def place(self):
        return self.school_class or self.school

    @classmethod
    def scope_q(cls, scope) -> Q:
        return (
            _prefix_q("school__region__code", scope.region_prefixes)
            | Q(officer__unit_id__in=scope.unit_ids)
            | Q(officer_id__in=scope.officer_ids)
            | Q(school_id__in=scope.school_ids)
            | Q(school_class_id__in=scope.class_ids)
        )

    @classmethod
    def edit_q(cls, scope) -> Q:
        """Who decides on assignments: the committee of the school's region."""
        return _prefix_q("school__region__code", scope.committee_prefixes)

    def training_status(self, policy: Policy | None = None, today: datetime.date | None = None) -> dict:
        """Pre-service training against the region's rule: done, due (by a date) or overdue."""
        policy = policy or Policy.for_region(self.school.region_id)
        today = today or timezone.localdate()
        start = self.starts_on or today
        due = start + datetime.timedelta(days=policy.training_grace_days)
        hours = (Training.objects.filter(officer_id=self.officer_id, kind=Training.Kind.PRE_SERVICE, date__lte=due)
                 .aggregate(h=Sum("hours"))["h"] or Decimal(0))
        if hours >= policy.training_hours_required:
            state = "done"
        else:
            state = "overdue" if today > due else "due"
        return {"state": state, "hours": hours, "required": policy.training_hours_required, "due": due}


class Handover(models.Model):
    """When an officer leaves a class, the class is uncovered until a replacement takes it (不断茬)."""

    school_class = models.ForeignKey(SchoolClass, verbose_name=_("class"), on_delete=models.PROTECT,
                                     related_name="handovers")
    ended_assignment = models.OneToOneField(Assignment, verbose_name=_("ended assignment"), on_delete=models.PROTECT,
                                            related_name="handover")
    opened_on = models.DateField(_("uncovered since"))
    closed_on = models.DateField(_("covered again on"), null=True, blank=True)
    replacement = models.OneToOneField(Assignment, verbose_name=_("replacement"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="replaces")

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["closed_on", "opened_on"]
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        constraints = [
            models.UniqueConstraint(fields=["school_class"], condition=Q(closed_on__isnull=True),
                                    name="one_open_handover_per_class"),
            models.CheckConstraint(condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("opened_on")),
                                   name="handover_closes_after_it_opens"),
        ]

    def __str__(self):
        return f"{self.school_class} ({self.opened_on})"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    def days_uncovered(self, today: datetime.date | None = None) -> int:
        end = self.closed_on or today or timezone.localdate()
        return (end - self.opened_on).days

    def is_overdue(self, policy: Policy | None = None, today: datetime.date | None = None) -> bool:
        policy = policy or Policy.for_region(self.school_class.school.region_id)
        return self.days_uncovered(today) > policy.uncovered_limit_days

    @classmethod
    def scope_q(cls, scope) -> Q:
        return (
            _prefix_q("school_class__school__region__code", scope.region_prefixes)
            | Q(ended_assignment__officer__unit_id__in=scope.unit_ids)
            | Q(school_class__school_id__in=scope.school_ids)
            | Q(school_class_id__in=scope.class_ids)
        )

    @classmethod
    def edit_q(cls, scope) -> Q:
        return _prefix_q("school_class__school__region__code", scope.committee_prefixes)


class Training(models.Model):
    class Kind(models.TextChoices):
        PRE_SERVICE = "pre_service", _("Pre-service training")
        IN_SERVICE = "in_service", _("In-service training")

    officer = models.ForeignKey(Officer, verbose_name=_("officer"), on_delete=models.PROTECT, related_name="trainings")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PRE_SERVICE)
    date = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1,
                                validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal(80))])
    topic = models.CharField(_("topic"), max_length=200)
    provider = models.CharField(_("organised by"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        constraints = [models.CheckConstraint(condition=Q(hours__gt=0), name="training_hours_positive")]

    def __str__(self):
        return f"{self.officer} · {self.topic} ({self.hours} h)"

    @classmethod
    def scope_q(cls, scope) -> Q:
        return Q(officer__in=Officer.objects.filter(Officer.scope_q(scope)))

    @classmethod
    def edit_q(cls, scope) -> Q:
        return Q(officer__in=Officer.objects.filter(Officer.edit_q(scope)))


class NoticeboardPosting(models.Model):
    """A school's confirmation that a class's printed noticeboard is on the wall."""

    school_class = models.ForeignKey(SchoolClass, verbose_name=_("class"), on_delete=models.CASCADE,
                                     related_name="noticeboard_postings")
    fingerprint = models.CharField(max_length=64, help_text="hash of what the posted board showed")
    posted_on = models.DateField(_("posted on"), default=timezone.localdate)
    photo = models.ImageField(_("photo"), upload_to="noticeboards/%Y/", blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("noticeboard posting")
        verbose_name_plural = _("noticeboard postings")

    def __str__(self):
        return f"{self.school_class} ({self.posted_on})"

