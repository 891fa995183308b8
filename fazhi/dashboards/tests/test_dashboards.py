"""The dashboards show the same numbers as `stats --json`, only the scope's own records, trends by month,
drill-down links with the same filters, exports that match their tables, and nothing to outsiders."""

import datetime
import io
import uuid

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from fazhi.activities.models import Activity, Kind
from fazhi.activities.stats import figures
from fazhi.assignments.models import Assignment, Pairing
from fazhi.dashboards import data
from fazhi.surveys.models import Questionnaire
from fazhi.surveys.services import open_survey, submit_response
from fazhi.tips.services import submit_tip

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = timezone.localdate()
START, END = TODAY.replace(day=1) - datetime.timedelta(days=40), TODAY + datetime.timedelta(days=5)
PERIOD = {"period": "custom", "from": START.isoformat(), "to": END.isoformat()}
FIGURE_KEYS_SKIPPED = {"region"}  # the scope itself, not a figure


def act(world, kind, date, school=None, officer=None, **counts):
    return Activity.objects.create(kind=kind, date=date, school=school or world.school, officer=officer, **counts)


def tip(klass, category="physical"):
    return submit_tip(school_class=klass, channel="qr", category=category, description="有人在厕所打人，已经好几次了。",
                      idempotency_key=str(uuid.uuid4())).tip


@pytest.fixture
def records(world):
    year = world.klass.school_year
    court = Pairing.objects.create(unit=world.court, school=world.school, school_year=year)
    Pairing.objects.create(unit=world.police, school=world.school2, school_year=year)
    Pairing.objects.create(unit=world.other_court, school=world.other_school, school_year=year)
    Assignment.objects.create(officer=world.officer, school=world.school, school_class=world.klass, school_year=year,
                              pairing=court, status="active", load_slot=1, starts_on=START)
    Assignment.objects.create(officer=world.other_officer, school=world.other_school,
                              school_class=world.other_class, school_year=year, exception_reason="测试",
                              status="active", starts_on=START)
    last_month = TODAY.replace(day=1) - datetime.timedelta(days=1)
    act(world, Kind.CLASS_MEETING, TODAY, officer=world.officer, students=45, pledges=45)
    act(world, Kind.LECTURE, last_month, officer=world.officer, students=300, handbooks=300)
    act(world, Kind.HOME_VISIT, TODAY, school=world.school2, officer=world.officer2, parents=2)
    act(world, Kind.MENTAL_HEALTH, TODAY, school=world.school2, students=40)
    act(world, Kind.CLASS_MEETING, START - datetime.timedelta(days=3), officer=world.officer)  # before the period
    act(world, Kind.CLASS_MEETING, TODAY, school=world.other_school, officer=world.other_officer, pledges=50)
    act(world, Kind.LECTURE, last_month, school=world.other_school, officer=world.other_officer)
    tip(world.klass)
    tip(world.klass, "dignity")
    tip(world.klass3, "online")
    tip(world.other_class)
    survey = open_survey(by=world.committee_admin, questionnaire=Questionnaire.objects.get(builtin="bullying_primary"),
                         title="问卷", opens_on=TODAY, closes_on=TODAY + datetime.timedelta(days=7),
                         classes=[world.klass, world.klass3, world.other_class], region=world.jiuquan)
    for entry in survey.classes.all():
        for _ in range(2 if entry.school_class_id == world.klass.pk else 1):
            submit_response(survey_class=entry, answers=[], idempotency_key=str(uuid.uuid4()))
    return world


def page(client, user, url, **params):
    client.force_login(user)
    return client.get(url, {**PERIOD, **params})


def same_figures(a: dict, b: dict) -> None:
    keys = set(b) - FIGURE_KEYS_SKIPPED
    assert {k: a[k] for k in keys} == {k: b[k] for k in keys}


# ---- the same numbers as stats --json ----------------------------------------------------------------

def test_region_dashboard_headline_is_figures_key_by_key(client, records):
    response = page(client, records.committee_admin, "/dashboard/")
    assert response.status_code == 200
    expected = figures(region="620982", start=START, end=END)
    same_figures(response.context["data"], expected)
    assert response.context["data"]["region"] == "620982"
    assert expected["activities_total"] == 4 and expected["tips_total"] == 3 and expected["survey_responses"] == 3
    html = response.content.decode()
    assert "敦煌市" in html and 'data-chart="chart-trend-data"' in html


