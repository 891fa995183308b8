"""Who may do what in the oversight pages. Which records they reach is the models' `scope_q`/`edit_q`."""


def can_plan_inspections(scope) -> bool:
    """The committee and the education bureau plan joint inspections for their region."""
    return scope.superuser or bool(scope.committee_prefixes or scope.education_prefixes)


def can_see_inspections(scope) -> bool:
    return scope.superuser or bool(scope.region_prefixes)


def can_record_findings(scope) -> bool:
    """Inspectors and the committee record findings."""
    return scope.superuser or bool(scope.committee_prefixes or scope.inspector_prefixes)


def can_see_findings(scope) -> bool:
    """Region roles; a school's administrators (their school); a liaison (their unit and its officers); an
    officer (themselves)."""
    return scope.superuser or bool(scope.region_prefixes or scope.school_ids or scope.unit_ids or scope.officer_ids)


def can_rectify(scope) -> bool:
    return scope.superuser or bool(scope.committee_prefixes or scope.school_ids or scope.unit_ids)


def can_see_accountability(scope) -> bool:
    return scope.superuser or bool(scope.region_prefixes or scope.unit_ids or scope.officer_ids)


def can_record_accountability(scope) -> bool:
    return scope.superuser or bool(scope.committee_prefixes)


def can_manage_checklists(scope) -> bool:
    return can_plan_inspections(scope)


def can_see_unit_ledger(scope, unit) -> bool:
    """A unit's accountability ledger: the region roles above it and the unit's liaisons."""
    return (scope.superuser or any(unit.region_id.startswith(p) for p in scope.region_prefixes)
            or unit.pk in scope.unit_ids)


def can_see_officer_ledger(scope, officer) -> bool:
    """An officer's ledger: the region roles above the officer's unit, the unit's liaisons, the officer."""
    return (scope.superuser or any(officer.unit.region_id.startswith(p) for p in scope.region_prefixes)
            or officer.unit_id in scope.unit_ids or officer.pk in scope.officer_ids)
