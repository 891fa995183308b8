"""In-app notifications. A notification says that something needs the user and links to it; it never
carries the content of what it points to (a tip's text stays behind the scoped page it links to)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    class Kind(models.TextChoices):
        NEW_TIP = "new_tip", _("New tip")
        URGENT_TIP = "urgent_tip", _("Urgent tip: someone may be in danger")
        ESCALATED_TIP = "escalated_tip", _("Urgent tip not yet acknowledged")
        REPORTER_MESSAGE = "reporter_message", _("The reporter wrote again")
        CASE_HANDED_OVER = "case_handed_over", _("A case was handed to you")
        ALERT_UNCOVERED_CLASS = "alert_uncovered_class", _("Alert: class uncovered for too long")
        ALERT_IDLE_OFFICER = "alert_idle_officer", _("Alert: officer without activity")
        ALERT_TIP_OVERDUE = "alert_tip_overdue", _("Alert: tip past its deadline")
        ALERT_RECTIFICATION_OVERDUE = "alert_rectification_overdue", _("Alert: rectification overdue")
        ALERT_QUOTA_BEHIND = "alert_quota_behind", _("Alert: quota behind at mid-semester")
        ALERT_DIGEST = "alert_digest", _("Weekly digest of alerts")

    TIP_KINDS = ("new_tip", "urgent_tip", "escalated_tip", "reporter_message", "case_handed_over")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    # What the notification is about, in words without content: "线索 2026-000123".
    subject = models.CharField(_("subject"), max_length=100)
    url = models.CharField(max_length=200)
    # Sending the same notice twice is refused by the database: (user, key) is unique.
    key = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_user")]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.subject}"

    @property
    def subject_label(self) -> str:
        """What the notice is about: "Tip 2026-000123" for the tip line, the alert's own label otherwise."""
        return _("Tip %(number)s") % {"number": self.subject} if self.kind in self.TIP_KINDS else self.subject
