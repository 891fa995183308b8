"""API tokens: a staff member's key for the JSON API (a mini-program, another system).

The key is shown once when it is made; the database keeps only its SHA-256 hash and a short prefix that lets
its owner tell their tokens apart. A key is random (256 bits), so an unsalted fast hash is enough: it cannot
be guessed, and a stolen database gives no usable key.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

KEY_PREFIX = "fz_"
SHOWN_PREFIX = 10  # characters of the key kept in clear ("fz_" and 7 more), to recognise it in the list
MAX_ACTIVE_PER_USER = 20
LAST_USED_EVERY = 60  # seconds: how often `last_used` is written (not on every call)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now=None):
        """Not revoked, not expired, and the user may still log in and has no temporary password to change
        (an administrator's reset: until the user has set their own password, only the login page works)."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now, user__is_active=True,
                           user__must_change_password=False)

    def active(self, now=None):
        now = now or timezone.now()
        return self.filter(Q(revoked_at__isnull=True) & Q(expires_at__gt=now))

    def revoke_all_for(self, user, now=None) -> int:
        """Revoke the user's valid tokens (their password was reset or changed); how many were revoked.
        Expired tokens stay expired."""
        now = now or timezone.now()
        return self.active(now).filter(user=user).update(revoked_at=now)


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="api_tokens")
    name = models.CharField(_("name"), max_length=60, help_text=_("What the token is for, e.g. 微信小程序."))
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("starts with"), max_length=SHOWN_PREFIX, editable=False)
    created = models.DateTimeField(_("created"), default=timezone.now)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, user, name: str, expires_at) -> tuple["ApiToken", str]:
        """A new token and its key; the key is not kept anywhere and must be shown to the user now."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=hash_key(key), prefix=key[:SHOWN_PREFIX],
                                   expires_at=expires_at)
        return token, key

    @classmethod
    def authenticate(cls, key: str):
        """The token of this key if it may be used now, else None; notes when it was used."""
        if not key.startswith(KEY_PREFIX) or len(key) > 200:
            return None
        now = timezone.now()
        token = cls.objects.usable(now).select_related("user").filter(key_hash=hash_key(key)).first()
        if token is None:
            return None
        if token.last_used is None or (now - token.last_used).total_seconds() > LAST_USED_EVERY:
            cls.objects.filter(pk=token.pk).update(last_used=now)
            token.last_used = now
        return token

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
