"""Reading ids and numbers from query strings and forms without surprises."""

import re

_ID = re.compile(r"[0-9]{1,9}")


def is_id(value) -> bool:
    """An id or small number as typed in a URL: 1–9 ASCII digits. (`str.isdigit()` also accepts "²" and
    Arabic-Indic digits, which `int()` rejects or the database overflows on.)"""
    return isinstance(value, str) and _ID.fullmatch(value) is not None
