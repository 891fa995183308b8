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


# ---- quotas and progress (fazhi.activities.quota_views) ----------------------------------------

PROGRESS_TABS = ("classes", "schools", "officers")


def progress_tabs(scope: Scope) -> list[str]:
    """Which progress lists a user sees: regional roles all three; a school administrator their school's
    classes, the school and the officers holding its classes; an officer their classes and their own row;
    a liaison their unit's officers."""
    if scope.superuser or scope.has_role(*REGION_READERS):
        return list(PROGRESS_TABS)
    tabs = set()
    if scope.has_role(Role.SCHOOL_ADMIN):
        tabs.update(PROGRESS_TABS)
    if scope.has_role(Role.OFFICER):
        tabs.update(("classes", "officers"))
    if scope.has_role(Role.LIAISON):
        tabs.add("officers")
    return [t for t in PROGRESS_TABS if t in tabs]


def can_see_progress(scope: Scope) -> bool:
    return bool(progress_tabs(scope))


def can_set_quotas(scope: Scope) -> bool:
    """Setting a region's quotas for a semester: the committee and the education bureau."""
    return scope.has_role(Role.COMMITTEE_ADMIN, Role.EDUCATION_STAFF)


# ---- the education ledger: recording activities (fazhi.activities.views) ----------------------

RECORDERS = (Role.COMMITTEE_ADMIN, Role.EDUCATION_STAFF, Role.LIAISON, Role.OFFICER, Role.SCHOOL_ADMIN, Role.TEACHER)


def can_see_activities(scope: Scope) -> bool:
    """Every role sees the activities within its scope (Activity.visible_to decides which)."""
    return scope.superuser or bool(scope.roles)


def can_record_activities(scope: Scope) -> bool:
    """Officers record their own work; liaisons and the committee record for officers; schools, homeroom
    teachers and the education bureau record school activities. Inspectors only read."""
    return scope.has_role(*RECORDERS)


def must_name_officer(scope: Scope) -> bool:
    """A liaison (or an officer) records an officer's work; school-side and regional recorders may record
    an activity that no officer led."""
    return not scope.has_role(Role.COMMITTEE_ADMIN, Role.EDUCATION_STAFF, Role.SCHOOL_ADMIN, Role.TEACHER)


# ---- ledgers (工作台账) ------------------------------------------------------------------------

def can_export_ledgers(scope: Scope) -> bool:
    """Every role may export the ledger of what it can see: an officer their own activities, a liaison
    their unit's officers', a school its own, a committee, bureau or inspector their region's."""
    return can_see_activities(scope)


def can_see_figures(scope: Scope) -> bool:
    """The programme's figures for a region (`/figures/`, `stats --json`)."""
    return scope.has_role(*REGION_READERS)


# ---- the tip line, cases and registers (fazhi.tips) -------------------------------------------

HANDLERS = (Role.COMMITTEE_ADMIN, Role.EDUCATION_STAFF, Role.SCHOOL_ADMIN, Role.OFFICER, Role.LIAISON)


def can_handle_tips(scope: Scope) -> bool:
    """Reading and working cases (Tip.visible_to decides which): the committee, the education bureau, school
    administrators, officers and liaisons. Inspectors do not read tips."""
    return scope.has_role(*HANDLERS)


def can_see_cases(scope: Scope) -> bool:
    """The case list: handlers, and homeroom teachers for the clues they entered themselves."""
    return scope.has_role(*HANDLERS, Role.TEACHER)


def can_register_clues(scope: Scope) -> bool:
    """Entering a clue from another channel (a slip from the class box, a call, a talk…)."""
    return scope.has_role(*HANDLERS, Role.TEACHER)


def can_set_case_deadlines(scope: Scope) -> bool:
    return scope.has_role(Role.COMMITTEE_ADMIN)


def can_see_registers(scope: Scope) -> bool:
    """Hazards around schools, disputes and confiscated items (SchoolRegister.visible_to decides which)."""
    return scope.has_role(Role.COMMITTEE_ADMIN, Role.EDUCATION_STAFF, Role.INSPECTOR, Role.SCHOOL_ADMIN,
                          Role.OFFICER, Role.LIAISON)


def can_record_registers(scope: Scope) -> bool:
    return scope.has_role(Role.COMMITTEE_ADMIN, Role.EDUCATION_STAFF, Role.SCHOOL_ADMIN, Role.OFFICER,
                          Role.LIAISON)


def can_assign_cases(scope: Scope) -> bool:
    """Handing any case of the region to a handler (otherwise only the case's owner hands it on)."""
    return scope.has_role(Role.COMMITTEE_ADMIN, Role.EDUCATION_STAFF)


# ---- surveys (fazhi.surveys) ----------------------------------------------------------------------

def can_see_surveys(scope: Scope) -> bool:
    """Survey windows and their suppressed results (Survey.visible_to decides which)."""
    return scope.has_role(*REGION_READERS, Role.SCHOOL_ADMIN, Role.OFFICER)


def can_run_surveys(scope: Scope) -> bool:
    """Opening a survey for classes, a school or a region, and building questionnaires."""
    return scope.has_role(Role.COMMITTEE_ADMIN, Role.EDUCATION_STAFF, Role.SCHOOL_ADMIN)
