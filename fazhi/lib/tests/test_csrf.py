"""CSRF on every form: a POST without a token is refused on every URL pattern, for a signed-in administrator and
a signed-in committee member, except an explicit list of endpoints that never read a session:

* the public JSON API for the WeChat mini-program (`api_public:*`, `api_surveys:*`);
* the token-authenticated staff API under /api/v1/ (a bearer token, never the session cookie);
* the anonymous public forms (tip line, survey answering). They are rendered without the request, so that no
  cookie is set on a reporter's phone; a signed, timestamped form key (or the reporter's own secret receipt)
  stands in for the CSRF token, and the tests below show that a post without it changes nothing.

And every `<form method="post">` on the staff pages carries the token.
"""

import re

import pytest
from django.http import HttpResponseForbidden
from django.test import Client

from fazhi.accounts.tests.test_url_access import all_routes, dunhuang_objects, fill

pytestmark = pytest.mark.django_db

JSON_API_NAMESPACES = {"api_public", "api_surveys"}
JSON_API_POSTS = {"api_public:submit_tip", "api_public:lookup_tip", "api_public:reply_tip", "api_surveys:respond"}
PUBLIC_FORMS = {"tipline:report", "tipline:followup", "tipline:reply", "survey_public:enter", "survey_public:take"}
CSRF_HEADER = "X-Test-Csrf-Failure"


def csrf_failure(request, reason=""):
    """Stands in for Django's CSRF failure view in these tests, so that a CSRF refusal is told apart from any
    other 403."""
    response = HttpResponseForbidden("csrf")
    response[CSRF_HEADER] = reason or "failed"
    return response


@pytest.fixture(autouse=True)
def _tell_csrf_failures_apart(settings):
    settings.CSRF_FAILURE_VIEW = "fazhi.lib.tests.test_csrf.csrf_failure"


def is_token_api(route: str) -> bool:
    return route.startswith("api/v1/") and not route.startswith("api/v1/public/")


def exempt_by_design(name: str, route: str) -> bool:
    return name.split(":")[0] in JSON_API_NAMESPACES or name in PUBLIC_FORMS or is_token_api(route)


class _Values(dict):
    def __missing__(self, key):
        return 1  # a parameter name no fixture knows (the staff API's ids): any id will do


def urls(world, targets=None):
    targets = targets if targets is not None else dunhuang_objects(world)
    base = {"pk": world.klass.pk, "kind": "officer", "token": world.klass.public_token, "code": "ABCD1234"}
    for name, route, _ in all_routes():
        prefix = next((p for p in targets if route.startswith(p)), None)
        yield name, route, fill(route, _Values({**base, **(targets[prefix] if prefix else {})}))


def test_a_post_without_token_is_refused_everywhere_but_the_sessionless_endpoints(world):
    targets = dunhuang_objects(world)
    for user in (world.superuser, world.committee_admin):
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        refused, exempt = set(), {}
        for name, route, url in urls(world, targets):
            response = client.post(url, {"note": "x"})
            if response.has_header(CSRF_HEADER):
                assert response.status_code == 403
                refused.add(name)
            else:
                exempt[name] = route
        wrongly_exempt = {n for n, route in exempt.items() if not exempt_by_design(n, route)}
        assert wrongly_exempt == set(), f"POST without a CSRF token accepted by {sorted(wrongly_exempt)}"
        # The public forms and the public JSON API must stay exempt: a CSRF cookie would be a cookie on a reporter's
        # phone, and the mini-program has no cookie jar.
        assert PUBLIC_FORMS <= exempt.keys()
        assert JSON_API_POSTS <= exempt.keys()
        assert {"accounts:login", "accounts:logout", "accounts:user_create", "org:school_edit", "tips:message",
                "confidential:student_edit", "circulars:publish", "set_language"} <= refused
        assert len(refused) > 120


