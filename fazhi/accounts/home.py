"""The home page: for each role the user holds, what there is to do in their scope."""

import datetime

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhi.accounts.models import Membership, Role
from fazhi.accounts.scope import scope_for
from fazhi.assignments import coverage
from fazhi.assignments.models import Assignment, Handover, Policy
from fazhi.org.models import Officer, Region, School, SchoolClass, Unit, current_school_year


def _url(name, **query):
    from urllib.parse import urlencode

    return reverse(name) + ("?" + urlencode(query) if query else "")


def region_section(user, region: Region, role: str) -> dict:
    year = current_school_year()
    prefix = region.code
    classes = SchoolClass.objects.filter(school__region__code__startswith=prefix, school_year=year)
    officers = Officer.objects.filter(unit__region__code__startswith=prefix)
    officer_counts = officers.aggregate(active=Count("pk", filter=Q(status=Officer.Status.ACTIVE)),
                                        inactive=Count("pk", filter=~Q(status=Officer.Status.ACTIVE)))
    figures = [
        (_("Units"), Unit.objects.filter(region__code__startswith=prefix).count(), _url("org:unit_list", region=prefix)),
        (_("Schools"), School.objects.filter(region__code__startswith=prefix).count(), _url("org:school_list", region=prefix)),
        (_("Classes this school year"), classes.count(), _url("org:class_list", region=prefix)),
        (_("Active officers"), officer_counts["active"], _url("org:officer_list", region=prefix, status="active")),
    ]
    totals = coverage.summary(classes)
    figures.insert(0, (_("Coverage"), f"{totals['coverage_percent']}%", _url("assignments:coverage", region=prefix)))
    todo = []
    if role == Role.COMMITTEE_ADMIN:
        pending = Assignment.objects.filter(school__region__code__startswith=prefix,
                                            status=Assignment.Status.PROPOSED).count()
        if pending:
            todo.append((_("%(n)s proposals await your review.") % {"n": pending},
                         _url("assignments:assignment_list", status="proposed")))
    overdue = coverage.overdue_handovers(Handover.objects.filter(
        school_class__school__region__code__startswith=prefix)).count()
    if overdue:
        todo.append((_("%(n)s classes have been without their officer for longer than allowed.") % {"n": overdue},
                     _url("assignments:handover_list", state="overdue")))
    if totals["uncovered"]:
        todo.append((_("%(n)s classes have no rule-of-law homeroom teacher.") % {"n": totals["uncovered"]},
                     _url("assignments:coverage", region=prefix, show="uncovered")))
    no_vp = coverage.schools_without_vice_principal(School.objects.filter(region__code__startswith=prefix)).count()
    if no_vp:
        todo.append((_("%(n)s schools have no rule-of-law vice principal.") % {"n": no_vp},
                     _url("assignments:coverage", region=prefix)))
    if officer_counts["inactive"] and role != Role.INSPECTOR:
        todo.append((_("%(n)s officers are no longer active (transferred, retired or left).")
                     % {"n": officer_counts["inactive"]}, _url("org:officer_list", region=prefix, status="inactive")))
    missing_teacher = classes.filter(homeroom_teacher="").count()
    if missing_teacher and role != Role.INSPECTOR:
        todo.append((_("%(n)s classes have no homeroom teacher on record.") % {"n": missing_teacher},
                     _url("org:class_list", region=prefix, missing="teacher")))
    empty_schools = School.objects.filter(region__code__startswith=prefix).exclude(classes__school_year=year).count()
    if empty_schools and role != Role.INSPECTOR:
        todo.append((_("%(n)s schools have no classes for this school year.") % {"n": empty_schools},
                     _url("org:school_list", region=prefix, missing="classes")))
    if role == Role.COMMITTEE_ADMIN:
        liaison_units = Membership.objects.filter(role=Role.LIAISON, user__is_active=True).values("unit_id")
        no_liaison = Unit.objects.filter(region__code__startswith=prefix).exclude(
            kind__in=[Unit.Kind.COMMITTEE, Unit.Kind.EDUCATION]).exclude(pk__in=liaison_units).count()
        if no_liaison:
            todo.append((_("%(n)s units have no liaison with a login.") % {"n": no_liaison},
                         _url("org:unit_list", region=prefix, missing="liaison")))
    return {
        "title": f"{Role(role).label} · {region.full_name}",
        "figures": figures,
        "todo": todo,
        "empty": _("Nothing needs your attention in %(region)s.") % {"region": region.name},
    }


