"""The headline figures come straight from the records: every figure checked exactly, for a region and a
period, through `stats --json` and the figures page."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from fazhi.activities.models import KIND_FIGURE, Activity, Kind, Mode
from fazhi.activities.stats import figures
from fazhi.assignments.models import Assignment, Pairing

pytestmark = pytest.mark.django_db
D = datetime.date


def act(world, kind, date, school=None, classes=(), **counts):
    a = Activity.objects.create(kind=kind, date=date, school=school or world.school, **counts)
    a.classes.set(classes)
    return a


@pytest.fixture
def records(world):
    year = 2026
    pairing = Pairing.objects.create(unit=world.court, school=world.school, school_year=year)
    Assignment.objects.create(officer=world.officer, school=world.school, school_class=world.klass,
                              school_year=year, pairing=pairing, status="active", load_slot=1,
                              starts_on=D(2026, 9, 1))
    Assignment.objects.create(officer=world.officer2, school=world.school, school_class=world.klass2,
                              school_year=year, exception_reason="测试", status="ended", starts_on=D(2026, 9, 1),
                              ended_on=D(2026, 9, 20), end_reason="transfer")
    act(world, Kind.CLASS_MEETING, D(2026, 9, 10), classes=[world.klass], students=45, pledges=45)
    act(world, Kind.CLASS_MEETING, D(2026, 10, 10), classes=[world.klass2], students=44, pledges=44)
    act(world, Kind.LEGAL_EDUCATION, D(2026, 10, 11), classes=[world.klass], students=45, handbooks=45,
        mode=Mode.ONLINE)
    act(world, Kind.LECTURE, D(2026, 11, 2), whole_school=True, students=300, teachers=20, handbooks=300,
        pledges=150)
    act(world, Kind.MENTAL_HEALTH, D(2026, 11, 3), school=world.school2, students=120, parents=30)
    act(world, Kind.HOME_VISIT, D(2026, 11, 4), classes=[world.klass], students=1, parents=2)
    # outside the county: never counted for 620982
    act(world, Kind.CLASS_MEETING, D(2026, 10, 1), school=world.other_school, classes=[world.other_class],
        students=50, pledges=50)
    return world


def test_every_figure_for_the_county_and_all_time(records):
    f = figures(region="620982")
    expected_kinds = {figure: 0 for figure in KIND_FIGURE.values()}
    expected_kinds |= {"class_meetings": 2, "legal_education_sessions": 1, "lectures": 1,
                       "mental_health_sessions": 1, "home_visits": 1}
    assert {k: f[k] for k in KIND_FIGURE.values()} == expected_kinds
    assert f["activities_total"] == 6
    assert f["online_activities"] == 1
    assert f["handbooks"] == 345
    assert f["pledges"] == 239
    assert f["students_reached"] == 555
    assert f["teachers_reached"] == 20
    assert f["parents_reached"] == 32
    assert f["schools_reached"] == 2
    assert f["officers_in_classes"] == 2  # one active, one who held a class until 20 September


def test_a_period_counts_only_what_happened_in_it(records):
    f = figures(region="620982", start=D(2026, 10, 1), end=D(2026, 10, 31))
    assert (f["activities_total"], f["class_meetings"], f["legal_education_sessions"]) == (2, 1, 1)
    assert f["pledges"] == 44 and f["handbooks"] == 45
    assert f["officers_in_classes"] == 1  # the transferred officer left in September
    assert figures(region="6209")["activities_total"] == 7
    assert figures(region="620902")["class_meetings"] == 1


def test_stats_command_prints_the_same_figures(records):
    out = StringIO()
    call_command("stats", "--json", "--region", "620982", "--from", "2026-10-01", "--to", "2026-10-31", stdout=out)
    data = json.loads(out.getvalue())
    assert data == json.loads(json.dumps(figures(region="620982", start=D(2026, 10, 1), end=D(2026, 10, 31))))
    assert data["from"] == "2026-10-01" and data["class_meetings"] == 1
    with pytest.raises(CommandError):
        call_command("stats", "--json", "--from", "2026-13-01", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("stats", "--json", "--region", "999999", stdout=StringIO())


def test_figures_page_shows_the_figures_and_is_scoped(client, records):
    client.force_login(records.committee_admin)
    response = client.get("/figures/", {"region": "620982", "period": "all"})
    assert response.status_code == 200
    assert response.context["data"]["activities_total"] == 6
    response = client.get("/figures/", {"region": "620982", "from": "2026-10-01", "to": "2026-10-31"})
    assert response.context["data"]["pledges"] == 44
    client.force_login(records.outsider)
    assert client.get("/figures/", {"region": "620982"}).status_code == 404
    client.force_login(records.teacher)
    assert client.get("/figures/").status_code == 404


def test_demo_city_reproduces_the_reported_scale(client):
    call_command("seed_demo", stdout=StringIO())
    f = figures(region="620982")
    assert f["officers_in_classes"] == 565
    assert f["legal_education_sessions"] >= 300 and f["mental_health_sessions"] == 25
    assert f["lectures"] == 20 and f["class_meetings"] == 409
    assert f["handbooks"] >= 20000 and f["pledges"] >= 20000
