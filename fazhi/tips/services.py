"""The tip line's workflows: a tip arrives → its case opens → the handlers are notified (and, if someone is in
danger, the contact list is escalated until someone acknowledges); then the case is worked to a decision.

Every function runs in one transaction. Notifications carry only the tip's number and a link.
"""

import datetime
import functools
import hashlib
import operator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case as Case_
from django.db.models import IntegerField, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhi.accounts.models import Membership, Role
from fazhi.assignments.models import Assignment, Pairing
from fazhi.notices.models import Notification
from fazhi.notices.services import notify
from fazhi.org.models import SchoolClass, current_school_year, region_chain
from fazhi.tips import receipts
from fazhi.tips.models import (
    OPEN,
    Case,
    CaseEvent,
    CasePolicy,
    Category,
    ConfiscatedItem,
    Message,
    Status,
    Tip,
    TipPhoto,
)

# The contact list, in order. A new tip goes to the first two at once; an urgent one that nobody acknowledges
# goes on down the list, one step per `CasePolicy.escalation_minutes`.
OFFICER, SCHOOL, UNIT, COMMITTEE = range(4)
LEVELS = (OFFICER, SCHOOL, UNIT, COMMITTEE)


class WorkflowError(Exception):
    """A step that does not fit the case's current status (someone else was quicker, or a stale page)."""


@dataclass(frozen=True)
class Submitted:
    tip: Tip
    receipt: str
    duplicate: bool


# ---- arrival ------------------------------------------------------------------------------------

def submit_tip(*, school_class: SchoolClass, channel: str, category: str, description: str,
               idempotency_key: str, occurred: str = "", place: str = "", people: str = "",
               in_danger: bool = False, reporter_role: str = "", photos=()) -> Submitted:
    """An anonymous report from the class page or the mini-program. The same submission (same idempotency key,
    class, fields and photos) always gives the same tip and the same receipt, however often it is sent."""
    bound = receipts.bind(idempotency_key, school_class.pk, channel, category, description, occurred, place, people,
                          in_danger, reporter_role, [hashlib.sha256(p.content).hexdigest() for p in photos])
    key_hash = receipts.idempotency_hash(bound)
    receipt = receipts.receipt_for(bound)
    existing = Tip.objects.filter(idempotency_hash=key_hash).first()
    if existing:
        return Submitted(existing, receipt, True)
    stored = []
    try:
        with transaction.atomic():
            tip = Tip.objects.create(
                school=school_class.school, school_class=school_class, channel=channel, category=category,
                description=description, occurred=occurred, place=place, people=people, in_danger=in_danger,
                reporter_role=reporter_role, receipt_hash=receipts.receipt_hash(receipt),
                idempotency_hash=key_hash)
            for prepared in photos:
                photo = TipPhoto(tip=tip, size=len(prepared.content))
                photo.file.save("photo.jpg", _content(prepared.content), save=True)
                stored.append(photo.file.name)
            open_case(tip)
    except IntegrityError:
        _remove_files(stored)
        existing = Tip.objects.filter(idempotency_hash=key_hash).first()
        if existing:  # the same submission arrived twice at the same moment: the other one was kept
            return Submitted(existing, receipt, True)
        raise
    except Exception:
        _remove_files(stored)
        raise
    return Submitted(tip, receipt, False)


def _content(data: bytes):
    from django.core.files.base import ContentFile

    return ContentFile(data)


def _remove_files(names):
    from django.core.files.storage import default_storage

    for name in names:
        default_storage.delete(name)


@transaction.atomic
def register_clue(*, by, school, school_class=None, channel: str, category: str, description: str,
                  occurred: str = "", place: str = "", people: str = "", in_danger: bool = False,
                  reporter_role: str = "", reporter_name: str = "", reporter_contact: str = "") -> Tip:
    """A clue from another channel (a slip from the class box, a call, a talk, a survey flag…), entered by
    staff, named or anonymous. It goes into the same flow as the tip line's reports."""
    tip = Tip.objects.create(
        school=school, school_class=school_class, channel=channel, category=category, description=description,
        occurred=occurred, place=place, people=people, in_danger=in_danger, reporter_role=reporter_role,
        reporter_name=reporter_name, reporter_contact=reporter_contact, entered_by=by)
    open_case(tip, by=by)
    return tip


