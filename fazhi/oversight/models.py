"""Joint inspections (联合检查), their findings and rectification, and accountability records (约谈, 通报, 问责).

Who sees what is each model's `scope_q`; who writes is `edit_q` (and `Finding.rectify_q` for the owner's
rectification). Outsiders get 404 from every object URL."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fazhi.org.models import Officer, Region, School, ScopedQuerySet, Unit, _prefix_q

MAX_TEXT = 2000


class Agency(models.TextChoices):
    COMMITTEE = "committee", _("Political-legal committee")
    EDUCATION = "education", _("Education bureau")
    COURT = "court", _("Court")
    PROCURATORATE = "procuratorate", _("Procuratorate")
    PUBLIC_SECURITY = "public_security", _("Public security bureau")
    JUSTICE = "justice", _("Justice bureau")


class Area(models.TextChoices):
    SCHOOL = "school", _("School")
    UNIT = "unit", _("Unit")
    OFFICER = "officer", _("Officer")


def _ancestors(prefixes) -> set[str]:
    return {p[:n] for p in prefixes for n in (2, 4) if n < len(p)}


class ChecklistTemplate(models.Model):
    """A checklist for joint inspections. Built-in templates have no region and cannot be edited; a region
    copies one and edits its own copy."""

    region = models.ForeignKey(Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="checklists", help_text=_("Empty for a built-in template."))
    name = models.CharField(_("name"), max_length=100)
    copied_from = models.ForeignKey("self", verbose_name=_("copied from"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="copies")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["region_id", "name", "pk"]
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")

    def __str__(self):
        return self.name

    @property
    def builtin(self) -> bool:
        return self.region_id is None

    @classmethod
    def scope_q(cls, scope) -> Q:
        if not scope.region_prefixes:
            return Q(pk__in=[])
        return (Q(region__isnull=True) | _prefix_q("region__code", scope.region_prefixes)
                | Q(region_id__in=_ancestors(scope.region_prefixes)))

    @classmethod
    def edit_q(cls, scope) -> Q:
        return _prefix_q("region__code", scope.committee_prefixes + scope.education_prefixes)


class ChecklistItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("item"), max_length=300)
    area = models.CharField(_("area"), max_length=10, choices=Area.choices)

    class Meta:
        ordering = ["template_id", "order", "pk"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")

    def __str__(self):
        return self.text


class Inspection(models.Model):
    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", pgettext_lazy("inspection", "Done")

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="inspections")
    title = models.CharField(pgettext_lazy("document", "title"), max_length=200)
    date = models.DateField(_("date"))
    agencies = models.JSONField(_("participating agencies"), default=list)
    schools = models.ManyToManyField(School, verbose_name=_("schools"), blank=True, related_name="inspections")
    units = models.ManyToManyField(Unit, verbose_name=_("units"), blank=True, related_name="inspections")
    template = models.ForeignKey(ChecklistTemplate, verbose_name=_("checklist"), on_delete=models.PROTECT,
                                 related_name="inspections")
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.PLANNED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("planned by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("joint inspection")
        verbose_name_plural = _("joint inspections")

    def __str__(self):
        return self.title

    def clean(self):
        if not isinstance(self.agencies, list) or not self.agencies or any(
                a not in Agency.values for a in self.agencies):
            raise ValidationError({"agencies": _("Choose the participating agencies from the list.")})

    def agency_labels(self) -> list[str]:
        labels = dict(Agency.choices)
        return [str(labels[a]) for a in self.agencies if a in labels]

    @classmethod
    def scope_q(cls, scope) -> Q:
        return _prefix_q("region__code", scope.region_prefixes)

    @classmethod
    def edit_q(cls, scope) -> Q:
        return _prefix_q("region__code", scope.committee_prefixes + scope.education_prefixes)


class Finding(models.Model):
    class Severity(models.TextChoices):
        MINOR = "minor", _("Minor")
        SERIOUS = "serious", _("Serious")
        CRITICAL = "critical", _("Critical")

    inspection = models.ForeignKey(Inspection, verbose_name=_("inspection"), on_delete=models.PROTECT,
                                   related_name="findings")
    school = models.ForeignKey(School, verbose_name=_("school"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="findings")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="findings")
    officer = models.ForeignKey(Officer, verbose_name=_("officer"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="findings")
    item = models.ForeignKey(ChecklistItem, verbose_name=_("checklist item"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="findings")
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.MINOR)
    description = models.TextField(_("what was found"), max_length=MAX_TEXT)
    requirement = models.TextField(_("rectification required"), max_length=MAX_TEXT)
    deadline = models.DateField(_("rectify by"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    rectified_on = models.DateField(_("rectified on"), null=True, blank=True)
    rectification = models.TextField(_("rectification"), max_length=MAX_TEXT, blank=True)
    rectified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("rectification recorded by"),
                                     null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        constraints = [
            models.CheckConstraint(
                condition=(Q(school__isnull=False, unit__isnull=True, officer__isnull=True)
                           | Q(school__isnull=True, unit__isnull=False, officer__isnull=True)
                           | Q(school__isnull=True, unit__isnull=True, officer__isnull=False)),
                name="finding_exactly_one_target",
                violation_error_message=_("A finding is about exactly one school, unit or officer."),
            ),
        ]
        indexes = [models.Index(fields=["deadline"], name="finding_deadline_idx")]

    def __str__(self):
        return f"{self.target} · {self.get_severity_display()}"

    @property
    def target(self):
        return self.school or self.unit or self.officer

    @property
    def target_unit_id(self):
        return self.unit_id or (self.officer.unit_id if self.officer_id else None)

    @property
    def is_overdue(self) -> bool:
        return self.rectified_on is None and self.deadline < timezone.localdate()

    @staticmethod
    def overdue_q(today=None) -> Q:
        return Q(rectified_on__isnull=True, deadline__lt=today or timezone.localdate())

    @classmethod
    def scope_q(cls, scope) -> Q:
        """The region's roles see the findings of their region's inspections and those about a school, unit or
        officer of their region (a city's inspection of a county school is the county's business too; an
        inspection moved to another region does not take findings about this region's schools with it)."""
        p = scope.region_prefixes
        return (_prefix_q("inspection__region__code", p)
                | _prefix_q("school__region__code", p) | _prefix_q("unit__region__code", p)
                | _prefix_q("officer__unit__region__code", p)
                | Q(school_id__in=scope.school_ids)
                | Q(unit_id__in=scope.unit_ids) | Q(officer__unit_id__in=scope.unit_ids)
                | Q(officer_id__in=scope.officer_ids))

    @classmethod
    def edit_q(cls, scope) -> Q:
        """Who records findings of an inspection: the committee and the inspectors of its region."""
        return _prefix_q("inspection__region__code", scope.committee_prefixes + scope.inspector_prefixes)

    @classmethod
    def rectify_q(cls, scope) -> Q:
        """Who records the rectification: the owner (school administrators; the unit's liaisons for a unit or
        one of its officers), and the committee."""
        return (_prefix_q("inspection__region__code", scope.committee_prefixes)
                | Q(school_id__in=scope.school_ids)
                | Q(unit_id__in=scope.unit_ids) | Q(officer__unit_id__in=scope.unit_ids))


class FindingPhoto(models.Model):
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="oversight/%Y/")
    thumbnail = models.FileField(upload_to="oversight/thumbs/%Y/", blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["finding_id", "pk"]
        verbose_name = _("finding photo")
        verbose_name_plural = _("finding photos")

    def __str__(self):
        return self.original_name or f"photo {self.pk}"


class AccountabilityRecord(models.Model):
    class Measure(models.TextChoices):
        TALK = "talk", _("Reminder talk (约谈)")
        CIRCULAR = "circular", _("Named in a circular (通报批评)")
        ACCOUNTABILITY = "accountability", _("Held accountable (问责)")

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT,
                               related_name="accountability_records")
    measure = models.CharField(_("measure"), max_length=20, choices=Measure.choices)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="accountability_records")
    officer = models.ForeignKey(Officer, verbose_name=_("officer"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="accountability_records")
    date = models.DateField(_("date"))
    reason = models.TextField(_("reason"), max_length=MAX_TEXT)
    finding = models.ForeignKey(Finding, verbose_name=_("finding"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="accountability_records")
    case = models.ForeignKey("tips.Case", verbose_name=_("case"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="accountability_records")
    circular_ref = models.CharField(_("circular"), max_length=100, blank=True,
                                    help_text=_("The reference number of the work circular, if any."))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("accountability record")
        verbose_name_plural = _("accountability records")
        constraints = [
            models.CheckConstraint(
                condition=(Q(unit__isnull=False, officer__isnull=True) | Q(unit__isnull=True, officer__isnull=False)),
                name="accountability_exactly_one_target",
                violation_error_message=_("A record is about exactly one unit or officer."),
            ),
        ]

    def __str__(self):
        return f"{self.get_measure_display()} · {self.target}"

    @property
    def target(self):
        return self.unit or self.officer

    @classmethod
    def scope_q(cls, scope) -> Q:
        return (_prefix_q("region__code", scope.region_prefixes)
                | Q(unit_id__in=scope.unit_ids) | Q(officer__unit_id__in=scope.unit_ids)
                | Q(officer_id__in=scope.officer_ids))

    @classmethod
    def edit_q(cls, scope) -> Q:
        return _prefix_q("region__code", scope.committee_prefixes)
