"""Recording an activity and correcting it within its edit window, with its evidence, in one transaction.

`record_activity` and `change_activity` take cleaned data (as `ActivityForm` produces it: the model's field
names plus `classes`) and prepared uploads (`evidence.prepare`). Either everything is saved or nothing:
files already written to storage are removed again if the transaction fails.

simple-history keeps the main fields of every version; it does not follow the many-to-many `classes`, so
the class list (and the evidence added or removed) is written into the version's change reason.
"""

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from fazhi.activities import evidence as ev
from fazhi.activities.models import Activity, Kind
from fazhi.org.models import SchoolClass, current_school_year

MAIN_FIELDS = ("kind", "mode", "title", "date", "duration_minutes", "school", "whole_school", "topics", "students",
               "teachers", "parents", "handbooks", "pledges", "notes", "officer")
# Kinds that may concern no class at all (one pupil, a family, the teachers), though always one school.
CLASSLESS_KINDS = frozenset({Kind.TALK, Kind.COUNSELLING, Kind.HOME_VISIT})


class ActivityLocked(Exception):
    """The edit window has closed; the record can no longer be changed."""


def check_classes(*, kind: str, school, classes, whole_school: bool) -> None:
    """The classes belong to the activity's school, and there is at least one class or the whole school
    (talks, counselling and home visits may have none)."""
    errors = []
    foreign = [c for c in classes if school is not None and c.school_id != school.pk]
    if foreign:
        errors.append(_("%(classes)s: not a class of %(school)s.") % {
            "classes": ", ".join(c.name for c in foreign), "school": school.name})
    if not classes and not whole_school and kind not in CLASSLESS_KINDS:
        errors.append(_("Tick at least one class, or “the whole school”."))
    if errors:
        raise ValidationError({"classes": errors})


def default_students(*, school, classes, whole_school: bool) -> int:
    """Students reached when none are given: the chosen classes' sizes, or the whole school's this year."""
    if whole_school and school is not None:
        return sum(SchoolClass.objects.filter(school=school, school_year=current_school_year())
                   .values_list("student_count", flat=True))
    return sum(c.student_count for c in classes)


def record_activity(*, by, data: dict, uploads=()) -> Activity:
    """Record a new activity with its photos and files. `by` becomes `recorded_by` and the history's user."""
    classes = list(data.get("classes") or [])
    activity = Activity(recorded_by=by, **{f: data[f] for f in MAIN_FIELDS if f in data})
    _fill_defaults(activity, classes)
    check_classes(kind=activity.kind, school=activity.school, classes=classes, whole_school=activity.whole_school)
    activity.full_clean()
    reason = [_("Classes: %(classes)s") % {"classes": _names(classes)}] if classes else []
    if uploads:
        reason.append(_("Attached: %(files)s") % {"files": ", ".join(u.original_name for u in uploads)})
    return _save(activity, by=by, classes=classes, uploads=uploads, remove=(), reason=reason)


def change_activity(*, by, activity: Activity, data: dict, uploads=(), remove=()) -> Activity:
    """Correct an activity within its edit window; raises ActivityLocked after it."""
    if Activity.objects.get(pk=activity.pk).is_locked:  # the stored time, not whatever the instance holds
        raise ActivityLocked
    before = list(activity.classes.all())
    classes = list(data.get("classes") or [])
    for name in MAIN_FIELDS:
        if name in data:
            setattr(activity, name, data[name])
    _fill_defaults(activity, classes)
    check_classes(kind=activity.kind, school=activity.school, classes=classes, whole_school=activity.whole_school)
    activity.full_clean()
    remove = [e for e in remove if e.activity_id == activity.pk]
    if activity.evidence.exclude(pk__in=[e.pk for e in remove]).count() + len(uploads) > ev.MAX_FILES:
        raise ValidationError(_("At most %(n)s photos and files per activity.") % {"n": ev.MAX_FILES})
    reason = []
    if {c.pk for c in before} != {c.pk for c in classes}:
        reason.append(_("Classes: %(old)s → %(new)s") % {"old": _names(before) or "—", "new": _names(classes) or "—"})
    if uploads:
        reason.append(_("Attached: %(files)s") % {"files": ", ".join(u.original_name for u in uploads)})
    if remove:
        reason.append(_("Removed: %(files)s") % {"files": ", ".join(e.original_name for e in remove)})
    return _save(activity, by=by, classes=classes, uploads=uploads, remove=remove, reason=reason)


def _fill_defaults(activity: Activity, classes) -> None:
    if activity.students is None:
        activity.students = default_students(school=activity.school if activity.school_id else None,
                                             classes=classes, whole_school=activity.whole_school)
    for name in ("teachers", "parents", "handbooks", "pledges"):
        if getattr(activity, name) is None:
            setattr(activity, name, 0)
    activity.topics = list(activity.topics or [])
    activity.title = activity.title or ""
    activity.notes = activity.notes or ""


def _names(classes) -> str:
    return ", ".join(c.name for c in sorted(classes, key=lambda c: (c.grade, c.number)))


def _save(activity: Activity, *, by, classes, uploads, remove, reason: list[str]) -> Activity:
    written: list[str] = []
    try:
        with transaction.atomic():
            activity._history_user = by
            activity._change_reason = "; ".join(reason)
            activity.save()
            activity.classes.set(classes)
            for old in remove:
                names = ev.stored_names(old)
                old.delete()
                transaction.on_commit(lambda names=names: _delete_files(names))
            for upload in uploads:
                written += ev.stored_names(ev.store(activity, upload, by=by))
    except BaseException:
        _delete_files(written)
        raise
    return activity


def _delete_files(names) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # pragma: no cover - a file already gone is fine
            pass

