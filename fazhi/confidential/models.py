"""The confidential registers of a school: special-group students (特殊群体学生) and staff concerns (有不良反映和
行为的教职工). Minimum information only (个人信息保护法: a pupil under 14's information is sensitive): a reference
number or initials, never a name; the category; the care or supervision plan; the person responsible; the
next review date.

- The free-text fields are encrypted at rest (fields.EncryptedTextField). School, class, category and the
  review date stay in clear so that lists can filter and dashboards count (stats.py).
- Who sees what is `visible_to(user)` on each queryset, and nobody else: special students — the school's
  administrators and the officers holding a class at the school or serving as its vice principal; staff
  concerns — the school's administrators and its rule-of-law vice principal. Superusers see both.
- Every read and every change is written to AccessLog (who, what, when; nothing else).
- No change history is kept (a removed record is gone: minimum retention), and the registers are not in the
  Django admin, where reads would go unlogged.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fazhi.confidential.fields import EncryptedTextField
from fazhi.lib.text import plain_text
from fazhi.org.models import School, SchoolClass

REFERENCE_MAX = 20
PLAN_MAX = 2000
RESPONSIBLE_MAX = 50

# Two Chinese characters in a row (ignoring spaces and dots between them) read as a name: 张三, 欧阳.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_NAME = re.compile(f"[{_CJK}]{{2,}}")
_SEPARATORS = re.compile(r"[\s·•・.\-_/]+")


def validate_reference(value: str) -> None:
    if _NAME.search(_SEPARATORS.sub("", value or "")):
        raise ValidationError(
            _("Do not write a name here. Use a number (for example the student number) or initials (for example "
              "ZS); two or more Chinese characters in a row look like a name."), code="name")


class RegisterQuerySet(models.QuerySet):
    """`visible_to(user)` applies the model's `scope_q`; there is no separate edit rule: whoever may see a
    register keeps it (records, reviews, removes)."""

    def visible_to(self, user):
        from fazhi.accounts.scope import scope_for

        scope = scope_for(user)
        if scope.superuser:
            return self
        if scope.is_empty:
            return self.none()
        return self.filter(self.model.scope_q(scope))

    def due(self, today=None):
        """Due for review: the review date is today or has passed."""
        return self.filter(next_review__lte=today or timezone.localdate())

    def overdue(self, today=None):
        """Past the review date."""
        return self.filter(next_review__lt=today or timezone.localdate())


class ConfidentialRecord(models.Model):
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="+")
    reference = EncryptedTextField(
        _("reference"), max_length=REFERENCE_MAX, validators=[plain_text, validate_reference],
        help_text=_("A number or initials, never a name."))
    responsible = EncryptedTextField(
        _("person responsible"), max_length=RESPONSIBLE_MAX, validators=[plain_text])
    next_review = models.DateField(_("next review"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+", editable=False)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RegisterQuerySet.as_manager()

    REGISTER = ""  # AccessLog.Register value

    class Meta:
        abstract = True
        ordering = ["next_review", "pk"]

    def __str__(self):
        # Never the decrypted reference: __str__ ends up in logs and error reports.
        return f"{self.get_category_display()} #{self.pk}" if self.pk else str(self.get_category_display())

    @classmethod
    def visible_school_ids(cls, scope) -> tuple[int, ...]:
        """The schools whose register of this kind the (non-superuser) scope may see and keep."""
        raise NotImplementedError

    @classmethod
    def scope_q(cls, scope) -> Q:
        return Q(school_id__in=cls.visible_school_ids(scope))

    def is_due(self, today=None) -> bool:
        return self.next_review is not None and self.next_review <= (today or timezone.localdate())


class SpecialStudent(ConfidentialRecord):
    class Category(models.TextChoices):
        LEFT_BEHIND = "left_behind", _("Left-behind child")  # 留守儿童
        SINGLE_PARENT = "single_parent", _("Single-parent family")  # 单亲家庭
        DISABLED = "disabled", _("Disability")  # 残疾
        HARDSHIP = "hardship", _("Financial hardship")  # 家庭经济困难
        BEHAVIOUR = "behaviour", _("Behaviour concerns")  # 行为偏差
        OTHER = "other", _("Other")  # 其他

    REGISTER = "student"

    school_class = models.ForeignKey(SchoolClass, verbose_name=_("class"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    plan = EncryptedTextField(_("care or supervision plan"), max_length=PLAN_MAX, validators=[plain_text])

    class Meta(ConfidentialRecord.Meta):
        verbose_name = _("special-group student")
        verbose_name_plural = _("special-group students")
        indexes = [models.Index(fields=["school", "next_review"], name="special_student_school_review")]
        constraints = [
            models.CheckConstraint(condition=Q(category__in=["left_behind", "single_parent", "disabled", "hardship",
                                                             "behaviour", "other"]),
                                   name="special_student_category_valid"),
        ]

    @classmethod
    def visible_school_ids(cls, scope) -> tuple[int, ...]:
        """The school's administrators; officers holding a class there or serving as its vice principal.
        Not homeroom teachers, not the regional roles."""
        return tuple(set(scope.school_ids) | set(scope.officer_school_ids))

    def clean(self):
        if self.school_class_id and self.school_id and self.school_class.school_id != self.school_id:
            raise ValidationError({"school_class": ValidationError(
                _("This class belongs to another school."), code="other_school")})


class StaffConcern(ConfidentialRecord):
    class Category(models.TextChoices):
        CORPORAL_PUNISHMENT = "corporal_punishment", _("Corporal punishment, open or disguised")  # 体罚或变相体罚
        VERBAL_ABUSE = "verbal_abuse", _("Verbal abuse of students")  # 辱骂学生
        SEXUAL_MISCONDUCT = "sexual_misconduct", _("Sexual harassment or other improper conduct")  # 性骚扰等不当行为
        OTHER = "other", _("Other misconduct")  # 其他不良行为

    REGISTER = "staff"

    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    measures = EncryptedTextField(_("supervision measures"), max_length=PLAN_MAX, validators=[plain_text])

    class Meta(ConfidentialRecord.Meta):
        verbose_name = _("staff concern")
        verbose_name_plural = _("staff concerns")
        indexes = [models.Index(fields=["school", "next_review"], name="staff_concern_school_review")]
        constraints = [
            models.CheckConstraint(condition=Q(category__in=["corporal_punishment", "verbal_abuse",
                                                             "sexual_misconduct", "other"]),
                                   name="staff_concern_category_valid"),
        ]

    @classmethod
    def visible_school_ids(cls, scope) -> tuple[int, ...]:
        """The school's administrators and its rule-of-law vice principal only."""
        return tuple(set(scope.school_ids) | set(scope.officer_vp_school_ids))


