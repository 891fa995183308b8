"""Work circulars (工作通报): the political-legal committee's periodic report on the programme in a region.

A circular is drafted from the records (`compile.compile_snapshot`: the figures and rankings, stored in
`snapshot`) with a draft text (`sections`) that staff edit. Publishing freezes it: a published circular is
never changed again (`save` and `delete` refuse, and the views only read it), so its figures stay the
snapshot taken while it was a draft, whatever records arrive later."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fazhi.org.models import Region


class CircularFrozen(Exception):
    """A published circular was about to be changed."""


class Circular(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="circulars")
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    title = models.CharField(pgettext_lazy("document", "title"), max_length=120)
    number = models.CharField(_("document number"), max_length=40,
                              help_text=_("The 文号, e.g. 敦政法〔2026〕12号."))
    issuer = models.CharField(_("issued by"), max_length=100)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    sections = models.JSONField(_("sections"), default=list, blank=True)
    snapshot = models.JSONField(_("figures"), default=dict, blank=True)
    compiled_at = models.DateTimeField(_("figures compiled at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("published by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-start", "-pk"]
        verbose_name = _("work circular")
        verbose_name_plural = _("work circulars")
        constraints = [
            models.UniqueConstraint(fields=["region", "number"], name="circular_number_unique_in_region",
                                    violation_error_message=_("This document number is already used in the "
                                                              "region.")),
            models.CheckConstraint(condition=~Q(status="published") | Q(published_at__isnull=False),
                                   name="circular_published_has_time"),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="circular_period_ordered"),
            models.CheckConstraint(condition=Q(status__in=["draft", "published"]), name="circular_status_known"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def save(self, *args, **kwargs):
        if self._stored_published():
            raise CircularFrozen(f"circular {self.pk} is published and cannot be changed")
        if self.status == self.Status.PUBLISHED:
            raise CircularFrozen("use publish() to publish a circular")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._stored_published():
            raise CircularFrozen(f"circular {self.pk} is published and cannot be deleted")
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def clean(self):
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("The period cannot end before it starts.")})

    def _stored_published(self) -> bool:
        return bool(self.pk) and Circular.objects.filter(pk=self.pk, status=self.Status.PUBLISHED).exists()

    def publish(self, *, by) -> bool:
        """Freeze the draft as it is stored. False if it was already published (nothing changes)."""
        now = timezone.now()
        done = Circular.objects.filter(pk=self.pk, status=self.Status.DRAFT).update(
            status=self.Status.PUBLISHED, published_at=now, published_by=by, updated_at=now)
        if done:
            self.refresh_from_db()
        return bool(done)
