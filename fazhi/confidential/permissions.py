"""Who may open the confidential registers at all. Which records they then see is `visible_to(user)` on each
model (fazhi.confidential.models); these only decide whether the pages exist for a user (404 otherwise)."""

from fazhi.accounts.scope import Scope


def can_see_special_students(scope: Scope) -> bool:
    """A school's administrators, and officers holding a class at a school or serving as its vice principal.
    Not homeroom teachers, liaisons, the committee, the education bureau or inspectors."""
    return scope.superuser or bool(scope.school_ids or scope.officer_school_ids)


def can_see_staff_concerns(scope: Scope) -> bool:
    """A school's administrators and its rule-of-law vice principal."""
    return scope.superuser or bool(scope.school_ids or scope.officer_vp_school_ids)


def can_see_access_log(scope: Scope) -> bool:
    """A school's administrators read who looked at their school's registers."""
    return scope.superuser or bool(scope.school_ids)


def can_see_confidential(scope: Scope) -> bool:
    """The menu entry."""
    return can_see_special_students(scope) or can_see_staff_concerns(scope)
