from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from fazhi.org.validators import normalize_phone


def resolve_login_name(name: str | None) -> str | None:
    """Map what a person typed into the login box (username or mobile number) to a username."""
    if not name:
        return name
    phone = normalize_phone(name)
    if phone.isdigit() and len(phone) == 11:
        username = get_user_model().objects.filter(phone=phone).values_list("username", flat=True).first()
        if username:
            return username
    return name.strip()


def axes_username(request, credentials) -> str | None:
    """Axes counts failures per account, whichever of username or phone was typed."""
    return resolve_login_name((credentials or {}).get("username"))


class UsernameOrPhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        return super().authenticate(request, username=resolve_login_name(username), password=password, **kwargs)
