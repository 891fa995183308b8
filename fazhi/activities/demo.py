"""The demo city's education ledger since the start of the school year, at the scale the Dunhuang report gives
(300+ legal education sessions, 25 mental-health sessions, 20 lectures, 409 class meetings and themed
activities, 20,000+ handbooks and pledges)."""

import datetime
import random

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from fazhi.accounts.models import User
from fazhi.activities.models import Activity, Kind, Mode, Topic
from fazhi.assignments.models import Assignment
from fazhi.org.demo import DEMO_REGION, SEED
from fazhi.org.models import SchoolClass, current_school_year

# kind: how many, per class (True) or for the whole school (False)
PLAN = [
    (Kind.CLASS_MEETING, 409, True),
    (Kind.LEGAL_EDUCATION, 312, True),
    (Kind.CASE_TALK, 46, True),
    (Kind.GAME, 31, True),
    (Kind.MENTAL_HEALTH, 25, False),
    (Kind.LECTURE, 20, False),
    (Kind.TALK, 64, True),
    (Kind.HOME_VISIT, 118, True),
    (Kind.COUNSELLING, 17, True),
]
TITLES = {
    Kind.CLASS_MEETING: ["拒绝校园欺凌主题班会", "友善相处 从我做起", "对欺凌说不", "阳光校园 你我同行"],
    Kind.LEGAL_EDUCATION: ["《未成年人保护法》进课堂", "法治教育第一课", "防范校园欺凌法治课", "预防未成年人犯罪"],
    Kind.CASE_TALK: ["以案说法：校园欺凌的法律后果", "真实案例里的法律红线"],
    Kind.GAME: ["法治知识竞答", "模拟法庭体验"],
    Kind.MENTAL_HEALTH: ["心理健康讲座：走出欺凌阴影", "学会求助 守护心灵"],
    Kind.LECTURE: ["法治副校长专题讲座", "校园安全与法治专题讲座"],
    Kind.TALK: ["与班主任谈心谈话", "与任课教师谈心谈话"],
    Kind.HOME_VISIT: ["千名教师访万家", "家访：家校共育"],
    Kind.COUNSELLING: ["一对一心理疏导"],
}


@transaction.atomic
def seed_activities() -> dict[str, int]:
    """Runs once: a demo city that already has activities is left alone."""
    year = current_school_year()
    if Activity.objects.filter(school__region_id=DEMO_REGION).exists():
        return {"activities": 0}
    today = timezone.localdate()
    first = datetime.date(year, 9, 1)
    if today <= first:
        return {"activities": 0}
    rng = random.Random(f"{SEED}:activities")  # noqa: S311
    holding = list(Assignment.objects.filter(school__region_id=DEMO_REGION, role=Assignment.Role.HOMEROOM,
                                             status=Assignment.Status.ACTIVE)
                   .select_related("school_class", "officer").order_by("pk"))
    vps = {a.school_id: a.officer for a in Assignment.objects.filter(
        school__region_id=DEMO_REGION, role=Assignment.Role.VICE_PRINCIPAL, status=Assignment.Status.ACTIVE)
        .select_related("officer")}
    schools = sorted({a.school_class.school_id for a in holding})
    school_size = {}
    for klass in SchoolClass.objects.filter(school_id__in=schools, school_year=year):
        school_size[klass.school_id] = school_size.get(klass.school_id, 0) + klass.student_count
    recorder = User.objects.filter(username="committee").first()
    days = (today - first).days
    activities, links = [], []
    for kind, count, per_class in PLAN:
        for i in range(count):
            date = first + datetime.timedelta(days=rng.randrange(days + 1))
            if per_class:
                a = holding[(i * 7 + len(activities)) % len(holding)]
                klass, officer, school_id = a.school_class, a.officer, a.school_id
                students = {Kind.TALK: 0, Kind.HOME_VISIT: 1, Kind.COUNSELLING: 1}.get(kind, klass.student_count)
            else:
                klass, school_id = None, schools[i % len(schools)]
                officer = vps.get(school_id)
                students = school_size.get(school_id, 0)
            activity = Activity(
                kind=kind, date=date, school_id=school_id, officer=officer if kind != Kind.HOME_VISIT else None,
                whole_school=klass is None, title=rng.choice(TITLES[kind]),
                mode=Mode.ONLINE if kind == Kind.LEGAL_EDUCATION and i % 10 == 0 else Mode.OFFLINE,
                duration_minutes={Kind.LECTURE: 90, Kind.TALK: 30, Kind.HOME_VISIT: 60}.get(kind, 45),
                topics=rng.sample(list(Topic.values[:6]), 2),
                students=students, teachers=2 if klass else 40, parents={Kind.HOME_VISIT: 2}.get(kind, 0),
                handbooks=students if kind in (Kind.LEGAL_EDUCATION, Kind.LECTURE) else 0,
                pledges=students if kind == Kind.CLASS_MEETING else (150 if kind == Kind.LECTURE else 0),
                recorded_by=recorder,
                created_at=timezone.make_aware(datetime.datetime.combine(date, datetime.time(17, 30))),
            )
            activities.append(activity)
            links.append(klass)
    activities = bulk_create_with_history(activities, Activity, batch_size=500, default_user=recorder,
                                          default_change_reason="seed_demo")
    Through = Activity.classes.through
    Through.objects.bulk_create([Through(activity_id=a.pk, schoolclass_id=k.pk)
                                 for a, k in zip(activities, links, strict=True) if k is not None], batch_size=1000)
    return {"activities": len(activities)}
