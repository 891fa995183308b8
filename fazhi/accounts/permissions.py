"""What each role may do, in one place. Views and templates ask these, never roles directly."""

from fazhi.accounts.models import Role
from fazhi.accounts.scope import Scope

REGION_READERS = (Role.COMMITTEE_ADMIN, Role.EDUCATION_STAFF, Role.INSPECTOR)


def can_see_units(scope: Scope) -> bool:
    return scope.has_role(*REGION_READERS, Role.LIAISON, Role.OFFICER)


def can_see_schools(scope: Scope) -> bool:
    return scope.has_role(*REGION_READERS, Role.SCHOOL_ADMIN, Role.TEACHER, Role.LIAISON, Role.OFFICER)


def can_see_officers(scope: Scope) -> bool:
    return scope.has_role(*REGION_READERS, Role.LIAISON, Role.OFFICER)


def can_create_unit(scope: Scope) -> bool:
    return scope.has_role(Role.COMMITTEE_ADMIN)


def can_create_school(scope: Scope) -> bool:
    return scope.has_role(Role.COMMITTEE_ADMIN, Role.EDUCATION_STAFF)


def can_create_class(scope: Scope) -> bool:
    return scope.has_role(Role.COMMITTEE_ADMIN, Role.EDUCATION_STAFF, Role.SCHOOL_ADMIN)


def can_create_officer(scope: Scope) -> bool:
    return scope.has_role(Role.COMMITTEE_ADMIN, Role.LIAISON)


def can_manage_users(scope: Scope) -> bool:
    return scope.has_role(Role.COMMITTEE_ADMIN, Role.EDUCATION_STAFF)


def can_import_roster(scope: Scope) -> bool:
    return scope.has_role(Role.COMMITTEE_ADMIN, Role.EDUCATION_STAFF, Role.LIAISON, Role.SCHOOL_ADMIN)


def can_see_history(scope: Scope) -> bool:
    """Change history is the committee's oversight tool."""
    return scope.has_role(Role.COMMITTEE_ADMIN)


def grantable_roles(scope: Scope) -> list[str]:
    if scope.superuser or scope.has_role(Role.COMMITTEE_ADMIN):
        return list(Role.values)
    if scope.has_role(Role.EDUCATION_STAFF):
        return [Role.SCHOOL_ADMIN, Role.TEACHER]
    return []


def can_see_assignments(scope: Scope) -> bool:
    return scope.superuser or bool(scope.roles)


def can_decide_assignments(scope: Scope) -> bool:
    """Confirming, rejecting and ending assignments, automatic proposals and the region's rules."""
    return scope.has_role(Role.COMMITTEE_ADMIN)


def can_propose(scope: Scope) -> bool:
    return scope.has_role(Role.COMMITTEE_ADMIN, Role.LIAISON)


def can_see_coverage(scope: Scope) -> bool:
    return scope.has_role(*REGION_READERS, Role.LIAISON, Role.SCHOOL_ADMIN)


def can_record_training(scope: Scope) -> bool:
    return scope.has_role(Role.COMMITTEE_ADMIN, Role.LIAISON)