def unit_section(unit: Unit) -> dict:
    officers = unit.officers.all()
    counts = officers.aggregate(active=Count("pk", filter=Q(status=Officer.Status.ACTIVE)),
                                inactive=Count("pk", filter=~Q(status=Officer.Status.ACTIVE)))
    todo = []
    handovers = coverage.current(Handover.objects.filter(ended_assignment__officer__unit=unit))
    open_count = handovers.count()
    if open_count:
        overdue = coverage.overdue_handovers(handovers).count()
        todo.append((_("%(n)s classes of your former officers need a replacement (%(o)s overdue).")
                     % {"n": open_count, "o": overdue}, _url("assignments:handover_list", state="open")))
    since = timezone.now() - datetime.timedelta(days=30)
    for a in Assignment.objects.filter(officer__unit=unit, status=Assignment.Status.REJECTED,
                                       decided_at__gte=since).select_related("officer", "school_class")[:5]:
        todo.append((_("Proposal of %(name)s for %(place)s was rejected: %(reason)s")
                     % {"name": a.officer.name, "place": a.place, "reason": a.rejection_reason},
                     reverse("assignments:assignment_detail", args=[a.pk])))
    untrained = (Assignment.objects.filter(officer__unit=unit, status=Assignment.Status.ACTIVE)
                 .training_overdue(Policy.for_region(unit.region_id)).values("officer_id").distinct().count())
    if untrained:
        todo.append((_("%(n)s of your officers in classes have not completed pre-service training.")
                     % {"n": untrained}, reverse("assignments:training_list")))
    if not counts["active"]:
        todo.append((_("Your unit has no active officers on record yet: add them or import a roster."),
                     reverse("org:officer_create")))
    return {
        "title": f"{_('Unit liaison')} · {unit.name}",
        "figures": [(_("Active officers"), counts["active"], _url("org:officer_list", unit=unit.pk, status="active"))],
        "todo": todo,
        "empty": _("All officers of your unit are active. Replacements after transfers will appear here."),
    }


def officer_section(officer: Officer) -> dict:
    mine = Assignment.objects.filter(officer=officer, status__in=Assignment.HOLDING).select_related(
        "school", "school_class")
    todo = [(f"{a.school.name} {a.school_class.name if a.school_class else ''} · {a.get_role_display()}",
             reverse("org:class_detail", args=[a.school_class_id]) if a.school_class_id
             else reverse("org:school_detail", args=[a.school_id])) for a in mine]
    if mine:
        todo.insert(0, (_("Record an activity"), reverse("activities:record")))
    todo.append((_("My record"), reverse("org:officer_detail", args=[officer.pk])))
    return {
        "title": f"{_('Officer')} · {officer.unit.name} {officer.name}",
        "figures": [],
        "todo": todo,
        "empty": "",
        "note": "" if mine else _("Your classes will appear here once the committee confirms your assignment."),
    }


def school_section(school: School) -> dict:
    year = current_school_year()
    classes = school.classes.filter(school_year=year)
    agg = classes.aggregate(n=Count("pk"), students=Sum("student_count"))
    todo = []
    missing = classes.filter(homeroom_teacher="").count()
    if missing:
        todo.append((_("%(n)s classes have no homeroom teacher on record.") % {"n": missing},
                     _url("org:class_list", school=school.pk, missing="teacher")))
    if not agg["n"]:
        todo.append((_("No classes for this school year yet: add them or import a roster."),
                     reverse("org:school_detail", args=[school.pk])))
    totals = coverage.summary(classes)
    if totals["uncovered"]:
        todo.append((_("%(n)s classes have no rule-of-law homeroom teacher.") % {"n": totals["uncovered"]},
                     _url("assignments:coverage", school=school.pk, show="uncovered")))
    if coverage.schools_without_vice_principal(School.objects.filter(pk=school.pk)).exists():
        todo.append((_("Your school has no rule-of-law vice principal yet."),
                     reverse("org:school_detail", args=[school.pk])))
    return {
        "title": f"{_('School administrator')} · {school.name}",
        "figures": [
            (_("Coverage"), f"{totals['coverage_percent']}%", _url("assignments:coverage", school=school.pk)),
            (_("Classes this school year"), agg["n"], _url("org:class_list", school=school.pk)),
            (_("Students"), agg["students"] or 0, _url("org:class_list", school=school.pk)),
        ],
        "todo": todo,
        "empty": _("Your school's records are complete."),
    }