def test_a_school_and_a_unit_of_a_one_school_region_give_its_figures(records):
    """Guards the MIRRORED formulas in data.py: 肃州区 has one school and one unit (paired with it)."""
    expected = figures(region="620902", start=START, end=END)
    assert expected["activities_total"] == 2 and expected["tips_total"] == 1
    same_figures(data.headline(data.Selection(school_id=records.other_school.pk), START, END), expected)
    same_figures(data.headline(data.Selection(unit_id=records.other_court.pk), START, END), expected)
    same_figures(data.headline(data.Selection(region="620902"), START, END), expected)


def test_unit_and_school_dashboards_count_only_their_own(client, records):
    unit = page(client, records.liaison, f"/dashboard/unit/{records.court.pk}/").context["data"]
    assert unit["activities_total"] == 2 and unit["lectures"] == 1 and unit["class_meetings"] == 1
    assert unit["tips_total"] == 2 and unit["tips_by_kind"]["dignity"] == 1  # tips at its paired school
    assert unit["officers_in_classes"] == 1 and unit["survey_responses"] == 2
    school = page(client, records.school_admin, f"/dashboard/school/{records.school.pk}/").context["data"]
    assert school["activities_total"] == 2 and school["tips_total"] == 2 and school["survey_classes"] == 1
    school2 = data.headline(data.Selection(school_id=records.school2.pk), START, END)
    assert school2["activities_total"] == 2 and school2["tips_total"] == 1 and school2["tips_by_kind"]["online"] == 1
    assert school2["officers_in_classes"] == 0


def test_monthly_buckets(records):
    m = data.monthly(data.Selection(region="620982"), START, END)
    this, last = TODAY.strftime("%Y-%m"), (TODAY.replace(day=1) - datetime.timedelta(days=1)).strftime("%Y-%m")
    assert this in m["months"] and last in m["months"] and m["months"] == sorted(m["months"])
    i, j = m["months"].index(this), m["months"].index(last)
    assert m["activities"][i] == 3 and m["activities"][j] == 1
    assert m["activities_by_kind"][Kind.LECTURE][j] == 1 and m["activities_by_kind"][Kind.CLASS_MEETING][i] == 1
    assert m["tips"][i] == 3 and m["responses"][i] == 3 and sum(m["tips"]) == 3
    assert sum(m["activities"]) == figures(region="620982", start=START, end=END)["activities_total"]


def test_breakdowns_and_ranking(records):
    sel = data.Selection(region="620982")
    schools = {r["name"]: r for r in data.by_school(sel, START, END)}
    assert set(schools) == {"敦煌市第二中学", "敦煌市东街小学"}
    s = schools["敦煌市第二中学"]
    assert (s["activities"], s["classes"], s["covered"], s["coverage_percent"], s["tips"]) == (2, 2, 1, 50.0, 2)
    units = {r["name"]: r for r in data.by_unit(sel, START, END)}
    assert "酒泉市肃州区人民法院" not in units
    court = units["敦煌市人民法院"]
    assert (court["officers_in_classes"], court["activities"], court["schools"], court["tips"]) == (1, 2, 1, 2)
    ranking = data.unit_ranking(list(units.values()))
    assert ranking[0]["name"] == "敦煌市人民法院" and ranking[0]["rank"] == 1
    assert all(r["rank"] is None for r in ranking[1:])


# ---- links, exports ----------------------------------------------------------------------------------

def test_drill_down_links_carry_the_filters(client, records):
    html = page(client, records.committee_admin, "/dashboard/").content.decode()
    period = f"from={START.isoformat()}&amp;to={END.isoformat()}"
    assert f"/activities/?region=620982&amp;{period}&amp;kind=class_meeting" in html
    assert f"/cases/?region=620982&amp;{period}&amp;state=overdue" in html
    assert "/coverage/?region=620982" in html and "/surveys/" in html
    html = page(client, records.school_admin, f"/dashboard/school/{records.school.pk}/").content.decode()
    assert f"/activities/?school={records.school.pk}&amp;{period}&amp;kind=lecture" in html
    assert f"/registers/items/?school={records.school.pk}&amp;{period}" in html


