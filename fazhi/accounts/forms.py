import secrets

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from fazhi.accounts.models import ROLE_SCOPE_FIELD, SCOPE_FIELDS, Membership, Role, User, can_grant
from fazhi.accounts.permissions import grantable_roles
from fazhi.accounts.scope import scope_for
from fazhi.org.models import Officer, Region, School, SchoolClass, Unit
from fazhi.org.validators import normalize_phone

# No 0/O or 1/l/I: temporary passwords are read out over the phone.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"


def temporary_password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(12))


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username or mobile number"), max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": _("The username/mobile number or the password is wrong. Passwords are case-sensitive."),
        "inactive": _("This account has been disabled. Ask your administrator."),
    }


class UserForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["username", "full_name", "phone"]

    def clean_phone(self):
        phone = normalize_phone(self.cleaned_data.get("phone") or "")
        return phone or None


class MembershipForm(forms.ModelForm):
    """Grant a role with its scope. Choices are limited to what the granting user manages."""

    class Meta:
        model = Membership
        fields = ["role", "region", "unit", "officer", "school", "school_class"]

    def __init__(self, *args, granted_by, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope_for(granted_by)
        roles = grantable_roles(self.scope)
        self.fields["role"].choices = [(v, label) for v, label in Role.choices if v in roles]
        self.fields["region"].queryset = Region.objects.visible_to(granted_by)
        self.fields["unit"].queryset = Unit.objects.visible_to(granted_by).select_related("region")
        self.fields["officer"].queryset = Officer.objects.visible_to(granted_by).select_related("unit")
        self.fields["officer"].label_from_instance = lambda o: f"{o.unit.name} · {o.name} · {o.phone}"
        self.fields["school"].queryset = School.objects.visible_to(granted_by)
        self.fields["school_class"].queryset = SchoolClass.objects.visible_to(granted_by).select_related("school")
        for name in SCOPE_FIELDS:
            self.fields[name].required = False
            self.fields[name].help_text = _("Only for the roles that are scoped to it.")

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        if not role:
            return cleaned
        wanted = ROLE_SCOPE_FIELD[Role(role)]
        for name in SCOPE_FIELDS:
            if name != wanted:
                cleaned[name] = None
                setattr(self.instance, name, None)
        if not cleaned.get(wanted):
            self.add_error(wanted, _("The role %(role)s needs this field.") % {"role": Role(role).label})
            return cleaned
        self.instance.role = role
        setattr(self.instance, wanted, cleaned[wanted])
        if not can_grant(self.scope, self.instance):
            self.add_error(wanted, _("You cannot grant this role for this scope."))
        return cleaned

    def validate_unique(self):
        # The user is set by the view; check duplicates here with a clear message.
        if self.instance.user_id and self.instance.role:
            field = ROLE_SCOPE_FIELD[Role(self.instance.role)]
            exists = Membership.objects.filter(
                user_id=self.instance.user_id, role=self.instance.role, **{field: getattr(self.instance, field)}
            ).exists()
            if exists:
                self.add_error(None, _("This user already has this role for this scope."))


class UserCreateForm(UserForm):
    """A new login with its first role; the password is generated and shown once."""
