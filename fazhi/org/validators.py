"""Validators for Chinese phone numbers, shared by forms, models and the roster import."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# Landline with area code, e.g. 0937-6512345 or 09376512345, optional extension (-123).
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
# Public service numbers such as 12337 (the political-legal reporting line) or 110.
SERVICE_RE = re.compile(r"^(1\d{2}|1\d{4}|9\d{4})$")


def normalize_phone(value: str) -> str:
    """Strip spaces and full-width characters that spreadsheets carry in."""
    value = (value or "").strip()
    value = value.translate(str.maketrans("０１２３４５６７８９－（）", "0123456789-()"))
    value = re.sub(r"[\s()\-]", "", value)  # one spelling per number, so uniqueness holds
    if value.startswith("+86"):
        value = value[3:]
    if value.endswith(".0") and value[:-2].isdigit():  # numbers read from Excel as floats
        value = value[:-2]
    return value


def validate_mobile(value: str) -> None:
    if not MOBILE_RE.match(value or ""):
        raise ValidationError(_("Enter an 11-digit mobile number starting with 1."), code="mobile")


def validate_phone(value: str) -> None:
    if not (MOBILE_RE.match(value or "") or LANDLINE_RE.match(value or "")):
        raise ValidationError(
            _("Enter a mobile number (11 digits) or a landline with area code, e.g. 0937-6512345."),
            code="phone",
        )


def validate_hotline(value: str) -> None:
    if not (MOBILE_RE.match(value or "") or LANDLINE_RE.match(value or "") or SERVICE_RE.match(value or "")):
        raise ValidationError(
            _("Enter a landline with area code, a mobile number or a service number such as 12337."),
            code="hotline",
        )
