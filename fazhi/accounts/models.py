"""Logins, roles and their scopes."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from fazhi.org.validators import validate_mobile


class Role(models.TextChoices):
    COMMITTEE_ADMIN = "committee_admin", _("Committee administrator")
    EDUCATION_STAFF = "education_staff", _("Education bureau staff")
    LIAISON = "liaison", _("Unit liaison")
    OFFICER = "officer", _("Officer")
    SCHOOL_ADMIN = "school_admin", _("School administrator")
    TEACHER = "teacher", _("Homeroom teacher")
    INSPECTOR = "inspector", _("Inspector")


# Which scope field each role is bound to.
ROLE_SCOPE_FIELD = {
    Role.COMMITTEE_ADMIN: "region",
    Role.EDUCATION_STAFF: "region",
    Role.INSPECTOR: "region",
    Role.LIAISON: "unit",
    Role.OFFICER: "officer",
    Role.SCHOOL_ADMIN: "school",
    Role.TEACHER: "school_class",
}
SCOPE_FIELDS = ("region", "unit", "officer", "school", "school_class")


class FazhiUserManager(UserManager):
    def visible_to(self, user):
        """Users holding at least one membership inside what `user` may manage."""
        from fazhi.accounts.scope import scope_for

        scope = scope_for(user)
        if scope.superuser:
            return self.all()
        managed = Membership.objects.managed_by(scope)
        return self.filter(pk__in=managed.values("user_id"), is_superuser=False)

    def managed_entirely_by(self, user):
        """Users whose every role `user` manages: only these may be edited, reset or disabled by them (a
        login with a role elsewhere belongs to that other administrator as much as to this one)."""
        from fazhi.accounts.scope import scope_for

        scope = scope_for(user)
        if scope.superuser:
            return self.all()
        managed = Membership.objects.managed_by(scope)
        elsewhere = Membership.objects.exclude(pk__in=managed.values("pk")).values("user_id")
        return self.visible_to(user).exclude(pk__in=elsewhere)


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    phone = models.CharField(
        _("mobile number"), max_length=11, unique=True, null=True, blank=True, validators=[validate_mobile],
        help_text=_("Can be used instead of the username to log in."),
    )
    must_change_password = models.BooleanField(_("must change password"), default=False)

    objects = FazhiUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.username

    def save(self, *args, **kwargs):
        if self.phone == "":
            self.phone = None
        super().save(*args, **kwargs)

    def reset_password(self, password: str) -> None:
        """An administrator's reset: `password` is temporary (the user must change it at their next login),
        and the user's API tokens stop working."""
        self.set_password(password)
        self.must_change_password = True
        self.save(update_fields=["password", "must_change_password"])
        self.revoke_api_tokens()

    def password_changed(self) -> None:
        """The user has set their own password (saved by the form): no longer temporary; the API tokens made
        with the old one stop working."""
        self.must_change_password = False
        self.save(update_fields=["must_change_password"])
        self.revoke_api_tokens()

    def revoke_api_tokens(self) -> int:
        from fazhi.api.models import ApiToken

        return ApiToken.objects.revoke_all_for(self)


class MembershipQuerySet(models.QuerySet):
    def managed_by(self, scope):
        """Memberships a user may see and grant: committee admins manage every role in their region,
        education staff manage school administrators and teachers in theirs."""
        if scope.superuser:
            return self
        q = Q(pk__in=[])
        for prefix in scope.committee_prefixes:
            q |= (
                Q(region__code__startswith=prefix)
                | Q(unit__region__code__startswith=prefix)
                | Q(officer__unit__region__code__startswith=prefix)
                | Q(school__region__code__startswith=prefix)
                | Q(school_class__school__region__code__startswith=prefix)
            )
        for prefix in scope.education_prefixes:
            q |= Q(role=Role.SCHOOL_ADMIN, school__region__code__startswith=prefix) | Q(
                role=Role.TEACHER, school_class__school__region__code__startswith=prefix
            )
        return self.filter(q)


class Membership(models.Model):
    Role = Role

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    region = models.ForeignKey("org.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT)
    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT)
    officer = models.ForeignKey(
        "org.Officer", verbose_name=_("officer"), null=True, blank=True, on_delete=models.PROTECT
    )
    school = models.ForeignKey("org.School", verbose_name=_("school"), null=True, blank=True, on_delete=models.PROTECT)
    school_class = models.ForeignKey(
        "org.SchoolClass", verbose_name=_("class"), null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["user_id", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=(
                    (Q(role__in=["committee_admin", "education_staff", "inspector"]) & Q(region__isnull=False)
                     & Q(unit__isnull=True, officer__isnull=True, school__isnull=True, school_class__isnull=True))
                    | (Q(role="liaison") & Q(unit__isnull=False)
                       & Q(region__isnull=True, officer__isnull=True, school__isnull=True, school_class__isnull=True))
                    | (Q(role="officer") & Q(officer__isnull=False)
                       & Q(region__isnull=True, unit__isnull=True, school__isnull=True, school_class__isnull=True))
                    | (Q(role="school_admin") & Q(school__isnull=False)
                       & Q(region__isnull=True, unit__isnull=True, officer__isnull=True, school_class__isnull=True))
                    | (Q(role="teacher") & Q(school_class__isnull=False)
                       & Q(region__isnull=True, unit__isnull=True, officer__isnull=True, school__isnull=True))
                ),
                name="membership_scope_matches_role",
            ),
            *[
                models.UniqueConstraint(
                    fields=["user", "role", field], condition=Q(**{f"{field}__isnull": False}),
                    name=f"membership_unique_{field}",
                )
                for field in SCOPE_FIELDS
            ],
            models.UniqueConstraint(
                fields=["officer"], condition=Q(officer__isnull=False), name="officer_has_one_login"
            ),
        ]

    def __str__(self):
        return f"{self.get_role_display()} · {self.scope_label}"

    @property
    def scope_object(self):
        return getattr(self, ROLE_SCOPE_FIELD[Role(self.role)])

    @property
    def scope_label(self) -> str:
        obj = self.scope_object
        if self.role == Role.TEACHER:
            return str(obj)
        if self.role == Role.OFFICER:
            return f"{obj.unit.name} {obj.name}"
        return getattr(obj, "full_name", None) or str(obj)


def membership_region_code(membership: Membership) -> str:
    """The region code of whatever a membership is scoped to."""
    obj = membership.scope_object
    if membership.role in (Role.COMMITTEE_ADMIN, Role.EDUCATION_STAFF, Role.INSPECTOR):
        return obj.code
    if membership.role == Role.LIAISON:
        return obj.region_id
    if membership.role == Role.OFFICER:
        return obj.unit.region_id
    if membership.role == Role.SCHOOL_ADMIN:
        return obj.region_id
    return obj.school.region_id


def can_grant(scope, membership: Membership) -> bool:
    """May a user with `scope` grant (or revoke) this membership?"""
    if scope.superuser:
        return True
    code = membership_region_code(membership)
    if any(code.startswith(p) for p in scope.committee_prefixes):
        return True
    return membership.role in (Role.SCHOOL_ADMIN, Role.TEACHER) and any(
        code.startswith(p) for p in scope.education_prefixes
    )
