"""Rate limits of the public tip line that keep no identifier.

A client is counted under HMAC(salt, address): the salt is random, lives only in the cache, and is replaced
every day, so the counters cannot be turned back into addresses, even by someone holding the cache. The
counters expire after the window. Nothing is written to the database or to a log.
"""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.cache import cache

SALT_KEY = "fazhi.tips.rate-salt"
SALT_SECONDS = 24 * 3600


def _client(request) -> str:
    salt = cache.get(SALT_KEY)
    if salt is None:
        cache.add(SALT_KEY, secrets.token_hex(16), SALT_SECONDS)
        salt = cache.get(SALT_KEY) or ""
    # Behind a reverse proxy, the proxy's address is everyone's: name the header it sets (e.g. HTTP_X_REAL_IP).
    address = request.META.get(settings.CLIENT_ADDRESS_HEADER or "REMOTE_ADDR", "")
    return hmac.new(salt.encode(), address.encode(), hashlib.sha256).hexdigest()[:24]


def _window() -> int:
    return settings.TIP_RATE_WINDOW_MINUTES * 60


def _key(bucket: str, request) -> str:
    return f"fazhi.tips.rate:{bucket}:{_client(request)}"


def exceeded(bucket: str, request, limit: int) -> bool:
    """Whether this client has used up `limit` in the current window (does not count anything)."""
    return (cache.get(_key(bucket, request)) or 0) >= limit


def count(bucket: str, request) -> None:
    key = _key(bucket, request)
    if not cache.add(key, 1, _window()):
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            cache.add(key, 1, _window())


def submissions_exceeded(request) -> bool:
    return exceeded("submit", request, settings.TIP_SUBMISSIONS_PER_WINDOW)


def lookups_exceeded(request) -> bool:
    return exceeded("lookup", request, settings.TIP_FAILED_LOOKUPS_PER_WINDOW)