def open_case(tip: Tip, *, by=None) -> Case:
    policy = CasePolicy.for_region(tip.school.region_id)
    now = timezone.now()
    case = Case.objects.create(
        tip=tip, urgent=tip.in_danger, acknowledge_due=tip.created_at + datetime.timedelta(
            hours=policy.acknowledge_hours))
    CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.RECEIVED, actor=by, created_at=now)
    kind = Notification.Kind.URGENT_TIP if case.urgent else Notification.Kind.NEW_TIP
    # The class's officer and the school first; if neither has a login, the paired unit, else the committee:
    # a tip always reaches someone.
    level = COMMITTEE
    found = contacts_at(tip, LEVELS)
    for levels in ((OFFICER, SCHOOL), (UNIT,), (COMMITTEE,)):
        if _notify_levels(case, levels, kind=kind, key=f"tip:{tip.pk}:new", found=found):
            level = levels[-1]
            break
    if case.urgent:
        case.escalation_level = level
        if level < COMMITTEE:
            case.next_escalation_at = now + datetime.timedelta(minutes=policy.escalation_minutes)
        case.save(update_fields=["escalation_level", "next_escalation_at"])
    return case


# ---- who is told ----------------------------------------------------------------------------------

def _members(tip: Tip, level: int) -> Q:
    """The memberships (with the right to read the tip) at one step of its contact list."""
    school = tip.school
    if level == OFFICER:
        holding = Assignment.objects.filter(status__in=Assignment.HOLDING)
        if tip.school_class_id:
            officers = holding.filter(Q(school_class_id=tip.school_class_id)
                                      | Q(school_id=school.pk, school_class__isnull=True))
        else:
            officers = holding.filter(school_id=school.pk, school_class__isnull=True)
        return Q(role=Role.OFFICER, officer_id__in=officers.values("officer_id"))
    if level == SCHOOL:
        if tip.category == Category.STAFF:  # a report about school staff goes to the education bureau instead
            return Q(role=Role.EDUCATION_STAFF, region_id__in=region_chain(school.region_id))
        return Q(role=Role.SCHOOL_ADMIN, school_id=school.pk)
    if level == UNIT:
        units = Pairing.objects.filter(school_id=school.pk, school_year__gte=current_school_year()).values("unit_id")
        return Q(role=Role.LIAISON, unit_id__in=units)
    return Q(role=Role.COMMITTEE_ADMIN, region_id__in=region_chain(school.region_id))


def contacts_at(tip: Tip, levels) -> dict[int, list]:
    """The users (with a login) at each of these steps of the tip's contact list, by pk: one query for all the
    steps. Each step is a different role, so a membership belongs to one step."""
    conditions = {level: _members(tip, level) for level in levels}
    step = Case_(*[When(q, then=Value(level)) for level, q in conditions.items()], output_field=IntegerField())
    found: dict[int, dict] = {level: {} for level in levels}
    members = (Membership.objects.filter(functools.reduce(operator.or_, conditions.values()), user__is_active=True)
               .annotate(step=step).select_related("user").order_by("user_id"))
    for member in members:
        found[member.step].setdefault(member.user_id, member.user)
    return {level: list(users.values()) for level, users in found.items()}


def contacts(tip: Tip, level: int) -> list:
    """The users at one step of the tip's contact list."""
    return contacts_at(tip, [level])[level]


def _notify_levels(case: Case, levels, *, kind: str, key: str, found: dict | None = None) -> int:
    found = found if found is not None else contacts_at(case.tip, levels)
    users = {user.pk: user for level in levels for user in found[level]}
    if not users:
        return 0
    created = notify(users.values(), kind=kind, subject=case.tip.number, url=case_url(case), key=key)
    if created:
        CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.NOTIFIED,
                                 text=", ".join(sorted(str(u) for u in users.values())))
    return len(users)


def case_url(case: Case) -> str:
    return reverse("tips:case", args=[case.pk])


def escalate(case: Case, *, now=None) -> int | None:
    """Move an unacknowledged urgent case one step down its contact list (skipping steps with nobody on
    them). Returns the level reached, or None if the case was acknowledged meanwhile or the list is done."""
    now = now or timezone.now()
    policy = CasePolicy.for_region(case.tip.school.region_id)
    level = case.escalation_level
    found = contacts_at(case.tip, [step for step in LEVELS if step > level]) if level < COMMITTEE else {}
    while level < COMMITTEE:
        level += 1
        users = found[level]
        if users:
            break
    else:
        users = []
    more = level < COMMITTEE
    # Claim the step: only one run of the escalation (or a simultaneous acknowledgement) wins.
    claimed = Case.objects.filter(pk=case.pk, status=Status.RECEIVED, escalation_level=case.escalation_level).update(
        escalation_level=level,
        next_escalation_at=now + datetime.timedelta(minutes=policy.escalation_minutes) if more else None)
    if not claimed:
        return None
    case.escalation_level = level
    if users:
        notify(users, kind=Notification.Kind.ESCALATED_TIP, subject=case.tip.number, url=case_url(case),
               key=f"tip:{case.pk}:level:{level}")
        CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.ESCALATED, created_at=now,
                                 text=", ".join(str(u) for u in users))
    return level