def test_inspectors_read_but_get_no_links_into_cases(client, records):
    response = page(client, records.inspector, "/dashboard/")
    assert response.status_code == 200
    same_figures(response.context["data"], figures(region="620982", start=START, end=END))
    assert "/cases/" not in response.content.decode()


@pytest.mark.parametrize("chart", ["trend", "kinds", "tips", "status", "units", "ranking", "schools"])
def test_excel_export_matches_the_table(client, records, chart):
    response = page(client, records.committee_admin, "/dashboard/", region="620982")
    table = next(c for c in response.context["charts"] if c["id"] == chart)
    export = client.get("/dashboard/", {**PERIOD, "region": "620982", "export": chart})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = [list(r) for r in load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True)]
    assert rows[0] == table["headers"]
    assert rows[1:] == [[str(v) if isinstance(v, str) else v for v in r] for r in table["rows"]]
    html = response.content.decode()
    assert f"export={chart}" in html and f'id="chart-{chart}-data"' in html


# ---- who sees what -----------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["outsider", "liaison", "officer", "teacher", "school_admin"])
def test_region_dashboard_is_for_regional_readers_of_the_region(client, records, who):
    client.force_login(records.personas[who])
    assert client.get("/dashboard/", {"region": "620982"}).status_code == 404


def test_outsiders_get_404_for_units_and_schools(client, records):
    client.force_login(records.outsider)
    assert client.get(f"/dashboard/unit/{records.court.pk}/").status_code == 404
    assert client.get(f"/dashboard/school/{records.school.pk}/").status_code == 404
    assert client.get(f"/dashboard/school/{records.other_school.pk}/").status_code == 200
    client.force_login(records.liaison)
    assert client.get(f"/dashboard/unit/{records.police.pk}/").status_code == 404
    assert client.get(f"/dashboard/school/{records.school.pk}/").status_code == 404
    client.force_login(records.school_admin)
    assert client.get(f"/dashboard/school/{records.school2.pk}/").status_code == 404
    assert client.get(f"/dashboard/unit/{records.court.pk}/").status_code == 404
    client.force_login(records.officer_user)
    assert client.get(f"/dashboard/unit/{records.court.pk}/").status_code == 404
    client.force_login(records.education_staff)
    assert client.get(f"/dashboard/unit/{records.court.pk}/").status_code == 200
    assert client.get(f"/dashboard/school/{records.school2.pk}/").status_code == 200
    assert client.get("/dashboard/", {"region": "620902"}).status_code == 404


@pytest.mark.parametrize("value", ["²", "99999999999", "\x00", "<script>", "2026-02-30", "-1", "", "62"])
@pytest.mark.parametrize("param", ["region", "period", "from", "to", "export"])
def test_odd_parameters_never_fail(client, records, param, value):
    client.force_login(records.committee_admin)
    for url in ("/dashboard/", f"/dashboard/unit/{records.court.pk}/", f"/dashboard/school/{records.school.pk}/"):
        response = client.get(url, {param: value})
        assert response.status_code in (200, 400, 404), (url, param, value)
        assert "<script>" not in response.content.decode().replace("<script src=", "").replace(
            '<script id="', "")


# ---- cost ----------------------------------------------------------------------------------------

def _count_queries(client, django_assert_max_num_queries, user, url, limit):
    client.force_login(user)
    client.get(url, PERIOD)  # warm the session and the translation catalogue
    with django_assert_max_num_queries(limit) as captured:
        assert client.get(url, PERIOD).status_code == 200
    return len(captured)


@pytest.mark.parametrize("scope", ["region", "unit", "school"])
def test_query_count_does_not_grow_with_the_records(client, world, django_assert_max_num_queries, scope):
    url = {"region": "/dashboard/", "unit": f"/dashboard/unit/{world.court.pk}/",
           "school": f"/dashboard/school/{world.school.pk}/"}[scope]
    Pairing.objects.create(unit=world.court, school=world.school, school_year=world.klass.school_year)
    act(world, Kind.LECTURE, TODAY, officer=world.officer)
    tip(world.klass)
    one = _count_queries(client, django_assert_max_num_queries, world.committee_admin, url, 60)
    for i in range(19):
        act(world, Kind.CLASS_MEETING, TODAY - datetime.timedelta(days=i), officer=world.officer)
        tip(world.klass3 if i % 2 else world.klass)
    twenty = _count_queries(client, django_assert_max_num_queries, world.committee_admin, url, 60)
    assert twenty == one