class AccessLog(models.Model):
    """One row per page or file that showed register records, and per change: who, what, when. A list that
    spans several schools writes one row per school (with that school's rows), so that each school's log is
    complete. Rows are written by the app and never changed or removed by it."""

    class Action(models.TextChoices):
        LIST = "list", _("Listed")
        VIEW = "view", _("Viewed")
        CREATE = "create", _("Recorded")
        UPDATE = "update", _("Updated")
        DELETE = "delete", _("Removed")
        EXPORT = "export", _("Exported")

    class Register(models.TextChoices):
        STUDENT = "student", _("Special-group students")
        STAFF = "staff", _("Staff concerns")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT,
                             related_name="+")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    register = models.CharField(_("register"), max_length=10, choices=Register.choices)
    school = models.ForeignKey(School, verbose_name=_("school"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    object_id = models.PositiveBigIntegerField(_("record"), null=True, blank=True)
    count = models.PositiveIntegerField(_("records"), default=0)
    at = models.DateTimeField(_("at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [models.Index(fields=["school", "-at"], name="confidential_log_school_at")]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=["list", "view", "create", "update", "delete", "export"]),
                                   name="confidential_log_action_valid"),
            models.CheckConstraint(condition=Q(register__in=["student", "staff"]),
                                   name="confidential_log_register_valid"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.action} {self.register} {self.object_id or ''}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("An access log entry is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("An access log entry is never removed by the app.")
