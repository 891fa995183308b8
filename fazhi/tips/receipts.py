"""Receipt codes and idempotency keys of the tip line.

A reporter's receipt is 16 digits: 15 derived from the submission's idempotency key with HMAC-SHA256 under a
server key, and a Luhn check digit, so that a mistyped digit is caught before any look-up. The database keeps
only HMAC-SHA256 hashes of the receipt and of the idempotency key. Because the receipt is derived from the
key, a retried submission (same key) is shown the same receipt without the receipt ever being stored.
"""

import hashlib
import hmac
import json
import secrets
import unicodedata

from django.conf import settings
from django.core import signing

FORM_SALT = "fazhi.tips.form"
FORM_MAX_AGE = 24 * 3600
DASHES = "-‐‑‒–—―ー−"  # a report form may stay open on a phone for a day


def _key() -> bytes:
    explicit = settings.TIP_RECEIPT_KEY
    if explicit:
        return explicit.encode()
    return hashlib.sha256(b"fazhi.tips.receipt-key:" + settings.SECRET_KEY.encode()).digest()


def _mac(purpose: str, value: str) -> str:
    return hmac.new(_key(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def new_idempotency_key() -> str:
    return secrets.token_hex(16)


def sign_form_key(key: str) -> str:
    return signing.TimestampSigner(salt=FORM_SALT).sign(key)


def unsign_form_key(value: str) -> str | None:
    """The idempotency key of a report form served by us less than a day ago, or None."""
    try:
        return signing.TimestampSigner(salt=FORM_SALT).unsign(value or "", max_age=FORM_MAX_AGE)
    except signing.BadSignature:
        return None


def bind(key: str, *content) -> str:
    """The idempotency key bound to what was submitted (the class, every field, the photos' bytes): the same
    key sent with anything else is another submission, with its own receipt, never the first one's."""
    digest = hashlib.sha256(json.dumps(content, ensure_ascii=False, default=str).encode()).hexdigest()
    return f"{key}:{digest}"


def idempotency_hash(key: str) -> str:
    return _mac("idempotency", key)


def _luhn_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def receipt_for(key: str) -> str:
    number = int(_mac("receipt", key)[:16], 16) % 10**15
    body = f"{number:015d}"
    return body + _luhn_digit(body)


def receipt_hash(receipt: str) -> str:
    return _mac("receipt-hash", receipt)


def normalise(text: str | None) -> str | None:
    """The 16 digits of a typed receipt (spaces, dashes and full-width digits allowed), or None if it cannot
    be one: wrong length or a wrong check digit."""
    if not text or len(text) > 64:
        return None
    text = unicodedata.normalize("NFKC", text)
    digits = "".join(ch for ch in text if not ch.isspace() and ch not in DASHES)
    if len(digits) != 16 or not digits.isascii() or not digits.isdigit():
        return None
    if _luhn_digit(digits[:15]) != digits[15]:
        return None
    return digits


def grouped(receipt: str) -> str:
    return " ".join(receipt[i:i + 4] for i in range(0, 16, 4))
