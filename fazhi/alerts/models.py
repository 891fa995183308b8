"""Alerts: a condition found by the daily checks (`manage.py run_alerts`) that needs someone, open until the
condition no longer holds. Each alert is opened once (its `key` is unique), its recipients are notified once,
and it shows on their home page until `run_alerts` finds it resolved. An alert carries a short label (a class,
an officer, a tip's number), never the content of what it points to."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AlertQuerySet(models.QuerySet):
    def open(self):
        return self.filter(resolved_at__isnull=True)

    def for_user(self, user):
        """Only alerts addressed to the user."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(recipients=user)

    def in_regions(self, prefixes):
        q = Q(pk__in=[])
        for prefix in prefixes:
            q |= Q(region__startswith=prefix)
        return self.filter(q)


class Alert(models.Model):
    class Kind(models.TextChoices):
        UNCOVERED_CLASS = "uncovered_class", _("Class uncovered for longer than allowed")
        IDLE_OFFICER = "idle_officer", _("Officer without activity")
        TIP_OVERDUE = "tip_overdue", _("Tip past its deadline")
        RECTIFICATION_OVERDUE = "rectification_overdue", _("Rectification overdue")
        QUOTA_BEHIND = "quota_behind", _("Quota behind at mid-semester")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    # One condition, one alert: e.g. "uncovered:<class id>:<handover id>". A new episode gets a new key.
    key = models.CharField(max_length=150, unique=True)
    # What it is about: the model ("schoolclass", "officer", "case", "finding", "school") and its id.
    subject_type = models.CharField(max_length=30, blank=True)
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    label = models.CharField(_("about"), max_length=200)
    url = models.CharField(max_length=200)
    region = models.CharField(_("region code"), max_length=12, db_index=True)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="alerts", blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        indexes = [
            models.Index(fields=["resolved_at", "kind"], name="alert_resolved_kind_idx"),
            models.Index(fields=["opened_at"], name="alert_opened_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.label}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def safe_url(self) -> str:
        """Only links inside this site."""
        return self.url if self.url.startswith("/") and not self.url.startswith("//") else "/"


class RunLock(models.Model):
    """One row per name: `run_alerts` locks it (SELECT … FOR UPDATE) so that concurrent runs take turns."""

    name = models.CharField(max_length=30, primary_key=True)

    class Meta:
        verbose_name = "run lock"

    def __str__(self):
        return self.name
