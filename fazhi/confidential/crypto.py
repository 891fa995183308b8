"""Encryption at rest for the confidential registers: AES-256-GCM, a fresh random 12-byte nonce per value.

A stored value is text: "v1:" + base64(nonce + ciphertext-with-tag). The key is `settings.FIELD_ENCRYPTION_KEY`
(base64 of 32 bytes) when set, otherwise derived from `settings.SECRET_KEY` with HKDF-SHA256. Changing either
makes existing entries unreadable: pages then show a placeholder instead of failing (see fields.py).

What this does not hide: the length of a value (GCM adds 16 bytes and no padding), and the columns kept in
clear on purpose (school, class, category, review date) so that lists can filter and count.
"""

import base64
import binascii
import functools
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "v1:"
HKDF_INFO = b"fazhi.confidential.v1"
NONCE_BYTES = 12
KEY_BYTES = 32


class DecryptionError(ValueError):
    """The value is not ours, is damaged, or was written under another key."""


@functools.lru_cache(maxsize=4)
def _derive(field_key: str, secret_key: str) -> bytes:
    if field_key:
        try:
            key = base64.b64decode(field_key.strip(), validate=True)
        except (binascii.Error, ValueError):
            try:
                key = base64.urlsafe_b64decode(field_key.strip())
            except (binascii.Error, ValueError):
                key = b""
        if len(key) != KEY_BYTES:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be the base64 encoding of 32 random bytes, "
                                       "e.g. `python -c \"import os, base64; "
                                       "print(base64.b64encode(os.urandom(32)).decode())\"`.")
        return key
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=HKDF_INFO)
    return hkdf.derive(secret_key.encode())


def current_key() -> bytes:
    """The key under the current settings (cached per setting values, so tests may override them)."""
    return _derive(getattr(settings, "FIELD_ENCRYPTION_KEY", "") or "", settings.SECRET_KEY)


def encrypt(plaintext: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(current_key()).encrypt(nonce, plaintext.encode("utf-8"), None)
    return PREFIX + base64.b64encode(nonce + sealed).decode("ascii")


def is_token(value) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def decrypt(token: str) -> str:
    """The plaintext of a stored value; DecryptionError when it cannot be read with the current key."""
    if not is_token(token):
        raise DecryptionError("not an encrypted value")
    try:
        raw = base64.b64decode(token[len(PREFIX):], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DecryptionError("damaged value") from exc
    if len(raw) < NONCE_BYTES + 16:
        raise DecryptionError("damaged value")
    try:
        plain = AESGCM(current_key()).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None)
    except InvalidTag as exc:
        raise DecryptionError("wrong key or damaged value") from exc
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecryptionError("damaged value") from exc
