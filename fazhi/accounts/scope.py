"""What a user may see: computed once per request from their memberships.

Scope checks on regions are prefix checks on GB/T 2260 codes: a user of region 6209
sees every record whose region code starts with 6209.
"""

from dataclasses import dataclass

from django.http import Http404

from fazhi.accounts.models import Membership, Role


@dataclass(frozen=True)
class Scope:
    superuser: bool = False
    committee_prefixes: tuple[str, ...] = ()
    education_prefixes: tuple[str, ...] = ()
    inspector_prefixes: tuple[str, ...] = ()
    unit_ids: tuple[int, ...] = ()
    officer_ids: tuple[int, ...] = ()
    officer_unit_ids: tuple[int, ...] = ()
    school_ids: tuple[int, ...] = ()
    class_ids: tuple[int, ...] = ()
    class_school_ids: tuple[int, ...] = ()
    # Reach that comes from the programme's work rather than from a membership:
    paired_school_ids: tuple[int, ...] = ()  # schools paired with a liaison's unit (this year or later)
    officer_class_ids: tuple[int, ...] = ()  # classes an officer holds
    officer_school_ids: tuple[int, ...] = ()  # schools where an officer is vice principal or holds a class
    officer_vp_school_ids: tuple[int, ...] = ()  # schools where an officer is vice principal
    assigned_officer_ids: tuple[int, ...] = ()  # officers holding the classes of a school admin or teacher
    roles: frozenset[str] = frozenset()

    @property
    def region_prefixes(self) -> tuple[str, ...]:
        return self.committee_prefixes + self.education_prefixes + self.inspector_prefixes

    @property
    def is_empty(self) -> bool:
        return not (self.superuser or self.roles)

    def has_role(self, *roles: str) -> bool:
        return self.superuser or bool(self.roles.intersection(roles))


EMPTY = Scope()


def scope_for(user) -> Scope:
    """The user's scope, cached on the user object for the rest of the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return EMPTY
    cached = getattr(user, "_fazhi_scope", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = Scope(superuser=True)
    else:
        buckets: dict[str, list] = {k: [] for k in (
            "committee", "education", "inspector", "unit", "officer", "officer_unit", "school", "class", "class_school"
        )}
        roles = set()
        rows = Membership.objects.filter(user=user).values_list(
            "role", "region_id", "unit_id", "officer_id", "officer__unit_id", "school_id", "school_class_id",
            "school_class__school_id",
        )
        for role, region, unit, officer, officer_unit, school, klass, klass_school in rows:
            roles.add(role)
            if role == Role.COMMITTEE_ADMIN:
                buckets["committee"].append(region)
            elif role == Role.EDUCATION_STAFF:
                buckets["education"].append(region)
            elif role == Role.INSPECTOR:
                buckets["inspector"].append(region)
            elif role == Role.LIAISON:
                buckets["unit"].append(unit)
            elif role == Role.OFFICER:
                buckets["officer"].append(officer)
                buckets["officer_unit"].append(officer_unit)
            elif role == Role.SCHOOL_ADMIN:
                buckets["school"].append(school)
            elif role == Role.TEACHER:
                buckets["class"].append(klass)
                buckets["class_school"].append(klass_school)
        work = _work_reach(buckets)
        scope = Scope(
            **work,
            committee_prefixes=tuple(sorted(set(buckets["committee"]))),
            education_prefixes=tuple(sorted(set(buckets["education"]))),
            inspector_prefixes=tuple(sorted(set(buckets["inspector"]))),
            unit_ids=tuple(set(buckets["unit"])),
            officer_ids=tuple(set(buckets["officer"])),
            officer_unit_ids=tuple(set(buckets["officer_unit"])),
            school_ids=tuple(set(buckets["school"])),
            class_ids=tuple(set(buckets["class"])),
            class_school_ids=tuple(set(buckets["class_school"])),
            roles=frozenset(roles),
        )
    user._fazhi_scope = scope
    return scope


def _work_reach(buckets) -> dict:
    """What assignments add to a user's reach: a liaison sees the schools paired with their unit, an officer
    the classes they hold, a school or class the officers who hold its classes."""
    from fazhi.assignments.models import Assignment, Pairing
    from fazhi.org.models import current_school_year

    reach = {}
    if buckets["unit"]:
        reach["paired_school_ids"] = tuple(set(Pairing.objects.filter(
            unit_id__in=buckets["unit"], school_year__gte=current_school_year()).values_list("school_id", flat=True)))
    if buckets["officer"]:
        rows = Assignment.objects.filter(officer_id__in=buckets["officer"], status__in=Assignment.HOLDING)
        reach["officer_class_ids"] = tuple(x for x in rows.values_list("school_class_id", flat=True) if x)
        reach["officer_school_ids"] = tuple(set(rows.values_list("school_id", flat=True)))
        reach["officer_vp_school_ids"] = tuple(set(rows.filter(school_class__isnull=True)
                                                   .values_list("school_id", flat=True)))
    if buckets["school"] or buckets["class"]:
        from django.db.models import Q

        rows = Assignment.objects.filter(Q(school_id__in=buckets["school"]) | Q(school_class_id__in=buckets["class"]),
                                         status__in=Assignment.HOLDING)
        reach["assigned_officer_ids"] = tuple(set(rows.values_list("officer_id", flat=True)))
    return reach


def get_visible_or_404(model, user, **lookup):
    """The one lookup helper: an object outside the user's scope does not exist for them."""
    try:
        return model.objects.visible_to(user).get(**lookup)
    except model.DoesNotExist:
        raise Http404 from None


def get_editable_or_404(model, user, **lookup):
    """For edit views: outside the scope → 404; visible but read-only → 404 as well, so that
    read-only roles learn nothing more from an edit URL than from the detail page."""
    try:
        return model.objects.editable_by(user).get(**lookup)
    except model.DoesNotExist:
        raise Http404 from None