def escalate_due(now=None) -> int:
    """Every urgent case whose next escalation is due (`manage.py escalate_tips`, from cron)."""
    now = now or timezone.now()
    done = 0
    for case in Case.objects.filter(status=Status.RECEIVED, next_escalation_at__lte=now).select_related(
            "tip__school"):
        with transaction.atomic():
            if escalate(case, now=now) is not None:
                done += 1
    return done


# ---- handling ------------------------------------------------------------------------------------

def _move(case: Case, allowed, **changes) -> None:
    """Change the case's status only if it is still in one of `allowed` (a conditional UPDATE, so two handlers
    acting at once cannot both move it)."""
    moved = Case.objects.filter(pk=case.pk, status__in=allowed).update(updated_at=timezone.now(), **changes)
    if not moved:
        raise WorkflowError(_("The case has moved on meanwhile; see its current status."))
    for field, value in changes.items():
        setattr(case, field, value)


@transaction.atomic
def acknowledge(case: Case, *, by) -> None:
    now = timezone.now()
    _move(case, (Status.RECEIVED,), status=Status.ACKNOWLEDGED, acknowledged_at=now,
          owner=case.owner or by, next_escalation_at=None)
    CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.ACKNOWLEDGED, actor=by, created_at=now)


@transaction.atomic
def start_investigation(case: Case, *, by) -> None:
    """From received (which acknowledges it too: the starter owns it) or from acknowledged (the owner stays)."""
    now = timezone.now()
    days = CasePolicy.for_region(case.tip.school.region_id).investigation_days
    changes = {"status": Status.INVESTIGATING, "investigation_started_at": now,
               "investigation_due": now + datetime.timedelta(days=days), "next_escalation_at": None}
    took = Case.objects.filter(pk=case.pk, status=Status.RECEIVED, owner__isnull=True).update(
        acknowledged_at=now, owner=by, updated_at=now, **changes)
    if took:
        case.acknowledged_at, case.owner = now, by
        for field, value in changes.items():
            setattr(case, field, value)
        CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.ACKNOWLEDGED, actor=by, created_at=now)
    else:
        _move(case, (Status.ACKNOWLEDGED,), **changes)
    CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.INVESTIGATING, actor=by, created_at=now)


DECISION_FIELDS = ("conclusion", "committee_decided_on", "response", "parents_notified_on", "counselling",
                   "police_reported_on", "decision", "recheck_result")


@transaction.atomic
def decide(case: Case, *, by, **outcome) -> None:
    """Record the outcome (from the decision form, already validated by `Case.clean_decision`)."""
    now = timezone.now()
    rechecked = case.status == Status.RECHECK
    changes = {k: v for k, v in outcome.items() if k in DECISION_FIELDS}
    _move(case, (Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.RECHECK), status=Status.DECIDED,
          decided_at=now, **changes)
    CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.RECHECKED if rechecked else CaseEvent.Kind.DECIDED,
                             actor=by, created_at=now, text=case.get_conclusion_display())


@transaction.atomic
def close(case: Case, *, by, note: str = "") -> None:
    now = timezone.now()
    _move(case, (Status.DECIDED,), status=Status.CLOSED, closed_at=now)
    CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.CLOSED, actor=by, created_at=now, text=note)


@transaction.atomic
def appeal(case: Case, *, by, appealed_on: datetime.date, note: str) -> None:
    """Either side appealed (to the county's bullying-prevention office): the case is re-checked."""
    now = timezone.now()
    days = CasePolicy.for_region(case.tip.school.region_id).investigation_days
    _move(case, (Status.DECIDED, Status.CLOSED), status=Status.RECHECK, appealed_on=appealed_on, closed_at=None,
          investigation_due=now + datetime.timedelta(days=days))
    CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.APPEALED, actor=by, created_at=now, text=note)


@transaction.atomic
def add_note(case: Case, *, by, text: str) -> CaseEvent:
    return CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.NOTE, actor=by, text=text)


@transaction.atomic
def mark_urgent(case: Case, *, by) -> None:
    if case.urgent:
        return
    policy = CasePolicy.for_region(case.tip.school.region_id)
    changes = {"urgent": True}
    if case.status == Status.RECEIVED:
        changes["next_escalation_at"] = timezone.now() + datetime.timedelta(minutes=policy.escalation_minutes)
        changes["escalation_level"] = max(case.escalation_level, SCHOOL)
    Case.objects.filter(pk=case.pk).update(**changes)
    for field, value in changes.items():
        setattr(case, field, value)
    CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.URGENT, actor=by)


def handover_candidates(case: Case) -> list:
    """Who a case may be handed to: the people on its contact list (each can read and handle it)."""
    users = {user.pk: user for found in contacts_at(case.tip, LEVELS).values() for user in found}
    return sorted(users.values(), key=lambda u: (str(u), u.pk))


