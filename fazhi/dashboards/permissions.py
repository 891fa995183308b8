"""Who may open which dashboard. Views ask these; a dashboard a user may not open does not exist for them (404).

- Region: the committee, the education bureau and inspectors of that region (or a region above it).
- Unit: the same regional readers of the unit's region, and the unit's liaisons.
- School: the same regional readers of the school's region, and the school's administrators.
"""

from fazhi.accounts.permissions import can_see_cases, can_see_coverage, can_see_registers, can_see_surveys
from fazhi.accounts.scope import Scope


def _reads_region(scope: Scope, code: str) -> bool:
    return scope.superuser or any(code.startswith(prefix) for prefix in scope.region_prefixes)


def can_see_dashboards(scope: Scope) -> bool:
    """Whether the menu shows the dashboard (the region dashboard, or the user's unit or school)."""
    return scope.superuser or bool(scope.region_prefixes or scope.unit_ids or scope.school_ids)


def can_see_region_dashboard(scope: Scope, code: str) -> bool:
    return _reads_region(scope, code)


def can_see_unit_dashboard(scope: Scope, unit) -> bool:
    return _reads_region(scope, unit.region_id) or unit.pk in scope.unit_ids


def can_see_school_dashboard(scope: Scope, school) -> bool:
    return _reads_region(scope, school.region_id) or school.pk in scope.school_ids


def drill_down(scope: Scope) -> dict:
    """Which record lists a dashboard's figures may link to (a link the user could not follow is left out)."""
    return {"cases": can_see_cases(scope), "coverage": can_see_coverage(scope),
            "registers": can_see_registers(scope), "surveys": can_see_surveys(scope)}
