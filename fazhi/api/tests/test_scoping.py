"""Each persona's lists are exactly what `visible_to` gives them (as on the pages), and every object route of
the API answers 404 for an object of the other county — found by walking the API's routes, so that a new
route cannot be forgotten."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from fazhi.accounts import permissions as perms
from fazhi.accounts.models import User
from fazhi.accounts.scope import scope_for
from fazhi.activities.models import Activity
from fazhi.api.tests.conftest import bearer, detail_ids, issue_key
from fazhi.assignments.models import Assignment
from fazhi.org.models import Officer, School, SchoolClass
from fazhi.surveys.models import Survey
from fazhi.tips.models import Case

pytestmark = pytest.mark.django_db

LISTS = {
    "/api/v1/schools": (School, perms.can_see_schools),
    "/api/v1/classes": (SchoolClass, perms.can_see_schools),
    "/api/v1/officers": (Officer, perms.can_see_officers),
    "/api/v1/assignments": (Assignment, perms.can_see_assignments),
    "/api/v1/activities": (Activity, perms.can_see_activities),
    "/api/v1/cases": (Case, perms.can_see_cases),
    "/api/v1/surveys": (Survey, perms.can_see_surveys),
}


def api_routes():
    """(django route, name) of every operation route of the API (namespace "api")."""

    def walk(patterns, prefix="", namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
            elif isinstance(p, URLPattern) and namespace == "api":
                yield prefix + str(p.pattern), p.name

    return list(walk(get_resolver().url_patterns))


def detail_routes():
    return [route for route, _ in api_routes() if "<" in route]


def fill(route: str, values: dict) -> str:
    def sub(m):
        assert m.group(1) in values, f"no object for <{m.group(1)}> in {route}: add it to detail_ids()"
        return str(values[m.group(1)])

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", sub, route)


def test_every_list_route_is_checked_here():
    lists = {"/" + route for route, _ in api_routes() if "<" not in route and route.rstrip("/") != "api/v1"}
    assert lists - {"/api/v1/openapi.json", "/api/v1/figures"} == set(LISTS)


@pytest.mark.parametrize("persona", ["committee_admin", "education_staff", "inspector", "liaison", "officer",
                                     "school_admin", "teacher", "outsider", "superuser"])
def test_each_list_returns_exactly_what_the_pages_show(client, apiworld, persona):
    user = apiworld.superuser if persona == "superuser" else apiworld.personas[persona]
    headers = bearer(issue_key(user))
    fresh = User.objects.get(pk=user.pk)  # the scope as it stands now, with the assignments made
    scope = scope_for(fresh)
    seen_any = False
    for url, (model, allowed) in LISTS.items():
        response = client.get(url, {"limit": 100}, **headers)
        if not allowed(scope):
            assert response.status_code == 403, (persona, url)
            continue
        assert response.status_code == 200, (persona, url, response.content)
        body = response.json()
        expected = set(model.objects.visible_to(fresh).values_list("pk", flat=True))
        assert {item["id"] for item in body["items"]} == expected, (persona, url)
        assert body["count"] == len(expected) and body["more"] is False
        seen_any = seen_any or bool(expected)
    assert seen_any, persona


def test_the_committee_sees_its_county_and_nothing_of_the_next(client, apiworld):
    headers = bearer(issue_key(apiworld.committee_admin))
    there = detail_ids(apiworld.there)
    for url, key in (("/api/v1/schools", "school_id"), ("/api/v1/classes", "class_id"),
                     ("/api/v1/officers", "officer_id"), ("/api/v1/assignments", "assignment_id"),
                     ("/api/v1/activities", "activity_id"), ("/api/v1/cases", "case_id"),
                     ("/api/v1/surveys", "survey_id")):
        ids = {item["id"] for item in client.get(url, **headers).json()["items"]}
        assert ids and there[key] not in ids, url
    # Filters cannot reach outside the scope either.
    body = client.get("/api/v1/schools", {"region": "620902"}, **headers).json()
    assert body["items"] == [] and body["count"] == 0


@pytest.mark.parametrize("caller, owner", [("outsider", "here"), ("committee_admin", "there")])
def test_every_object_route_answers_404_for_the_other_county(client, apiworld, caller, owner):
    headers = bearer(issue_key(apiworld.personas[caller]))
    routes = detail_routes()
    assert len(routes) >= 8
    for route in routes:
        url = fill(route, detail_ids(getattr(apiworld, owner)))
        response = client.get(url, **headers)
        assert response.status_code == 404, (caller, url, response.status_code)
        assert response.json() == {"detail": "Not Found"}


def test_the_same_routes_answer_their_own_county(client, apiworld):
    """The 404s above are about scope: the committee of Dunhuang opens every route with Dunhuang's ids."""
    headers = bearer(issue_key(apiworld.committee_admin))
    for route in detail_routes():
        url = fill(route, detail_ids(apiworld.here))
        assert client.get(url, **headers).status_code == 200, url


