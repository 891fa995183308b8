"""Running the checks: open new alerts (notifying their recipients once), keep recipients current, resolve
alerts whose condition no longer holds; and the weekly digest for committee administrators.

Safe to run from cron every few minutes and concurrently: the checks only read; the writes happen in one
transaction that first locks a `RunLock` row (on SQLite the IMMEDIATE transaction mode serialises writers
anyway), alert keys are unique in the database and so is each (user, key) notification.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from fazhi.accounts.models import Membership, Role, User
from fazhi.alerts import checks
from fazhi.alerts.models import Alert, RunLock
from fazhi.notices.services import notify

log = logging.getLogger("fazhi.alerts")

# Notification kinds (plain strings until `Notification.Kind` lists them).
NOTICE_KIND = {kind: f"alert_{kind}" for kind in Alert.Kind.values}
DIGEST_KIND = "alert_digest"


@dataclass
class Result:
    escalated: int = 0
    opened: int = 0
    reopened: int = 0
    resolved: int = 0
    notified: int = 0
    digests: int = 0
    found: int = 0
    errors: list = field(default_factory=list)


def notice_key(alert_key: str) -> str:
    return f"alert:{alert_key}"[:100]


def find(now, checks_to_run=None) -> tuple[dict, set]:
    """Every condition that holds now, by key; and the kinds whose check completed (a check that fails
    resolves nothing of its kind)."""
    directory = checks.Directory()
    found, complete = {}, set()
    for check in checks_to_run or checks.CHECKS:
        try:
            items = list(check(now, directory))
        except Exception as e:  # one broken check must not stop the others, nor resolve its alerts
            log.exception("alert check %s failed", check.__name__)
            found.setdefault("__errors__", []).append(f"{check.__name__}: {e}")
            continue
        for item in items:
            found[item.key] = item
        complete.add(check)
    return found, complete


KIND_OF_CHECK = {
    checks.uncovered_classes: Alert.Kind.UNCOVERED_CLASS,
    checks.idle_officers: Alert.Kind.IDLE_OFFICER,
    checks.overdue_tips: Alert.Kind.TIP_OVERDUE,
    checks.overdue_rectifications: Alert.Kind.RECTIFICATION_OVERDUE,
    checks.behind_quotas: Alert.Kind.QUOTA_BEHIND,
}


def run(now=None, *, escalate=True, digest: bool | None = None) -> Result:
    """One pass: escalate urgent tips, run the checks, apply them. `digest=None` sends the weekly digest
    automatically once the week's Monday 08:00 has passed; True sends it now (still once per ISO week)."""
    now = now or timezone.now()
    result = Result()
    if escalate:
        from fazhi.tips.services import escalate_due

        result.escalated = escalate_due(now)
    found, complete = find(now)
    result.errors = found.pop("__errors__", [])
    result.found = len(found)
    kinds = [KIND_OF_CHECK[c] for c in complete if c in KIND_OF_CHECK]
    with transaction.atomic():
        RunLock.objects.get_or_create(name="run_alerts")
        RunLock.objects.select_for_update().filter(name="run_alerts").first()
        apply(found, kinds, now, result)
        if digest or (digest is None and getattr(settings, "ALERT_AUTO_DIGEST", True) and digest_due(now)):
            result.digests = send_digest(now)
    return result


def apply(found: dict, kinds, now, result: Result) -> None:
    # Resolve: open alerts of the checked kinds whose condition is gone.
    open_keys = set(Alert.objects.open().filter(kind__in=kinds).values_list("key", flat=True))
    gone = list(open_keys - set(found))
    for i in range(0, len(gone), 500):
        result.resolved += Alert.objects.filter(key__in=gone[i:i + 500], resolved_at__isnull=True).update(
            resolved_at=now)
    if not found:
        return
    # Open what is new (a concurrent run that got there first wins; nothing is opened twice).
    keys = list(found)
    existing = {}
    for i in range(0, len(keys), 500):
        existing.update({a.key: a for a in Alert.objects.filter(key__in=keys[i:i + 500])})
    fresh = [Alert(key=f.key, kind=f.kind, label=f.label, url=f.url, region=f.region, opened_at=now,
                   subject_type=f.subject_type, subject_id=f.subject_id)
             for key, f in found.items() if key not in existing]
    if fresh:
        Alert.objects.bulk_create(fresh, ignore_conflicts=True, batch_size=500)
        before = len(existing)
        for i in range(0, len(keys), 500):
            existing.update({a.key: a for a in Alert.objects.filter(key__in=keys[i:i + 500])})
        result.opened = len(existing) - before
    # The condition came back under the same key (a case moved back, a deadline passed again): reopen it,
    # without notifying again.
    back = [a.pk for a in existing.values() if a.resolved_at is not None]
    if back:
        result.reopened = Alert.objects.filter(pk__in=back).update(resolved_at=None)
    # Recipients: add those newly derived (and notify them), drop those no longer derived.
    Through = Alert.recipients.through
    alert_ids = [a.pk for a in existing.values()]
    have = set()
    for i in range(0, len(alert_ids), 500):
        have |= set(Through.objects.filter(alert_id__in=alert_ids[i:i + 500]).values_list("alert_id", "user_id"))
    want = {(existing[key].pk, uid) for key, f in found.items() for uid in f.recipients}
    stale = have - want
    if stale:
        by_alert = {}
        for alert_id, uid in stale:
            by_alert.setdefault(alert_id, []).append(uid)
        for alert_id, uids in by_alert.items():
            Through.objects.filter(alert_id=alert_id, user_id__in=uids).delete()
    new = want - have
    if not new:
        return
    Through.objects.bulk_create([Through(alert_id=a, user_id=u) for a, u in new], ignore_conflicts=True,
                                batch_size=500)
    users = User.objects.in_bulk({u for _, u in new})
    by_id = {a.pk: a for a in existing.values()}
    per_alert = {}
    for alert_id, uid in new:
        if uid in users:
            per_alert.setdefault(alert_id, []).append(users[uid])
    for alert_id, recipients in per_alert.items():
        alert = by_id[alert_id]
        result.notified += len(notify(recipients, kind=NOTICE_KIND.get(alert.kind, "alert"), subject=alert.label[:100],
                                      url=alert.url, key=notice_key(alert.key)))


# ---- weekly digest -------------------------------------------------------------------------------

def week_of(day: datetime.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(now) -> datetime.datetime:
    """Monday 00:00 of the ISO week of `now`, local time."""
    local = timezone.localtime(now)
    monday = local.date() - datetime.timedelta(days=local.weekday())
    return timezone.make_aware(datetime.datetime.combine(monday, datetime.time()))


def digest_due(now) -> bool:
    """The first run after Monday 08:00 (local time) sends the week's digest."""
    return timezone.localtime(now) >= week_start(now) + datetime.timedelta(hours=8)


def send_digest(now) -> int:
    """Each committee administrator gets one notice a week linking to the digest page (keyed by ISO week, so
    it is sent once however often this runs)."""
    week = week_of(timezone.localdate(now))
    admins = User.objects.filter(is_active=True, pk__in=Membership.objects.filter(
        role=Role.COMMITTEE_ADMIN).values("user_id"))
    return len(notify(admins, kind=DIGEST_KIND, subject=week, url=reverse("alerts:digest") + f"?week={week}",
                      key=f"alert-digest:{week}"))
