"""Writing the access log: called by every view that shows or changes register records, in the same request
and before the response is sent."""

from collections import Counter

from fazhi.confidential.models import AccessLog

Action = AccessLog.Action


def log_records(user, action: str, register: str, records, *, school_id: int | None = None) -> None:
    """A list or an export: one row per school among `records` with that school's count (one query); when
    nothing was shown, one row with count 0 (for `school_id`, the school filtered on, if any)."""
    per_school = Counter(r.school_id for r in records)
    rows = [AccessLog(user=user, action=action, register=register, school_id=school, count=n)
            for school, n in sorted(per_school.items())]
    if not rows:
        rows = [AccessLog(user=user, action=action, register=register, school_id=school_id, count=0)]
    AccessLog.objects.bulk_create(rows)


def log_record(user, action: str, record, *, school_id: int | None = None) -> None:
    """One record viewed, recorded, updated or removed (logged for its school, or for `school_id`)."""
    AccessLog.objects.create(user=user, action=action, register=record.REGISTER,
                             school_id=school_id or record.school_id, object_id=record.pk, count=1)