def test_the_same_post_with_the_token_passes_the_check(world):
    """The refusals above are about the missing token: with the token from the page, the form is taken."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.committee_admin)
    page = client.get(f"/schools/{world.school.pk}/edit/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    without = client.post("/notices/read-all/", {})
    assert without.status_code == 403 and without.has_header(CSRF_HEADER)
    with_token = client.post("/notices/read-all/", {"csrfmiddlewaretoken": token})
    assert not with_token.has_header(CSRF_HEADER) and with_token.status_code in (200, 302)


def test_the_admin_site_and_login_refuse_a_post_without_token(world):
    client = Client(enforce_csrf_checks=True)
    for url in ("/login/", "/django-admin/login/"):
        response = client.post(url, {"username": "root", "password": "x"})
        assert response.status_code == 403 and response.has_header(CSRF_HEADER), url


def test_the_staff_api_is_not_authenticated_by_a_session_cookie(world):
    """Each endpoint of the staff API, with ids of real objects, answers a signed-in administrator's session
    with 401/403: only a bearer token opens it (so it needs no CSRF token)."""
    targets = dunhuang_objects(world)
    ids = {"school_id": world.school.pk, "class_id": world.klass.pk, "officer_id": world.officer.pk,
           "assignment_id": targets["assignments/"]["pk"], "activity_id": targets["activities/"]["pk"],
           "case_id": targets["cases/"]["pk"], "survey_id": targets["surveys/"]["pk"]}
    token_routes = [(name, fill(route, _Values(ids))) for name, route, _ in all_routes() if is_token_api(route)
                    and route != "api/v1/" and not re.search(r"openapi|docs", route)]
    if not token_routes:
        pytest.skip("no token-authenticated staff API under /api/v1/ yet")
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.superuser)
    for name, url in token_routes:
        response = client.get(url)
        assert response.status_code in (401, 403), (name, url, response.status_code)
    response = client.post("/api/v1/activities", {"kind": "class_meeting"}, content_type="application/json")
    assert response.status_code in (401, 403)


def test_tip_form_without_its_signed_key_files_nothing(client, world):
    from fazhi.tips.models import Tip

    url = f"/c/{world.klass.public_token}/report/"
    data = {"category": "physical", "description": "有人在厕所打人，已经好几次了。", "in_danger": "no"}
    client.post(url, data)
    client.post(url, {**data, "form_key": "forged"})
    assert not Tip.objects.exists()
    key = re.search(r'name="form_key" value="([^"]+)"', client.get(url).content.decode()).group(1)
    client.post(url, {**data, "form_key": key})
    assert Tip.objects.count() == 1  # the same data with the page's key is taken


def test_survey_answers_without_the_signed_key_are_not_kept(client, world):
    from fazhi.surveys.models import Response, SurveyClass

    targets = dunhuang_objects(world)
    entry = SurveyClass.objects.get(survey_id=targets["surveys/"]["pk"], school_class=world.klass)
    data = {}
    for q in entry.survey.questionnaire.questions.all():
        data[f"q{q.pk}"] = "x" if q.kind == "text" else "0"
    url = f"/s/{entry.code}/"
    client.post(url, data)
    client.post(url, {**data, "form_key": "forged"})
    assert not Response.objects.exists()
    key = re.search(r'name="form_key" value="([^"]+)"', client.get(url).content.decode()).group(1)
    client.post(url, {**data, "form_key": key})
    assert Response.objects.count() == 1


FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)


def test_every_post_form_on_the_staff_pages_carries_the_token(world):
    targets = dunhuang_objects(world)
    public_pages = PUBLIC_FORMS | {"noticeboards:class_public", "tipline:privacy", "accounts:login"}
    forms = 0
    for user in (world.superuser, world.officer_user):
        client = Client()
        client.force_login(user)
        for name, route, url in urls(world, targets):
            if route.startswith("api/") or name in public_pages:
                continue
            response = client.get(url)
            if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
                continue
            for attrs, body in FORM.findall(response.content.decode()):
                if not re.search(r'method\s*=\s*"?post', attrs, re.I):
                    continue
                forms += 1
                assert 'name="csrfmiddlewaretoken"' in body, (user.username, name, url, attrs)
    assert forms > 40
