"""The checks behind the alerts. Each check looks at the data as it is now and yields one `Found` per
condition that holds: (key, kind, label, url, region, recipients), plus what it is about. `run_alerts`
opens an alert for each new key and resolves the open alerts whose key is no longer found.

Recipients are user ids, taken from a `Directory` loaded once per run (one query for every membership that
can receive an alert), so a check costs a fixed number of queries however many conditions it finds — except
`tip_overdue`, which asks `fazhi.tips.services.contacts` per overdue case without an owner.
"""

import datetime
from collections import defaultdict
from typing import NamedTuple

from django.conf import settings
from django.db.models import Exists, F, Max, Min, OuterRef, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from fazhi.accounts.models import Membership, Role
from fazhi.activities.models import Activity
from fazhi.activities.progress import Period, Progress
from fazhi.alerts.models import Alert
from fazhi.assignments import coverage
from fazhi.assignments.models import Assignment, Policy
from fazhi.org.models import Officer, SchoolClass, current_school_year, region_chain
from fazhi.oversight.models import Finding

K = Alert.Kind


class Found(NamedTuple):
    key: str
    kind: str
    label: str
    url: str
    region: str
    recipients: frozenset
    subject_type: str = ""
    subject_id: int | None = None


class Directory:
    """Who holds which role where (active users only), loaded in one query."""

    def __init__(self):
        self.committee = defaultdict(set)  # region code → user ids
        self.liaisons = defaultdict(set)  # unit id → user ids
        self.officers = defaultdict(set)  # officer id → user ids
        self.school_admins = defaultdict(set)  # school id → user ids
        rows = Membership.objects.filter(
            user__is_active=True,
            role__in=(Role.COMMITTEE_ADMIN, Role.LIAISON, Role.OFFICER, Role.SCHOOL_ADMIN),
        ).values_list("role", "user_id", "region_id", "unit_id", "officer_id", "school_id")
        for role, user_id, region_id, unit_id, officer_id, school_id in rows:
            if role == Role.COMMITTEE_ADMIN:
                self.committee[region_id].add(user_id)
            elif role == Role.LIAISON:
                self.liaisons[unit_id].add(user_id)
            elif role == Role.OFFICER:
                self.officers[officer_id].add(user_id)
            else:
                self.school_admins[school_id].add(user_id)

    def committee_of(self, code: str) -> set:
        """Committee admins of the region and of the regions above it."""
        users = set()
        for c in region_chain(code):
            users |= self.committee.get(c, set())
        return users


def _reverse(name, *args, fallback="/"):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return fallback


def _day(value: datetime.datetime) -> datetime.date:
    return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()


# ---- classes uncovered past the region's limit ---------------------------------------------------

def uncovered_classes(now, directory: Directory):
    """Classes of this school year without an active rule-of-law homeroom teacher for longer than the region's
    `Policy.uncovered_limit_days`: since the open handover if there is one, else since the class was created."""
    today = timezone.localdate(now)
    classes = coverage.with_details(SchoolClass.objects.filter(school_year__gte=current_school_year(today)))
    rows = list(classes.filter(covered=False).order_by("pk"))
    ended = {h.ended_assignment_id for k in rows for h in k.open_handovers}
    unit_of = dict(Assignment.objects.filter(pk__in=ended).values_list("pk", "officer__unit_id")) if ended else {}
    limits = {}
    for klass in rows:
        code = klass.school.region_id
        if code not in limits:
            limits[code] = Policy.for_region(code).uncovered_limit_days
        handover = klass.open_handovers[0] if klass.open_handovers else None
        since = handover.opened_on if handover else _day(klass.created_at)
        if (today - since).days <= limits[code]:
            continue
        users = directory.committee_of(code)
        if handover:
            users = users | directory.liaisons.get(unit_of.get(handover.ended_assignment_id), set())
        yield Found(
            key=f"uncovered:{klass.pk}:{handover.pk if handover else 0}", kind=K.UNCOVERED_CLASS,
            label=f"{klass.school.name} {klass.name}"[:200], url=_reverse("org:class_detail", klass.pk),
            region=code, recipients=frozenset(users), subject_type="schoolclass", subject_id=klass.pk)


# ---- officers without activity -------------------------------------------------------------------

def idle_days() -> int:
    return int(getattr(settings, "ALERT_IDLE_DAYS", 30))


def idle_officers(now, directory: Directory):
    """Officers holding an active assignment who have led no activity for `ALERT_IDLE_DAYS` days (counted from
    their last activity, or from the start of their assignment if that is later)."""
    today = timezone.localdate(now)
    days = idle_days()
    active = Assignment.objects.filter(officer_id=OuterRef("pk"), status=Assignment.Status.ACTIVE)
    last = (Activity.objects.filter(officer_id=OuterRef("pk"), date__lte=today).order_by()
            .values("officer_id").annotate(d=Max("date")).values("d"))
    started = active.order_by().values("officer_id").annotate(d=Min("starts_on")).values("d")
    officers = (Officer.objects.filter(Exists(active)).select_related("unit")
                .annotate(last_activity=Subquery(last), started=Subquery(started)).order_by("pk"))
    for officer in officers:
        since = max(d for d in (officer.last_activity, officer.started) if d) if (
            officer.last_activity or officer.started) else None
        if since is None or (today - since).days < days:
            continue
        users = directory.officers.get(officer.pk, set()) | directory.liaisons.get(officer.unit_id, set())
        yield Found(
            # One key per officer: a backdated activity that moves `since` is not a new alert (a later idle spell
            # reopens this one without a second notice).
            key=f"idle:{officer.pk}", kind=K.IDLE_OFFICER,
            label=f"{officer.unit.name} {officer.name}"[:200], url=_reverse("org:officer_detail", officer.pk),
            region=officer.unit.region_id, recipients=frozenset(users), subject_type="officer",
            subject_id=officer.pk)