def test_an_officer_opens_their_own_activity_but_not_a_colleagues_record(client, apiworld):
    headers = bearer(issue_key(apiworld.officer_user))
    assert client.get(f"/api/v1/activities/{apiworld.here.activity.pk}", **headers).status_code == 200
    assert client.get(f"/api/v1/officers/{apiworld.officer2.pk}", **headers).status_code == 404
    case = client.get(f"/api/v1/cases/{apiworld.here.case.pk}", **headers)
    assert case.status_code == 200
    assert case.json()["description"] == "纸条：有人被打" and case.json()["people"] == "两名学生"


def test_inspectors_do_not_read_the_tip_line(client, apiworld):
    headers = bearer(issue_key(apiworld.inspector))
    assert client.get("/api/v1/cases", **headers).status_code == 403
    assert client.get(f"/api/v1/cases/{apiworld.here.case.pk}", **headers).status_code == 404


def test_figures_for_the_callers_region_only(client, apiworld):
    from fazhi.activities.stats import figures

    headers = bearer(issue_key(apiworld.committee_admin))
    body = client.get("/api/v1/figures", {"period": "all"}, **headers).json()
    expected = figures(region="620982")
    assert body["region"] == "620982" and body["region_name"] == "敦煌市"
    assert body["activities_total"] == expected["activities_total"] == 1
    assert body["tips_total"] == expected["tips_total"] >= 1
    assert {k: v for k, v in body.items() if k != "region_name"} == expected
    assert body["surveys_held"] == 1 and body["survey_responses"] == 6
    assert client.get("/api/v1/figures", {"region": "620902"}, **headers).status_code == 404
    assert client.get("/api/v1/figures", {"region": "6209"}, **headers).status_code == 404
    assert client.get("/api/v1/figures", **bearer(issue_key(apiworld.liaison))).status_code == 403


def test_survey_results_keep_the_pages_suppression(client, apiworld):
    """6 answers with a minimum group of 5: the class and the whole survey are shown; the Suzhou survey with 3
    answers is hidden to its own committee; a teacher-level reader gets no more than the page."""
    headers = bearer(issue_key(apiworld.committee_admin))
    survey = apiworld.here.survey
    body = client.get(f"/api/v1/surveys/{survey.pk}/results", **headers).json()
    assert body["total"]["respondents"] == 6 and body["total"]["hidden"] is False
    bullied = next(q for q in body["questions"] if q["answered"])
    assert bullied["answered"] == 6 and sum(o["count"] for o in bullied["options"]) == 6
    one_class = client.get(f"/api/v1/surveys/{survey.pk}/results", {"class": apiworld.klass.pk}, **headers).json()
    assert one_class["selected"]["id"] == apiworld.klass.pk and one_class["texts"] is None

    small = apiworld.there.survey
    outsider = bearer(issue_key(apiworld.outsider))
    body = client.get(f"/api/v1/surveys/{small.pk}/results", **outsider).json()
    assert body["total"]["respondents"] == 3 and body["total"]["hidden"] is True
    assert body["questions"] == []
    assert client.get(f"/api/v1/surveys/{small.pk}/results", {"class": apiworld.klass.pk},
                      **outsider).status_code == 404