def may_hand_over(case: Case, user) -> bool:
    """The owner hands their case on; the committee and the education bureau may (re)assign any case."""
    from fazhi.accounts.permissions import can_assign_cases
    from fazhi.accounts.scope import scope_for

    return case.status in OPEN and (case.owner_id in (None, user.pk) or can_assign_cases(scope_for(user)))


@transaction.atomic
def hand_over(case: Case, *, by, to, note: str = "") -> None:
    if not may_hand_over(case, by):
        raise WorkflowError(_("Only the case's handler, the committee or the education bureau can hand it over."))
    if to.pk == by.pk or to.pk not in {u.pk for u in handover_candidates(case)}:
        raise WorkflowError(_("The case can only be handed to someone else on its contact list."))
    moved = Case.objects.filter(pk=case.pk, status__in=OPEN, owner_id=case.owner_id).update(
        owner=to, updated_at=timezone.now())
    if not moved:
        raise WorkflowError(_("The case has moved on meanwhile; see its current status."))
    case.owner = to
    event = CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.HANDED_OVER, actor=by,
                                     text=f"→ {to}" + (f": {note}" if note else ""))
    notify([to], kind=Notification.Kind.CASE_HANDED_OVER, subject=case.tip.number, url=case_url(case),
           key=f"tip:{case.pk}:handover:{event.pk}")


@transaction.atomic
def message_reporter(case: Case, *, by, body: str) -> Message:
    if not case.tip.is_online:
        raise WorkflowError(_("This clue was not sent through the tip line: its reporter has no receipt to read "
                              "messages with."))
    message = Message.objects.create(tip=case.tip, author=by, body=body)
    CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.MESSAGE, actor=by)
    return message


@transaction.atomic
def reporter_reply(tip: Tip, *, body: str, idempotency_key: str | None = None) -> Message:
    """The anonymous reporter wrote again (with their receipt). The owner is told, or the first two steps of
    the contact list if nobody owns the case yet. The same key with the same text again (a double tap, "send
    again") gives back the first message and tells nobody twice."""
    key_hash = receipts.idempotency_hash(receipts.bind(idempotency_key, tip.pk, body)) if idempotency_key else None
    if key_hash:
        earlier = Message.objects.filter(tip=tip, idempotency_hash=key_hash).first()
        if earlier is not None:
            return earlier
        try:
            with transaction.atomic():
                message = Message.objects.create(tip=tip, from_reporter=True, body=body, idempotency_hash=key_hash)
        except IntegrityError:  # the same message arriving twice at the same moment
            return Message.objects.get(tip=tip, idempotency_hash=key_hash)
    else:
        message = Message.objects.create(tip=tip, from_reporter=True, body=body)
    case = tip.case
    CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.REPLY)
    key = f"tip:{tip.pk}:reply:{message.pk}"
    if case.owner_id:
        notify([case.owner], kind=Notification.Kind.REPORTER_MESSAGE, subject=tip.number, url=case_url(case), key=key)
    else:
        _notify_levels(case, (OFFICER, SCHOOL), kind=Notification.Kind.REPORTER_MESSAGE, key=key)
    return message


@transaction.atomic
def record_items(*, by, school, case: Case | None = None, kind: str, count: int, seized_on: datetime.date,
                 note: str = "") -> ConfiscatedItem:
    item = ConfiscatedItem.objects.create(school=school, case=case, kind=kind, count=count, seized_on=seized_on,
                                          note=note, recorded_by=by)
    if case is not None:
        CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.ITEMS, actor=by, text=str(item))
    return item


def check_decision(case: Case, data: dict) -> None:
    """The rules of a decision (raises ValidationError keyed by field)."""
    errors = {}
    conclusion = data.get("conclusion")
    if case.tip.is_bullying_kind and conclusion in ("bullying", "not_bullying") and not data.get(
            "committee_decided_on"):
        errors["committee_decided_on"] = _("Whether it is bullying is decided by the school's bullying "
                                           "governance committee: give the date of its decision.")
    if conclusion == "referred" and not data.get("police_reported_on"):
        errors["police_reported_on"] = _("Give the date the case was reported to the police.")
    if case.status == Status.RECHECK and not (data.get("recheck_result") or "").strip():
        errors["recheck_result"] = _("Say what the re-check found.")
    today = timezone.localdate()
    for field in ("committee_decided_on", "parents_notified_on", "police_reported_on"):
        value = data.get(field)
        if value and (value > today or value < timezone.localdate(case.tip.created_at)):
            errors[field] = _("The date must lie between the tip's arrival and today.")
    if errors:
        raise ValidationError(errors)