# ---- tips past their deadlines -------------------------------------------------------------------

def overdue_tips(now, directory: Directory):
    """Cases not acknowledged in time, or not decided in time (`Case.objects.overdue`): to the handler who
    owns the case, else the class's officer and the school; and to the committee."""
    from fazhi.tips import services
    from fazhi.tips.models import Case, Status

    for case in Case.objects.overdue(now).select_related("tip__school").order_by("pk"):
        tip = case.tip
        if case.owner_id:
            users = {case.owner_id}
        else:
            found = services.contacts_at(tip, (services.OFFICER, services.SCHOOL))
            users = {u.pk for level_users in found.values() for u in level_users}
        users |= directory.committee_of(tip.school.region_id)
        if case.status == Status.RECEIVED:
            key = f"tip:{case.pk}:ack"
        else:
            key = f"tip:{case.pk}:decide:{case.investigation_due.isoformat()}"
        yield Found(key=key[:150], kind=K.TIP_OVERDUE, label=tip.number, url=services.case_url(case),
                    region=tip.school.region_id, recipients=frozenset(users), subject_type="case",
                    subject_id=case.pk)


# ---- rectifications overdue (fazhi.oversight) ----------------------------------------------------

def overdue_rectifications(now, directory: Directory):
    """Oversight findings past their deadline and not rectified: to whoever must rectify (the school's
    administrators, the unit's liaisons, the officer and their unit's liaisons) and the committee."""
    today = timezone.localdate(now)
    findings = (Finding.objects.filter(rectified_on__isnull=True, deadline__lt=today)
                .select_related("school", "unit", "officer__unit").order_by("pk"))
    for f in findings:
        school, unit, officer = f.school, f.unit, f.officer
        users = set()
        region = ""
        if school is not None:
            users |= directory.school_admins.get(school.pk, set())
            region = region or school.region_id
        if unit is not None:
            users |= directory.liaisons.get(unit.pk, set())
            region = region or unit.region_id
        if officer is not None:
            users |= directory.officers.get(officer.pk, set()) | directory.liaisons.get(officer.unit_id, set())
            region = region or officer.unit.region_id
        if region:
            users |= directory.committee_of(region)
        who = school.name if school is not None else unit.name if unit is not None else (
            officer.name if officer is not None else "")
        yield Found(
            key=f"rectification:{f.pk}:{f.deadline.isoformat()}", kind=K.RECTIFICATION_OVERDUE,
            label=f"#{f.pk} {who}"[:200], url=_reverse("oversight:finding_detail", f.pk, fallback="/oversight/"),
            region=region, recipients=frozenset(users), subject_type="finding", subject_id=f.pk)


# ---- quotas behind at mid-semester ---------------------------------------------------------------

def midpoint(period: Period) -> datetime.date:
    return period.start + datetime.timedelta(days=(period.days - 1) // 2)


def behind_quotas(now, directory: Directory):
    """From the middle of the current semester on: schools and classes that have done less than half their
    quota (progress as in `fazhi.activities.progress`). Schools to their administrators and the committee; classes
    to the school's administrators only (the committee would otherwise get one alert per class)."""
    period = Period.of(today=timezone.localdate(now))
    if period.today < midpoint(period):
        return
    progress = Progress(period)
    semester = f"{period.school_year}{period.semester}"
    url = reverse("quotas:progress")
    for school in _under_half(progress.schools()).order_by("pk"):
        users = directory.school_admins.get(school.pk, set()) | directory.committee_of(school.region_id)
        yield Found(
            key=f"quota:school:{school.pk}:{semester}", kind=K.QUOTA_BEHIND,
            label=f"{school.name} · {school.done}/{school.target}"[:200],
            url=f"{url}?tab=schools&school={school.pk}", region=school.region_id, recipients=frozenset(users),
            subject_type="school", subject_id=school.pk)
    for klass in _under_half(progress.classes()).select_related("school").order_by("pk"):
        code = klass.school.region_id
        users = directory.school_admins.get(klass.school_id, set())
        yield Found(
            key=f"quota:class:{klass.pk}:{semester}", kind=K.QUOTA_BEHIND,
            label=f"{klass.school.name} {klass.name} · {klass.done}/{klass.target}"[:200],
            url=f"{url}?tab=classes&school={klass.school_id}", region=code, recipients=frozenset(users),
            subject_type="schoolclass", subject_id=klass.pk)


def _under_half(rows):
    """Rows whose count is below half their target (done × 2 < target)."""
    return rows.annotate(done_twice=F("done") * 2).filter(target__gt=0, done_twice__lt=F("target"))


CHECKS = (uncovered_classes, idle_officers, overdue_tips, overdue_rectifications, behind_quotas)
