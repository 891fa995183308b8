"""Walk every URL pattern: anonymous visitors are refused everywhere except an explicit allow-list,
and an outsider (a user of the neighbouring county, in every role) gets 404 for every object of Dunhuang, on the
pages and in the JSON API."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Public pages: only these may answer an anonymous visitor with content.
PUBLIC_ALLOW_LIST = {
    "accounts:login", "set_language",
    # the class's QR page and its officer's photo (no account: students and parents)
    "noticeboards:class_public", "noticeboards:class_photo",
    # the anonymous tip line: report from the class page, follow up with the receipt, what is kept; and the same
    # as JSON for a mini-program
    "tipline:report", "tipline:followup", "tipline:reply", "tipline:privacy",
    "api_public:submit_tip", "api_public:lookup_tip", "api_public:reply_tip",
    # answering a survey through the class's code, and the same as JSON
    "survey_public:enter", "survey_public:take", "api_surveys:questionnaire", "api_surveys:respond",
}
# Django's admin refuses anonymous visitors with its own login redirect.
SKIP_NAMESPACES = {"admin"}
# The staff JSON API (/api/v1/) answers a caller without a valid token 401, never a login redirect; its root
# only names the API (404).
API_NAMESPACE = "api"
API_ROOT = "api:api-root"


def walk(patterns, prefix="", namespace=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            if ns in SKIP_NAMESPACES:
                continue
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else p.name
            yield name, prefix + str(p.pattern), p


def fill(route: str, values: dict) -> str:
    import re

    def sub(m):
        assert m.group(2) in values, f"no value for <{m.group(2)}> in {route}"
        return str(values[m.group(2)])

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", sub, route)


def is_api(name: str) -> bool:
    return name.startswith(API_NAMESPACE + ":")


def all_routes():
    return list(walk(get_resolver().url_patterns))


def test_every_route_is_named():
    unnamed = [route for name, route, _ in all_routes() if not name]
    assert unnamed == []


API_IDS = ("school_id", "class_id", "officer_id", "assignment_id", "activity_id", "case_id", "survey_id")


@pytest.mark.django_db
def test_anonymous_is_refused_everywhere_but_the_allow_list(client, world):
    values = {"pk": world.klass.pk, "kind": "class", "token": world.klass.public_token,
              **{name: world.klass.pk for name in API_IDS}}
    checked = 0
    for name, route, _ in all_routes():
        if name in PUBLIC_ALLOW_LIST:
            continue
        if is_api(name):
            continue  # test_anonymous_gets_401_from_the_api
        url = fill(route, values)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in (302, 404, 405), (name, url, method, response.status_code)
            if response.status_code == 302:
                assert response["Location"].startswith("/login/"), (name, url, response["Location"])
            checked += 1
    assert checked > 30


@pytest.mark.django_db
def test_anonymous_gets_401_from_the_api(client, world):
    """Every route of the staff API, with no token, a wrong one, or only a login cookie: 401 and no content."""
    values = {name: world.klass.pk for name in API_IDS}
    routes = [(name, fill(route, values)) for name, route, _ in all_routes() if is_api(name) and name != API_ROOT]
    assert len(routes) >= 15
    client.force_login(world.nobody)  # a login without a role: its cookie opens nothing either
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer fz_unknown"}):
        for name, url in routes:
            response = client.get(url, **headers)
            assert response.status_code == 401, (name, url, response.status_code)
            assert response.json() == {"detail": "Unauthorized"}
            response = client.post(url, **headers)
            assert response.status_code in (401, 405), (name, url, response.status_code)
    client.logout()
    for name, url in routes:
        assert client.get(url).status_code == 401, (name, url)
    assert client.get("/api/v1/").status_code == 404


def dunhuang_objects(world) -> dict[str, dict]:
    """For every URL pattern with an object in it: the values that point at an object of Dunhuang."""
    from fazhi.assignments.models import Assignment, NoticeboardPosting, Pairing

    pairing = Pairing.objects.create(unit=world.court, school=world.school, school_year=world.klass.school_year)
    assignment = Assignment.objects.create(
        officer=world.officer, school=world.school, school_class=world.klass, school_year=world.klass.school_year,
        pairing=pairing, status="active", load_slot=1, starts_on=world.klass.created_at.date())
    posting = NoticeboardPosting.objects.create(school_class=world.klass, fingerprint="x")
    from fazhi.activities.models import Activity, Evidence

    activity = Activity.objects.create(kind="class_meeting", date=world.klass.created_at.date(), school=world.school,
                                       officer=world.officer)
    activity.classes.set([world.klass])
    evidence = Evidence.objects.create(activity=activity, type="photo", file="activities/x.jpg")
    from fazhi.notices.models import Notification
    from fazhi.tips import services
    from fazhi.tips.models import Dispute, Hazard, TipPhoto

    hazard = Hazard.objects.create(school=world.school, kind="traffic", description="校门口无斑马线",
                                   found_on=world.klass.created_at.date())
    dispute = Dispute.objects.create(school=world.school, kind="students", parties="两名学生",
                                     description="课间冲突", received_on=world.klass.created_at.date())
    tip = services.register_clue(by=world.committee_admin, school=world.school, school_class=world.klass,
                                 channel="box", category="physical", description="纸条：有人被打")
    photo = TipPhoto.objects.create(tip=tip, file="tips/x.jpg")
    notice = Notification.objects.filter(user=world.committee_admin).first() or Notification.objects.create(
        user=world.committee_admin, kind="new_tip", subject="x", url="/", key="x")
    import datetime

    from fazhi.surveys import services as survey_services
    from fazhi.surveys.models import Question, Questionnaire

    own = Questionnaire.objects.create(title="二中问卷", school=world.school)
    own_question = Question.objects.create(questionnaire=own, position=1, kind="text", text="还想说什么？")
    questionnaire = Questionnaire.objects.get(builtin="bullying_secondary")
    survey = survey_services.open_survey(by=world.committee_admin, questionnaire=questionnaire, title="问卷",
                                         opens_on=datetime.date.today(), closes_on=datetime.date.today(),
                                         classes=[world.klass], region=world.dunhuang)
    from fazhi.confidential.models import SpecialStudent, StaffConcern

    special = SpecialStudent.objects.create(
        school=world.school, reference="ZS", category="left_behind", plan="每周谈心", responsible="王老师",
        next_review=datetime.date.today())
    staff_concern = StaffConcern.objects.create(
        school=world.school, reference="T01", category="other", measures="约谈", responsible="校长",
        next_review=datetime.date.today())
    from fazhi.alerts.models import Alert
    from fazhi.circulars import services as circular_services

    alert = Alert.objects.create(key="dunhuang", kind="uncovered_class", label="x", url="/", region="620982")
    alert.recipients.add(world.committee_admin)
    circular = circular_services.create_draft(by=world.committee_admin, region=world.dunhuang,
                                              start=datetime.date(2026, 9, 1), end=datetime.date(2027, 1, 31),
                                              number="敦政法〔2026〕12号")
    from fazhi.oversight.models import (
        AccountabilityRecord,
        ChecklistItem,
        ChecklistTemplate,
        Finding,
        FindingPhoto,
        Inspection,
    )

    checklist = ChecklistTemplate.objects.create(region=world.dunhuang, name="敦煌市检查清单")
    ChecklistItem.objects.create(template=checklist, order=1, text="班级公示牌已张贴", area="school")
    inspection = Inspection.objects.create(region=world.dunhuang, title="联合检查", date=datetime.date.today(),
                                           agencies=["committee"], template=checklist)
    finding = Finding.objects.create(inspection=inspection, school=world.school, description="x",
                                     requirement="y", deadline=datetime.date.today())
    finding_photo = FindingPhoto.objects.create(finding=finding, file="oversight/x.jpg")
    accountability = AccountabilityRecord.objects.create(region=world.dunhuang, measure="talk", unit=world.court,
                                                         date=datetime.date.today(), reason="x")
    from fazhi.api.models import ApiToken

    token, _key = ApiToken.issue(user=world.committee_admin, name="小程序",
                                 expires_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=30))
    return {
        "api/tokens/": {"pk": token.pk},
        # the staff JSON API's path parameters
        "api/v1/": {"school_id": world.school.pk, "class_id": world.klass.pk, "officer_id": world.officer.pk,
                    "assignment_id": assignment.pk, "activity_id": activity.pk, "case_id": tip.pk,
                    "survey_id": survey.pk},
        "oversight/accountability/officer/": {"pk": world.officer.pk},
        "oversight/accountability/unit/": {"pk": world.court.pk},
        "oversight/accountability/": {"pk": accountability.pk},
        "oversight/findings/": {"pk": finding.pk},
        "oversight/photos/": {"pk": finding_photo.pk},
        "oversight/checklists/": {"pk": checklist.pk},
        "oversight/": {"pk": inspection.pk},
        "alerts/": {"pk": alert.pk}, "circulars/": {"pk": circular.pk},
        "dashboard/unit/": {"pk": world.court.pk}, "dashboard/school/": {"pk": world.school.pk},
        "confidential/students/": {"pk": special.pk}, "confidential/staff/": {"pk": staff_concern.pk},
        "surveys/questionnaires/questions/": {"pk": own_question.pk},
        "surveys/questionnaires/": {"pk": own.pk},
        "surveys/": {"pk": survey.pk},
        "registers/hazards/": {"pk": hazard.pk}, "registers/disputes/": {"pk": dispute.pk},
        "cases/photos/": {"pk": photo.pk}, "cases/": {"pk": tip.pk}, "notices/": {"pk": notice.pk},
        "activities/evidence/": {"pk": evidence.pk}, "activities/": {"pk": activity.pk},
        "units/": {"pk": world.court.pk}, "schools/": {"pk": world.school.pk},
        "classes/": {"pk": world.klass.pk}, "officers/": {"pk": world.officer.pk},
        "history/": {"kind": "officer", "pk": world.officer.pk},
        "assignments/": {"pk": assignment.pk}, "noticeboards/postings/": {"pk": posting.pk},
        "noticeboards/": {"pk": world.klass.pk}, "pairings/": {"pk": pairing.pk},
    }


OUTSIDER_ROLES = ("committee_admin", "education_staff", "inspector", "liaison", "officer", "school_admin",
                  "teacher")


def outsider(world, role: str):
    """A user of the neighbouring county (肃州区) in the given role: nothing of Dunhuang is theirs."""
    from fazhi.accounts.models import Role
    from fazhi.conftest import make_user

    if role == "committee_admin":
        return world.outsider
    scope = {
        "education_staff": (Role.EDUCATION_STAFF, {"region": world.suzhou}),
        "inspector": (Role.INSPECTOR, {"region": world.suzhou}),
        "liaison": (Role.LIAISON, {"unit": world.other_court}),
        "officer": (Role.OFFICER, {"officer": world.other_officer}),
        "school_admin": (Role.SCHOOL_ADMIN, {"school": world.other_school}),
        "teacher": (Role.TEACHER, {"school_class": world.other_class}),
    }[role]
    return make_user(f"outsider-{role}", scope[0], **scope[1])


@pytest.mark.django_db
@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_gets_404_for_every_object_page_of_another_county(client, world, role):
    """Every pattern with an object id, GET and POST, by a user of the neighbouring county in each role.
    A new pattern must be added to dunhuang_objects(), or this test fails."""
    targets = dunhuang_objects(world)
    client.force_login(outsider(world, role))
    seen = 0
    for name, route, _ in all_routes():
        if "<int:pk>" not in route or name.startswith("accounts:"):
            continue
        prefix = next((p for p in targets if route.startswith(p)), None)
        assert prefix is not None, f"no Dunhuang object for {name} ({route}): add it to dunhuang_objects()"
        url = fill(route, targets[prefix])
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in (404, 405), (role, name, url, method, response.status_code)
            seen += 1
    assert seen >= 38


@pytest.mark.django_db
@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_gets_404_for_every_object_of_another_county_in_the_api(client, world, role):
    """Every API route with an id in it, called with the outsider's own valid token and an id of Dunhuang."""
    import datetime

    from fazhi.api.models import ApiToken

    values = dunhuang_objects(world)["api/v1/"]
    _token, key = ApiToken.issue(user=outsider(world, role), name="x",
                                 expires_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=30))
    seen = 0
    for name, route, _ in all_routes():
        if not is_api(name) or "<" not in route:
            continue
        url = fill(route, values)  # fails for a new parameter until it is added to dunhuang_objects()
        response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {key}")
        assert response.status_code == 404, (role, name, url, response.status_code)
        assert response.json() == {"detail": "Not Found"}
        seen += 1
    assert seen >= 8


@pytest.mark.django_db
def test_outsider_cannot_manage_accounts_of_another_county(client, world):
    client.force_login(world.outsider)
    for name in ("user_detail", "user_edit", "user_reset_password", "user_toggle_active", "user_revoke_tokens"):
        for method in ("get", "post"):
            response = getattr(client, method)(f"/accounts/{world.liaison.pk}/" + {
                "user_detail": "", "user_edit": "edit/", "user_reset_password": "reset-password/",
                "user_toggle_active": "toggle-active/", "user_revoke_tokens": "revoke-tokens/"}[name])
            assert response.status_code in (404, 405)
    membership = world.liaison.memberships.get()
    assert client.post(f"/accounts/roles/{membership.pk}/delete/").status_code == 404
    world.liaison.refresh_from_db()
    assert world.liaison.is_active and world.liaison.memberships.exists()
