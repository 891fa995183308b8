"""Workflows that cross models: proposing, confirming, ending assignments, handovers, automatic proposals.

Each function is keyword-only and runs in one transaction; a rule that is broken raises ValidationError with
a message for the user, and nothing is changed.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from fazhi.accounts.scope import scope_for
from fazhi.assignments.models import MAX_LOAD, Assignment, Handover, Pairing, Policy, Training
from fazhi.org.models import Officer, School, SchoolClass

A = Assignment
DEPARTURE_REASONS = {
    Officer.Status.TRANSFERRED: A.EndReason.TRANSFER,
    Officer.Status.RETIRED: A.EndReason.RETIREMENT,
    Officer.Status.LEFT: A.EndReason.LEFT,
}


def _is_committee_for(user, school: School) -> bool:
    scope = scope_for(user)
    return scope.superuser or any(school.region_id.startswith(p) for p in scope.committee_prefixes)


def _can_propose_for(user, officer: Officer) -> bool:
    scope = scope_for(user)
    return (scope.superuser or officer.unit_id in scope.unit_ids
            or any(officer.unit.region_id.startswith(p) for p in scope.committee_prefixes))


@transaction.atomic
def propose(*, by, officer: Officer, school_class: SchoolClass | None = None, school: School | None = None,
            role: str = A.Role.HOMEROOM, exception_reason: str = "", source: str = A.Source.MANUAL,
            explanation: str = "", school_year: int | None = None) -> Assignment:
    """The unit's liaison (or the committee) proposes an officer for a class, or as a school's vice principal."""
    if not _can_propose_for(by, officer):
        raise ValidationError(_("You can only propose officers of your own unit."))
    if officer.status != Officer.Status.ACTIVE:
        raise ValidationError(_("%(name)s is not on active duty and cannot take a class.") % {"name": officer.name})
    if role == A.Role.HOMEROOM:
        if school_class is None:
            raise ValidationError(_("Choose the class."))
        school, school_year = school_class.school, school_class.school_year
        if A.objects.filter(school_class=school_class, role=role, status=A.Status.PROPOSED).exists():
            raise ValidationError(_("This class already has an open proposal; the committee decides on it first."))
        if A.objects.filter(school_class=school_class, officer=officer).holding().exists():
            raise ValidationError(_("%(name)s already is this class's rule-of-law homeroom teacher.")
                                  % {"name": officer.name})
    else:
        if school is None:
            raise ValidationError(_("Choose the school."))
        school_class = None
        school_year = school_year or _current_year()
        if A.objects.filter(school=school, officer=officer, role=role,
                            status__in=[A.Status.PROPOSED, *A.HOLDING]).exists():
            raise ValidationError(_("%(name)s already is, or is proposed as, this school's vice principal.")
                                  % {"name": officer.name})
    pairing = Pairing.objects.filter(unit_id=officer.unit_id, school=school, school_year=school_year).first()
    exception_reason = exception_reason.strip()
    if pairing is None:
        if not exception_reason:
            raise ValidationError(_("%(unit)s is not paired with %(school)s for %(year)s. Pair them first, or let "
                                    "the committee record an exception with its reason.")
                                  % {"unit": officer.unit.name, "school": school.name, "year": school_year})
        if not _is_committee_for(by, school):
            raise ValidationError(_("Only the committee can record an exception to the pairing."))
    else:
        exception_reason = ""
    try:
        with transaction.atomic():
            return A.objects.create(
                role=role, officer=officer, school=school, school_class=school_class, school_year=school_year,
                pairing=pairing, exception_reason=exception_reason, source=source, explanation=explanation[:500],
                proposed_by=by, proposed_at=timezone.now())
    except IntegrityError:  # a proposal for the same class arrived at the same moment
        raise ValidationError(_("This class already has an open proposal; the committee decides on it first.")) from None


def _current_year() -> int:
    from fazhi.org.models import current_school_year

    return current_school_year()


@transaction.atomic
def confirm(*, by, assignment: Assignment, starts_on: datetime.date | None = None) -> Assignment:
    """The committee confirms a proposal after review. The officer takes the class on `starts_on`."""
    assignment = A.objects.select_for_update(of=("self",)).select_related("officer__unit", "school", "school_class").get(
        pk=assignment.pk)
    if not _is_committee_for(by, assignment.school):
        raise ValidationError(_("Only the committee confirms assignments."))
    if assignment.status != A.Status.PROPOSED:
        raise ValidationError(_("Only a proposal can be confirmed; this one is %(status)s.")
                              % {"status": assignment.get_status_display()})
    officer = Officer.objects.select_for_update().get(pk=assignment.officer_id)
    if officer.status != Officer.Status.ACTIVE:
        raise ValidationError(_("%(name)s is not on active duty any more.") % {"name": officer.name})
    today = timezone.localdate()
    starts_on = starts_on or today
    if assignment.role == A.Role.HOMEROOM:
        assignment.load_slot = _free_load_slot(officer)
        current = A.objects.homeroom().holding().filter(school_class_id=assignment.school_class_id).first()
        if current is not None:
            _end(assignment=current, by=by, reason=A.EndReason.REPLACED, on=starts_on,
                 note=_("replaced by %(name)s") % {"name": officer.name})
    assignment.status = A.Status.ACTIVE if starts_on <= today else A.Status.CONFIRMED
    assignment.starts_on = starts_on
    assignment.decided_by = by
    assignment.decided_at = timezone.now()
    assignment._change_reason = _("confirmed")
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError:
        raise ValidationError(_("The class or the officer was changed by someone else at the same time; "
                                "reload the page and try again.")) from None
    if assignment.status == A.Status.ACTIVE:
        _close_handover(assignment)
    return assignment


def _free_load_slot(officer: Officer) -> int:
    policy = Policy.for_region(officer.unit.region_id)
    taken = set(A.objects.homeroom().holding().filter(officer=officer).values_list("load_slot", flat=True))
    for slot in range(1, min(policy.max_classes_per_officer, MAX_LOAD) + 1):
        if slot not in taken:
            return slot
    raise ValidationError(
        _("%(name)s already has %(n)s class(es), the most this region allows (%(limit)s).")
        % {"name": officer.name, "n": len(taken), "limit": policy.max_classes_per_officer})


def _close_handover(assignment: Assignment) -> None:
    if assignment.role != A.Role.HOMEROOM:
        return
    handover = Handover.objects.filter(school_class_id=assignment.school_class_id, closed_on__isnull=True).first()
    if handover is not None:
        handover.closed_on = max(assignment.starts_on, handover.opened_on)
        handover.replacement = assignment
        handover.save()


@transaction.atomic
def reject(*, by, assignment: Assignment, reason: str) -> Assignment:
    assignment = A.objects.select_for_update().get(pk=assignment.pk)
    if not _is_committee_for(by, assignment.school):
        raise ValidationError(_("Only the committee decides on proposals."))
    if assignment.status != A.Status.PROPOSED:
        raise ValidationError(_("Only a proposal can be rejected."))
    if not reason.strip():
        raise ValidationError(_("Give the reason for the rejection; the liaison will see it."))
    assignment.status = A.Status.REJECTED
    assignment.rejection_reason = reason.strip()[:300]
    assignment.decided_by = by
    assignment.decided_at = timezone.now()
    assignment._change_reason = reason.strip()[:100]
    assignment.save()
    return assignment


@transaction.atomic
def end(*, by, assignment: Assignment, reason: str, on: datetime.date | None = None, note: str = "") -> Assignment:
    """End a confirmed or active assignment (the committee). A class left without its officer gets a handover."""
    assignment = A.objects.select_for_update().get(pk=assignment.pk)
    if not _is_committee_for(by, assignment.school):
        raise ValidationError(_("Only the committee ends assignments; a liaison records the officer's transfer."))
    if reason not in A.EndReason.values:
        raise ValidationError(_("Choose the reason."))
    return _end(assignment=assignment, by=by, reason=reason, on=on or timezone.localdate(), note=note)


def _end(*, assignment: Assignment, by, reason: str, on: datetime.date, note: str = "") -> Assignment:
    if assignment.status not in A.HOLDING:
        raise ValidationError(_("Only a confirmed or active assignment can end."))
    if on > timezone.localdate():
        raise ValidationError(_("An assignment cannot end in the future."))
    was_active = assignment.status == A.Status.ACTIVE
    assignment.status = A.Status.ENDED
    assignment.ended_on = max(on, assignment.starts_on) if assignment.starts_on else on
    assignment.end_reason = reason
    assignment.end_note = note[:300]
    assignment.load_slot = None
    assignment._change_reason = f"{A.EndReason(reason).label}{': ' + note if note else ''}"[:100]
    assignment.save()
    leaves_gap = reason not in (A.EndReason.YEAR_END, A.EndReason.REPLACED)
    if was_active and leaves_gap and assignment.role == A.Role.HOMEROOM:
        if not Handover.objects.filter(school_class_id=assignment.school_class_id, closed_on__isnull=True).exists():
            Handover.objects.create(school_class_id=assignment.school_class_id, ended_assignment=assignment,
                                    opened_on=assignment.ended_on)
    return assignment


def officer_departed(*, officer: Officer, on: datetime.date, note: str = "") -> None:
    """An officer was transferred, retired or left: their classes end and open handovers; proposals lapse."""
    reason = DEPARTURE_REASONS.get(officer.status, A.EndReason.OTHER)
    for assignment in A.objects.holding().filter(officer=officer).select_for_update():
        _end(assignment=assignment, by=None, reason=reason, on=min(on, timezone.localdate()), note=note)
    for assignment in A.objects.filter(officer=officer, status=A.Status.PROPOSED).select_for_update():
        assignment.status = A.Status.REJECTED
        assignment.rejection_reason = _("The officer is no longer on active duty (%(status)s).") % {
            "status": officer.get_status_display()}
        assignment.save()


@transaction.atomic
def activate_due(*, today: datetime.date | None = None) -> int:
    """Confirmed assignments whose start date has come become active (run daily by cron)."""
    today = today or timezone.localdate()
    count = 0
    for assignment in A.objects.filter(status=A.Status.CONFIRMED, starts_on__lte=today).select_for_update():
        assignment.status = A.Status.ACTIVE
        assignment.save()
        _close_handover(assignment)
        count += 1
    return count


def confirm_many(*, by, assignments, starts_on: datetime.date | None = None) -> tuple[int, list[str]]:
    """Confirm a batch of proposals; each stands on its own (one failure does not undo the others)."""
    done, errors = 0, []
    for assignment in assignments:
        try:
            confirm(by=by, assignment=assignment, starts_on=starts_on)
            done += 1
        except ValidationError as exc:
            errors.append(f"{assignment}: {' '.join(exc.messages)}")
    return done, errors


@transaction.atomic
def record_training(*, by, officer: Officer, date: datetime.date, hours, topic: str,
                    kind: str = Training.Kind.PRE_SERVICE, provider: str = "") -> Training:
    if not Officer.objects.editable_by(by).filter(pk=officer.pk).exists():
        raise ValidationError(_("You can only record training for officers of your own unit."))
    if date > timezone.localdate():
        raise ValidationError(_("Training can only be recorded once it has taken place."))
    training = Training(officer=officer, date=date, hours=hours, topic=topic, kind=kind, provider=provider,
                        recorded_by=by)
    training.full_clean()
    training.save()
    return training


def officer_loads(officer_ids) -> dict[int, int]:
    rows = (A.objects.homeroom().holding().filter(officer_id__in=officer_ids).values("officer_id")
            .annotate(n=Count("pk")))
    return {r["officer_id"]: r["n"] for r in rows}


def unplaced_classes(queryset):
    """Classes with no confirmed or active homeroom officer and no open proposal."""
    taken = A.objects.filter(school_class=OuterRef("pk"), role=A.Role.HOMEROOM,
                             status__in=[A.Status.PROPOSED, *A.HOLDING])
    return queryset.exclude(Exists(taken))


@transaction.atomic
def propose_all(*, by, region_code: str, school_year: int) -> dict:
    """Propose officers for every class of the region and year that has none, as one optimal plan
    (min-cost flow, see optimizer.py): pairings and load limits are respected; last year's officer stays with
    the promoted class where possible; nearer units are preferred; load is spread evenly."""
    from fazhi.assignments import optimizer

    scope = scope_for(by)
    if not (scope.superuser or any(region_code.startswith(p) for p in scope.committee_prefixes)):
        raise ValidationError(_("Only the committee of the region can make an automatic proposal."))
    classes = list(unplaced_classes(SchoolClass.objects.filter(
        school__region__code__startswith=region_code, school_year=school_year)).select_related(
        "school", "promoted_from").order_by("pk"))
    if not classes:
        return {"classes": 0, "proposed": 0, "unassigned": 0}
    school_ids = {c.school_id for c in classes}
    pairings = list(Pairing.objects.filter(school_id__in=school_ids, school_year=school_year)
                    .select_related("unit", "school"))
    unit_ids = {p.unit_id for p in pairings}
    officers = list(Officer.objects.filter(unit_id__in=unit_ids, status=Officer.Status.ACTIVE)
                    .select_related("unit").order_by("pk"))
    loads = officer_loads([o.pk for o in officers])
    limits = {}
    for o in officers:
        if o.unit.region_id not in limits:
            limits[o.unit.region_id] = Policy.for_region(o.unit.region_id).max_classes_per_officer
    previous = dict(A.objects.filter(
        school_class_id__in=[c.promoted_from_id for c in classes if c.promoted_from_id], role=A.Role.HOMEROOM,
        status__in=[*A.HOLDING, A.Status.ENDED], end_reason__in=["", A.EndReason.YEAR_END],
    ).order_by("starts_on").values_list("school_class_id", "officer_id"))
    distances = {}
    for p in pairings:
        u, sch = p.unit, p.school
        if None not in (u.latitude, u.longitude, sch.latitude, sch.longitude):
            distances[(u.pk, sch.pk)] = optimizer.haversine_km(
                float(u.latitude), float(u.longitude), float(sch.latitude), float(sch.longitude))
    solution = optimizer.solve(
        [optimizer.ClassSlot(id=c.pk, school_id=c.school_id, previous_officer_id=previous.get(c.promoted_from_id))
         for c in classes],
        [optimizer.Candidate(id=o.pk, unit_id=o.unit_id, load=loads.get(o.pk, 0), limit=limits[o.unit.region_id])
         for o in officers],
        [(p.unit_id, p.school_id) for p in pairings],
        distances,
    )
    by_id_class = {c.pk: c for c in classes}
    by_id_officer = {o.pk: o for o in officers}
    pairing_of = {(p.unit_id, p.school_id): p for p in pairings}
    now = timezone.now()
    new = []
    for item in solution.assignments:
        if item.officer_id is None:
            continue
        klass, officer = by_id_class[item.class_id], by_id_officer[item.officer_id]
        new.append(A(
            role=A.Role.HOMEROOM, officer=officer, school=klass.school, school_class=klass,
            school_year=school_year, pairing=pairing_of[(officer.unit_id, klass.school_id)],
            source=A.Source.OPTIMIZER, explanation="；".join(r.text() for r in item.reasons)[:500],
            proposed_by=by, proposed_at=now))
    # One insert for the plan, with its history rows (the constraints still apply in the database).
    bulk_create_with_history(new, A, batch_size=500, default_user=by, default_change_reason=_("automatic proposal"))
    proposed = len(new)
    unassigned = [(by_id_class[i.class_id], "；".join(r.text() for r in i.reasons))
                  for i in solution.assignments if i.officer_id is None]
    return {"classes": len(classes), "proposed": proposed, "unassigned": len(unassigned),
            "unassigned_classes": unassigned[:50], "total_cost": solution.total_cost}
