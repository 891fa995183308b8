"""The turn of the school year: classes move up a grade, pairings carry over, officers follow their classes.

`start_school_year(by=..., region_code=..., from_year=2026)` does, within the region and in one transaction:

* every class of `from_year` in the last grade of its school's stage graduates (it gets no successor);
  every other class gets its successor in `from_year + 1`: same school and number, one grade up, the
  homeroom teacher, phone and number of students copied, `promoted_from` pointing back. A successor that
  already exists (imported from the roster, say) is linked instead of duplicated;
* every school gets the intake classes of its first grade: as many as it had in that grade in
  `from_year`, with the same numbers and no predecessor;
* the pairings of `from_year` are copied to `from_year + 1` (`copy_pairings`);
* every confirmed or active 法治班主任 assignment of `from_year` ends with the reason "end of school year";
  when its class moved up and the officer is still on active duty, the officer is proposed for the
  successor class (source "rollover", explanation 随班升级) for the committee to confirm.

Vice-principal posts belong to a school, not a class, and carry on untouched. Running it twice changes
nothing the second time. With `dry_run=True` everything is done and rolled back, so the summary is exact
and nothing is kept (the page's preview and the command's --dry-run).
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhi.accounts.scope import scope_for
from fazhi.assignments import services
from fazhi.assignments.models import Assignment, Pairing
from fazhi.org.models import Officer, School, SchoolClass, current_school_year

A = Assignment
ROLLOVER_EXPLANATION = "随班升级"
CHANGE_REASON = "school year rollover"


def _committee_prefixes(by) -> tuple[str, ...] | None:
    """The region prefixes where `by` acts as the committee (None: everywhere, a superuser)."""
    scope = scope_for(by)
    return None if scope.superuser else scope.committee_prefixes


def is_committee_of(by, region_code: str) -> bool:
    prefixes = _committee_prefixes(by)
    return prefixes is None or any(region_code.startswith(p) for p in prefixes)


# ---- pairings ----------------------------------------------------------------------------------------

@dataclass
class CopyResult:
    created: int = 0
    existing: int = 0


@transaction.atomic
def copy_pairings(*, by, from_year: int, to_year: int, region_code: str | None = None) -> CopyResult:
    """Copy the pairings of `from_year` to `to_year` for the schools of `region_code` (or of every region
    where `by` is the committee). A pairing that already exists is left as it is: copying twice changes
    nothing the second time."""
    prefixes = _committee_prefixes(by)
    if region_code is not None:
        if not is_committee_of(by, region_code):
            raise ValidationError(_("Only the committee of the region can copy its pairings."))
        prefixes = (region_code,)
    if prefixes is not None and not prefixes:
        raise ValidationError(_("Only the committee can copy pairings."))
    if from_year == to_year:
        raise ValidationError(_("Choose two different school years."))
    source = Pairing.objects.filter(school_year=from_year)
    if prefixes is not None:
        q = Q(pk__in=[])
        for prefix in prefixes:
            q |= Q(school__region__code__startswith=prefix)
        source = source.filter(q)
    pairs = list(source.order_by("school_id", "unit_id").values_list("unit_id", "school_id"))
    existing = set(Pairing.objects.filter(school_year=to_year, school_id__in={s for _u, s in pairs})
                   .values_list("unit_id", "school_id"))
    result = CopyResult()
    for unit_id, school_id in pairs:
        if (unit_id, school_id) in existing:
            result.existing += 1
            continue
        pairing = Pairing(unit_id=unit_id, school_id=school_id, school_year=to_year, created_by=by)
        pairing._change_reason = _("copied from %(year)s") % {"year": from_year}
        pairing._history_user = by
        pairing.save()
        result.created += 1
    return result


# ---- the school year ---------------------------------------------------------------------------------

@dataclass
class RolloverSummary:
    region_code: str
    from_year: int
    dry_run: bool = False
    classes: int = 0  # classes of from_year in the region
    promoted: int = 0  # successor classes created
    linked: int = 0  # successor classes that already existed and were linked to their predecessor
    already_promoted: int = 0  # successor classes already linked (an earlier run)
    graduated: int = 0  # classes in the last grade: no successor
    not_promoted: int = 0  # classes whose next grade the school's stage does not have
    intake_created: int = 0
    intake_existing: int = 0
    pairings_copied: int = 0
    pairings_existing: int = 0
    assignments_ended: int = 0
    proposals: int = 0  # officers proposed for their promoted class
    officers_inactive: int = 0  # ended, but the officer is no longer on active duty: no proposal
    graduated_officers: int = 0  # ended, their class graduated: the officer is free for a new class
    proposals_skipped: list[str] = field(default_factory=list)  # why a proposal could not be made
    vice_principals: int = 0  # vice-principal posts that carry on
    stale_proposals: int = 0  # open proposals for from_year's classes, left for the committee to decide

    @property
    def to_year(self) -> int:
        return self.from_year + 1

    @property
    def year_under_way(self) -> bool:
        """The school year that would end is the current one: it has not finished yet."""
        return self.from_year >= current_school_year()

    @property
    def changed(self) -> int:
        return (self.promoted + self.linked + self.intake_created + self.pairings_copied + self.assignments_ended
                + self.proposals)

    def rows(self) -> list[tuple[str, int]]:
        """(label, count) for the page and the command."""
        return [
            (_("Classes of %(year)s") % {"year": self.from_year}, self.classes),
            (_("Classes moved up a grade (new classes)"), self.promoted),
            (_("Classes moved up a grade (existing classes linked)"), self.linked),
            (_("Classes already moved up earlier"), self.already_promoted),
            (_("Graduating classes (no successor)"), self.graduated),
            (_("Classes without a next grade at their school"), self.not_promoted),
            (_("New intake classes created"), self.intake_created),
            (_("Intake classes already there"), self.intake_existing),
            (_("Pairings copied"), self.pairings_copied),
            (_("Pairings already there"), self.pairings_existing),
            (_("Homeroom assignments ended (end of school year)"), self.assignments_ended),
            (_("Officers proposed for their promoted class"), self.proposals),
            (_("Officers whose class graduated"), self.graduated_officers),
            (_("Officers no longer on active duty (no proposal)"), self.officers_inactive),
            (_("Proposals that could not be made"), len(self.proposals_skipped)),
            (_("Vice-principal posts (carry on)"), self.vice_principals),
            (_("Open proposals for last year's classes (left for the committee)"), self.stale_proposals),
        ]

    def text(self) -> str:
        head = _("School year %(from)s → %(to)s, region %(region)s") % {
            "from": self.from_year, "to": self.to_year, "region": self.region_code}
        if self.dry_run:
            head += " — " + _("dry run, nothing saved")
        lines = [head] + [f"  {label}: {n}" for label, n in self.rows()]
        lines += [f"    - {reason}" for reason in self.proposals_skipped]
        return "\n".join(lines)


def default_from_year(region_code: str) -> int:
    """The school year a rollover would most likely start from: last year if it has classes that have not
    moved up yet (the new year has begun), otherwise the current one (preparing the next year in summer)."""
    current = current_school_year()
    last_year = SchoolClass.objects.filter(school__region__code__startswith=region_code, school_year=current - 1)
    not_last_grade = Q(pk__in=[])
    for stage, grades in School.GRADE_RANGES.items():
        not_last_grade |= Q(school__stage=stage, grade__lt=grades[-1])
    if last_year.filter(not_last_grade, promoted_to__isnull=True).exists():
        return current - 1
    return current


def start_school_year(*, by, region_code: str, from_year: int, dry_run: bool = False,
                      today: datetime.date | None = None) -> RolloverSummary:
    """Turn the school year `from_year` of the region over to `from_year + 1` (see the module's doc)."""
    if not is_committee_of(by, region_code):
        raise ValidationError(_("Only the committee of the region starts a new school year."))
    if from_year > current_school_year():
        raise ValidationError(_("The school year %(year)s has not started yet; it cannot end.") % {
            "year": from_year})
    summary = RolloverSummary(region_code=region_code, from_year=from_year, dry_run=dry_run)
    with transaction.atomic():
        _roll_classes(summary, region_code, from_year)
        copied = copy_pairings(by=by, from_year=from_year, to_year=from_year + 1, region_code=region_code)
        summary.pairings_copied, summary.pairings_existing = copied.created, copied.existing
        _roll_assignments(summary, by, region_code, from_year, today or timezone.localdate())
        if dry_run:
            transaction.set_rollback(True)
    return summary


def _save(obj, update_fields=None) -> None:
    obj._change_reason = CHANGE_REASON
    obj.save(update_fields=update_fields)


def _roll_classes(summary: RolloverSummary, region_code: str, from_year: int) -> None:
    to_year = from_year + 1
    in_region = Q(school__region__code__startswith=region_code)
    old = list(SchoolClass.objects.filter(in_region, school_year=from_year).select_related("school")
               .order_by("school_id", "grade", "number"))
    summary.classes = len(old)
    new = {(c.school_id, c.grade, c.number): c
           for c in SchoolClass.objects.filter(in_region, school_year=to_year)}
    linked_from = {c.promoted_from_id for c in new.values() if c.promoted_from_id}
    first_grade_numbers: dict[int, tuple[School, list[int]]] = {}
    for klass in old:
        grades = klass.school.allowed_grades()
        if klass.grade == grades[0]:
            first_grade_numbers.setdefault(klass.school_id, (klass.school, []))[1].append(klass.number)
        if klass.grade >= grades[-1]:
            summary.graduated += 1
            continue
        if klass.grade + 1 not in grades:
            summary.not_promoted += 1
            continue
        successor = new.get((klass.school_id, klass.grade + 1, klass.number))
        if successor is None:
            successor = SchoolClass(
                school=klass.school, school_year=to_year, grade=klass.grade + 1, number=klass.number,
                homeroom_teacher=klass.homeroom_teacher, homeroom_teacher_phone=klass.homeroom_teacher_phone,
                student_count=klass.student_count, promoted_from=klass)
            _save(successor)
            new[(klass.school_id, successor.grade, successor.number)] = successor
            summary.promoted += 1
        elif successor.promoted_from_id == klass.pk:
            summary.already_promoted += 1
        elif successor.promoted_from_id is None and klass.pk not in linked_from:
            successor.promoted_from = klass
            _save(successor, update_fields=["promoted_from"])
            summary.linked += 1
        # else: the class of that grade and number came from elsewhere; leave it as it is.
    for school_id, (school, numbers) in first_grade_numbers.items():
        first = school.allowed_grades()[0]
        for number in numbers:
            if (school_id, first, number) in new:
                summary.intake_existing += 1
                continue
            intake = SchoolClass(school=school, school_year=to_year, grade=first, number=number)
            _save(intake)
            new[(school_id, first, number)] = intake
            summary.intake_created += 1


def _roll_assignments(summary: RolloverSummary, by, region_code: str, from_year: int, today: datetime.date) -> None:
    in_region = Q(school__region__code__startswith=region_code)
    summary.vice_principals = A.objects.filter(in_region, role=A.Role.VICE_PRINCIPAL).holding().count()
    summary.stale_proposals = A.objects.homeroom().filter(
        in_region, school_year=from_year, status=A.Status.PROPOSED).count()
    ending = list(A.objects.homeroom().holding().filter(in_region, school_year=from_year)
                  .select_related("officer__unit", "school", "school_class").order_by("school_class_id"))
    successors = {c.promoted_from_id: c for c in SchoolClass.objects.filter(
        promoted_from_id__in=[a.school_class_id for a in ending]).select_related("school")}
    for assignment in ending:
        services.end(by=by, assignment=assignment, reason=A.EndReason.YEAR_END, on=today,
                     note=_("school year %(year)s ended") % {"year": from_year})
        summary.assignments_ended += 1
        successor = successors.get(assignment.school_class_id)
        if successor is None:
            summary.graduated_officers += 1
            continue
        officer = Officer.objects.select_related("unit").get(pk=assignment.officer_id)
        if officer.status != Officer.Status.ACTIVE:
            summary.officers_inactive += 1
            continue
        taken = A.objects.homeroom().filter(school_class=successor,
                                            status__in=[A.Status.PROPOSED, *A.HOLDING]).first()
        if taken is not None:
            summary.proposals_skipped.append(_("%(class)s: already has %(officer)s (%(status)s).") % {
                "class": successor, "officer": taken.officer.name, "status": taken.get_status_display()})
            continue
        try:
            services.propose(by=by, officer=officer, school_class=successor, source=A.Source.ROLLOVER,
                             explanation=ROLLOVER_EXPLANATION, exception_reason=assignment.exception_reason)
        except ValidationError as exc:
            summary.proposals_skipped.append(f"{successor}: {' '.join(exc.messages)}")
            continue
        summary.proposals += 1