def test_list_queries_stay_flat_as_records_grow(client, apiworld):
    """A page of activities (with classes and evidence) or cases costs the same for 1 record or 12."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fazhi.tips import services as tip_services

    headers = bearer(issue_key(apiworld.committee_admin))

    def queries(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, **headers).status_code == 200
        return len(ctx.captured_queries)

    queries("/api/v1/schools")  # the token's first use notes its time: one write, not counted below
    few = {url: queries(url) for url in LISTS}
    for i in range(11):
        activity = Activity.objects.create(kind="lecture", date=apiworld.here.activity.date, school=apiworld.school,
                                           officer=apiworld.officer, students=10)
        activity.classes.set([apiworld.klass, apiworld.klass2])
        tip_services.register_clue(by=apiworld.committee_admin, school=apiworld.school2, channel="box",
                                   category="dignity", description=f"第{i}张纸条")
    for url, n in few.items():
        assert queries(url) == n, url


def test_survey_results_apply_the_school_and_class_parameters(client, apiworld):
    headers = bearer(issue_key(apiworld.committee_admin))
    survey = apiworld.here.survey
    url = f"/api/v1/surveys/{survey.pk}/results"
    whole = client.get(url, **headers).json()
    assert whole["selected"]["level"] == "survey" and [g["level"] for g in whole["groups"]] == ["school"]
    school = client.get(url, {"school": apiworld.school.pk}, **headers).json()
    assert school["selected"]["level"] == "school" and school["selected"]["id"] == apiworld.school.pk
    assert school["total"] is None
    assert [(g["level"], g["id"]) for g in school["groups"]] == [("class", apiworld.klass.pk)]
    one_class = client.get(url, {"class": apiworld.klass.pk, "school": apiworld.school.pk}, **headers).json()
    assert one_class["selected"]["level"] == "class" and one_class["selected"]["id"] == apiworld.klass.pk
    # Empty values are "not given", as on the page; a school of the other county is a 404.
    assert client.get(url, {"school": "", "class": ""}, **headers).json() == whole
    assert client.get(url, {"school": apiworld.other_school.pk}, **headers).status_code == 404


def test_figures_apply_the_period_parameters(client, apiworld):
    from fazhi.activities.stats import period_dates
    from fazhi.org.models import current_school_year

    headers = bearer(issue_key(apiworld.committee_admin))
    year = current_school_year()
    body = client.get("/api/v1/figures", {"period": "year"}, **headers).json()
    assert (body["from"], body["to"]) == (f"{year}-09-01", f"{year + 1}-08-31")
    body = client.get("/api/v1/figures", {"from": "2020-01-01", "to": "2020-12-31"}, **headers).json()
    assert (body["from"], body["to"]) == ("2020-01-01", "2020-12-31") and body["activities_total"] == 0
    semester = period_dates(None)
    assert semester[2] == "semester"
    body = client.get("/api/v1/figures", {"period": "", "from": "", "to": "", "region": ""}, **headers).json()
    assert (body["from"], body["to"]) == (semester[0].isoformat(), semester[1].isoformat())
    assert body["region"] == "620982"


def test_empty_filters_are_not_given_as_on_the_pages(client, apiworld):
    headers = bearer(issue_key(apiworld.committee_admin))
    for url, empty in [("/api/v1/classes", {"school": "", "school_year": "", "region": "", "q": ""}),
                       ("/api/v1/assignments", {"school": "", "officer": "", "school_year": "", "status": ""}),
                       ("/api/v1/activities", {"school": "", "officer": "", "from": "", "to": "", "kind": ""}),
                       ("/api/v1/officers", {"unit": "", "status": ""}),
                       ("/api/v1/cases", {"school": "", "state": "", "category": ""})]:
        response = client.get(url, empty, **headers)
        assert response.status_code == 200, (url, response.content)
        assert response.json() == client.get(url, **headers).json(), url
    assert client.get("/api/v1/classes", {"school": "x"}, **headers).status_code == 422


def test_offset_is_capped_like_the_pages_count(client, apiworld):
    from fazhi.lib.pagination import COUNT_CAP

    headers = bearer(issue_key(apiworld.committee_admin))
    response = client.get("/api/v1/schools", {"offset": COUNT_CAP}, **headers)
    assert response.status_code == 200 and response.json()["items"] == []
    response = client.get("/api/v1/schools", {"offset": COUNT_CAP + 1}, **headers)
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["query", "offset"]


def test_case_filters_are_the_case_lists(client, apiworld):
    """`state` and `q` mean what they mean on the case list page (one implementation: Case.objects)."""
    user = apiworld.committee_admin
    headers = bearer(issue_key(user))
    case = apiworld.here.case
    Case.objects.filter(pk=case.pk).update(urgent=True)
    mine = Case.objects.visible_to(user)
    for state in ("urgent", "open", "overdue", "received"):
        got = {c["id"] for c in client.get("/api/v1/cases", {"state": state}, **headers).json()["items"]}
        assert got == set(mine.in_state(state).values_list("pk", flat=True)), state
    assert case.pk in set(mine.in_state("urgent").values_list("pk", flat=True))
    for q in (str(case.pk), f"T-2026-{case.pk}", "有人被打", "没有这回事"):
        got = {c["id"] for c in client.get("/api/v1/cases", {"q": q}, **headers).json()["items"]}
        assert got == set(mine.search(q).values_list("pk", flat=True)), q
    assert client.get("/api/v1/cases", {"q": "有人被打"}, **headers).json()["count"] >= 1