def class_section(klass: SchoolClass) -> dict:
    return {
        "title": f"{_('Homeroom teacher')} · {klass}",
        "figures": [(_("Students"), klass.student_count, reverse("org:class_detail", args=[klass.pk]))],
        "todo": [(_("Class record"), reverse("org:class_detail", args=[klass.pk]))],
        "empty": "",
        "note": _("Your class's rule-of-law homeroom teacher will appear here once assigned."),
    }


def cases_section(user) -> dict | None:
    """For whoever handles tips: open, overdue and urgent cases they can see, overdue and urgent ones listed."""
    from fazhi.accounts.permissions import can_handle_tips
    from fazhi.tips.models import OPEN, Case, Status, overdue_q

    if not can_handle_tips(scope_for(user)):
        return None
    cases = Case.objects.visible_to(user).filter(status__in=OPEN)  # every figure below is about open cases
    now = timezone.now()
    counts = cases.aggregate(open=Count("pk", filter=Q(status__in=OPEN)),
                             urgent=Count("pk", filter=Q(urgent=True, status=Status.RECEIVED)),
                             overdue=Count("pk", filter=overdue_q(now)))
    pressing = list(cases.filter(overdue_q(now) | Q(urgent=True, status=Status.RECEIVED))
                    .select_related("tip__school", "tip__school_class").order_by("acknowledge_due")[:10])
    overdue = counts["overdue"]
    todo = []
    for case in pressing:
        reason = case.overdue_reason(now) or _("urgent, not yet acknowledged")
        todo.append((f"{case.tip.number} · {case.tip.place_label} · {case.tip.get_category_display()} · {reason}",
                     reverse("tips:case", args=[case.pk])))
    if overdue > len(todo):
        todo.append((_("All %(n)s overdue cases") % {"n": overdue}, _url("tips:list", state="overdue")))
    return {
        "title": _("Tips and cases"),
        "figures": [(_("Open cases"), counts["open"], _url("tips:list", state="open")),
                    (_("Overdue"), overdue, _url("tips:list", state="overdue")),
                    (_("Urgent, not yet acknowledged"), counts["urgent"], _url("tips:list", state="urgent"))],
        "todo": todo,
        "empty": _("No case is overdue."),
    }


def home_sections(user) -> list[dict]:
    from fazhi.alerts.home import home_section as alerts_section

    pressing = [s for s in (alerts_section(user), cases_section(user)) if s]
    return pressing + role_sections(user)


def role_sections(user) -> list[dict]:
    scope = scope_for(user)
    if scope.superuser:
        return [region_section(user, r, Role.COMMITTEE_ADMIN) for r in Region.objects.filter(parent__isnull=True)]
    sections = []
    memberships = Membership.objects.filter(user=user).select_related(
        "region__parent__parent", "unit", "officer__unit", "school", "school_class__school"
    )
    for m in memberships:
        if m.role in (Role.COMMITTEE_ADMIN, Role.EDUCATION_STAFF, Role.INSPECTOR):
            sections.append(region_section(user, m.region, m.role))
        elif m.role == Role.LIAISON:
            sections.append(unit_section(m.unit))
        elif m.role == Role.OFFICER:
            sections.append(officer_section(m.officer))
        elif m.role == Role.SCHOOL_ADMIN:
            sections.append(school_section(m.school))
        elif m.role == Role.TEACHER:
            sections.append(class_section(m.school_class))
    return sections