# ---- province and city: by area --------------------------------------------------------------------

def test_a_city_is_broken_down_by_county_with_the_sums_of_its_schools(records, world):
    areas = {r["id"]: r for r in data.by_area(data.Selection(region="6209"), START, END)}
    assert set(areas) == {"620982", "620902"}  # every county of the city, with or without records
    for code, area in areas.items():
        schools = data.by_school(data.Selection(region=code), START, END)
        for key in ("activities", "classes", "covered", "tips", "overdue", "findings"):
            assert area[key] == sum(s[key] for s in schools), (code, key)
        assert area["schools"] == len(schools)
    dunhuang = areas["620982"]
    assert dunhuang["name"] == "敦煌市" and dunhuang["activities"] == 4 and dunhuang["tips"] == 3


def test_the_city_dashboard_lists_counties_not_schools(client, records, world):
    client.force_login(world.committee_admin)
    world.committee_admin.memberships.update(region=world.jiuquan)  # a city's committee
    response = client.get("/dashboard/", {"region": "6209", **PERIOD})
    assert response.status_code == 200
    charts = {c["id"]: c for c in response.context["charts"]}
    assert "areas" in charts and "schools" not in charts
    row = next(r for r in charts["areas"]["table"] if r["cells"][0] == "敦煌市")
    assert "region=620982" in row["url"] and f"from={START.isoformat()}" in row["url"]
    export = client.get("/dashboard/", {"region": "6209", "export": "areas", **PERIOD})
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert [c.value for c in sheet[2]][0] in ("敦煌市", "肃州区")
    county = client.get("/dashboard/", {"region": "620982", **PERIOD})
    assert {c["id"] for c in county.context["charts"]} >= {"schools"}
    assert "areas" not in {c["id"] for c in county.context["charts"]}


def test_unit_breakdown_counts_a_finding_about_an_officer_for_the_unit(records, world):
    from fazhi.oversight.models import ChecklistTemplate, Finding, Inspection

    inspection = Inspection.objects.create(region=world.dunhuang, date=TODAY, title="联合检查", agencies=[],
                                           template=ChecklistTemplate.objects.first())
    Finding.objects.create(inspection=inspection, officer=world.officer, description="台账不全", requirement="补齐",
                           deadline=TODAY)
    Finding.objects.create(inspection=inspection, unit=world.court, description="未按时培训", requirement="培训",
                           deadline=TODAY)
    units = {r["name"]: r for r in data.by_unit(data.Selection(region="620982"), START, END)}
    assert units["敦煌市人民法院"]["findings"] == 2 and units["敦煌市公安局"]["findings"] == 0


def test_schools_registered_at_the_city_itself_have_a_row_of_their_own(records, world):
    from fazhi.org.models import School, SchoolClass

    city_school = School.objects.create(name="酒泉市直属实验学校", region=world.jiuquan, stage="junior")
    klass = SchoolClass.objects.create(school=city_school, school_year=world.klass.school_year, grade=7, number=1,
                                       name="七年级(1)班", student_count=40)
    tip(klass)
    areas = data.by_area(data.Selection(region="6209"), START, END)
    assert [a["id"] for a in areas] == ["620902", "620982", "6209"]
    direct = areas[-1]
    assert direct["schools"] == 1 and direct["tips"] == 1 and direct["classes"] == 1
    assert sum(a["tips"] for a in areas) == figures(region="6209", start=START, end=END)["tips_total"]


def test_long_figures_are_grouped_by_thousands_and_the_province_is_in_the_region_list(client, records, world):
    from fazhi.dashboards.views import Links, tiles

    head = data.headline(data.Selection(region="620982"), START, END)
    head["activities_total"] = 22408100
    from fazhi.accounts.scope import scope_for

    links = Links(scope_for(world.committee_admin), data.Selection(region="620982"), {"region": "620982"}, START, END)
    shown = {t["label"]: t for g in tiles(head, links) for t in g["tiles"]}
    activities = next(t for t in shown.values() if t["value"] == "22,408,100")
    assert activities["long"]
    client.force_login(world.committee_admin)
    world.committee_admin.memberships.update(region=world.gansu)
    regions = client.get("/dashboard/", {"region": "62", **PERIOD}).context["regions"]
    assert regions[0].code == "62"
