"""The demo city's pairings and assignments: every class covered from the start, by the real services."""

import datetime
import random

from django.db import transaction

from fazhi.accounts.models import User
from fazhi.assignments import services
from fazhi.assignments.models import Assignment, NoticeboardPosting, Pairing, Training
from fazhi.org.demo import COURT, DEMO_REGION, JUSTICE, POLICE, PROCURATORATE, SEED
from fazhi.org.models import Officer, School, SchoolClass, Unit, current_school_year

# Dunhuang's centre and its towns (approximate), for distances between units and schools.
CENTRE = (40.1421, 94.6620)
TOWN_OFFSETS = {
    "沙州镇": (0.0, 0.0), "七里镇": (0.02, -0.07), "肃州镇": (0.06, 0.05), "莫高镇": (-0.04, 0.12),
    "转渠口镇": (0.12, 0.08), "阳关镇": (-0.05, -0.55), "月牙泉镇": (-0.06, 0.0), "郭家堡镇": (0.08, -0.04),
    "黄渠镇": (0.22, 0.1),
}


@transaction.atomic
def seed_assignments() -> dict[str, int]:
    """Pair every demo school with the public security bureau and one other unit, let the automatic proposal
    cover every class, confirm it as the committee would, name a vice principal per school and record each
    officer's pre-service training. Runs only once: a demo city that already has pairings is left alone."""
    year = current_school_year()
    schools = list(School.objects.filter(region_id=DEMO_REGION).order_by("pk"))
    if not schools or Pairing.objects.filter(school__region_id=DEMO_REGION, school_year=year).exists():
        return {"pairings": 0, "assignments": 0}
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    pairings, second_unit = pair_demo_schools(admin, schools, year)
    summary = services.propose_all(by=admin, region_code=DEMO_REGION, school_year=year)
    start = datetime.date(year, 9, 1)
    proposals = Assignment.objects.filter(school__region_id=DEMO_REGION, status=Assignment.Status.PROPOSED)
    confirmed, errors = services.confirm_many(by=admin, assignments=list(proposals.order_by("pk")), starts_on=start)
    if errors:
        raise RuntimeError(f"demo assignments could not be confirmed: {errors[:3]}")
    units = {u.name: u for u in Unit.objects.filter(region_id=DEMO_REGION)}
    for school in schools:
        # The vice principal: preferably the other unit's officer (a judge, prosecutor or justice official)
        # who already teaches a class there, else the police officer who does.
        teaching = Officer.objects.filter(status=Officer.Status.ACTIVE, assignments__school=school).order_by("pk")
        officer = (teaching.filter(unit=units[second_unit[school.pk]]).first() or teaching.first())
        if officer is not None:
            vp = services.propose(by=admin, officer=officer, school=school, role=Assignment.Role.VICE_PRINCIPAL,
                                  school_year=year, explanation="演示数据")
            services.confirm(by=admin, assignment=vp, starts_on=start)

    trained = Officer.objects.filter(assignments__status=Assignment.Status.ACTIVE).distinct()
    Training.objects.bulk_create([
        Training(officer=o, date=datetime.date(year, 8, 25), hours=8, topic="法治班主任岗前培训",
                 provider="敦煌市委政法委", recorded_by=admin)
        for o in trained
    ])
    # Most schools have confirmed their noticeboards are up; a few have not yet.
    from fazhi.assignments.noticeboard import boards_for

    classes = list(SchoolClass.objects.filter(school__region_id=DEMO_REGION, school_year=year).order_by("pk"))
    NoticeboardPosting.objects.bulk_create([
        NoticeboardPosting(school_class_id=b["class_id"], fingerprint=b["fingerprint"],
                           posted_on=datetime.date(year, 9, 10), confirmed_by=admin)
        for i, b in enumerate(boards_for(classes)) if i % 9
    ])
    return {"pairings": pairings, "assignments": confirmed, "unassigned": summary["unassigned"]}


def pair_demo_schools(admin, schools, year) -> tuple[int, dict]:
    """Coordinates for units and schools, and the pairings: every school with the public security bureau and
    one other unit, so that the plan can cover every class."""
    rng = random.Random(f"{SEED}:coordinates")  # noqa: S311
    units = {u.name: u for u in Unit.objects.filter(region_id=DEMO_REGION)}
    for unit in units.values():
        if unit.latitude is None:
            unit.latitude = round(CENTRE[0] + rng.uniform(-0.01, 0.01), 6)
            unit.longitude = round(CENTRE[1] + rng.uniform(-0.01, 0.01), 6)
            unit.save(update_fields=["latitude", "longitude"])
    for school in schools:
        if school.latitude is None:
            town = next((t for t in TOWN_OFFSETS if t in school.address or t in school.name), "沙州镇")
            dy, dx = TOWN_OFFSETS[town]
            school.latitude = round(CENTRE[0] + dy + rng.uniform(-0.01, 0.01), 6)
            school.longitude = round(CENTRE[1] + dx + rng.uniform(-0.01, 0.01), 6)
            school.save(update_fields=["latitude", "longitude"])

    # Each non-police unit takes on schools until it has at least as many classes as officers (largest
    # deficit first); the police are paired with every school, so that the plan can cover every class.
    officers = {name: Officer.objects.filter(unit=units[name], status=Officer.Status.ACTIVE).count()
                for name in (COURT, PROCURATORATE, JUSTICE)}
    sizes = {s.pk: s.classes.filter(school_year=year).count() for s in schools}
    deficit = dict(officers)
    second_unit = {}
    for school in sorted(schools, key=lambda s: -sizes[s.pk]):
        name = max(deficit, key=lambda n: (deficit[n], n))
        second_unit[school.pk] = name
        deficit[name] -= sizes[school.pk]
    pairings = 0
    for school in schools:
        for name in (POLICE, second_unit[school.pk]):
            Pairing.objects.create(unit=units[name], school=school, school_year=year, created_by=admin)
            pairings += 1

    return pairings, second_unit
