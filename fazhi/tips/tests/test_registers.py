"""The school registers: a school administrator records a hazard near the school gate and follows its
rectification, a dispute is mediated, confiscated knives are counted. Outsiders learn nothing (404),
inspectors read but do not write, homeroom teachers do not see the registers at all."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fazhi.assignments.models import Assignment, Pairing
from fazhi.tips.models import Case, ConfiscatedItem, Dispute, Hazard, Tip
from fazhi.tips.register_forms import recordable_schools

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)
LISTS = ["registers:hazard_list", "registers:dispute_list", "registers:item_list"]
FORMS = ["registers:hazard_create", "registers:dispute_create", "registers:item_create"]


def days_ago(n: int) -> datetime.date:
    return TODAY() - n * DAY


def hazard(school, **fields) -> Hazard:
    values = {"kind": Hazard.Kind.TRAFFIC, "description": "校门口无斑马线", "found_on": days_ago(10)}
    return Hazard.objects.create(school=school, **{**values, **fields})


def dispute(school, **fields) -> Dispute:
    values = {"kind": Dispute.Kind.STUDENTS, "parties": "八年级两名学生及家长", "description": "课间冲突",
              "received_on": days_ago(5)}
    return Dispute.objects.create(school=school, **{**values, **fields})


def item(school, **fields) -> ConfiscatedItem:
    values = {"kind": ConfiscatedItem.Kind.CONTROLLED_KNIFE, "count": 1, "seized_on": days_ago(3)}
    return ConfiscatedItem.objects.create(school=school, **{**values, **fields})


def hazard_post(school, /, **fields) -> dict:
    data = {"school": school.pk, "kind": "traffic", "description": "校门口东侧路口无红绿灯，上学高峰车辆多",
            "location": "东门", "found_on": days_ago(2).isoformat(), "responsible": "交警大队",
            "deadline": (TODAY() + 20 * DAY).isoformat(), "state": "open", "measures": "", "resolved_on": ""}
    data.update(fields)
    return data


def dispute_post(school, /, **fields) -> dict:
    data = {"school": school.pk, "kind": "family_school", "parties": "一名七年级学生的家长与学校",
            "description": "家长对处分有异议", "received_on": days_ago(1).isoformat(), "state": "open",
            "mediator": "", "result": "", "resolved_on": ""}
    data.update(fields)
    return data


def item_post(school, /, **fields) -> dict:
    data = {"school": school.pk, "kind": "controlled_knife", "count": "2",
            "seized_on": days_ago(1).isoformat(), "note": "晨检时发现"}
    data.update(fields)
    return data


def empty_text(response) -> str:
    match = re.search(r'<p class="empty">(.*?)</p>', response.content.decode(), re.S)
    return match.group(1) if match else ""


def give_class(world):
    """李明 (login `officer`, of the court whose liaison is `liaison`) holds 七年级(3)班 of 敦煌市第二中学."""
    pairing = Pairing.objects.create(unit=world.court, school=world.school, school_year=world.klass.school_year)
    return Assignment.objects.create(
        role="homeroom", officer=world.officer, school=world.school, school_class=world.klass,
        school_year=world.klass.school_year, status="active", load_slot=1, starts_on=days_ago(30), pairing=pairing)


# ---- recording -----------------------------------------------------------------------------------

def test_school_admin_records_a_hazard_and_sees_it(client, world):
    client.force_login(world.school_admin)
    form = client.get(reverse("registers:hazard_create"))
    assert form.status_code == 200
    assert form.context["form"].initial["school"] == world.school.pk  # the only school: chosen already
    response = client.post(reverse("registers:hazard_create"), hazard_post(world.school))
    h = Hazard.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("registers:hazard_detail", args=[h.pk])
    assert h.recorded_by == world.school_admin and h.school == world.school and h.responsible == "交警大队"
    detail = client.get(response["Location"])
    assert detail.status_code == 200 and "校门口东侧路口" in detail.content.decode()
    assert [m.level_tag for m in detail.context["messages"]] == ["success"]
    assert detail.context["can_edit"]
    listing = client.get(reverse("registers:hazard_list"))
    assert list(listing.context["page_obj"]) == [h]
    assert reverse("registers:hazard_create") in listing.content.decode()


def test_hazard_is_updated_until_resolved(client, world):
    h = hazard(world.school, deadline=days_ago(1))
    client.force_login(world.school_admin)
    url = reverse("registers:hazard_edit", args=[h.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, hazard_post(world.school, found_on=h.found_on.isoformat(), state="rectifying",
                                            measures="已设置临时减速带"))
    assert response.status_code == 302
    h.refresh_from_db()
    assert h.state == "rectifying" and h.measures == "已设置临时减速带" and h.recorded_by is None
    response = client.post(url, hazard_post(world.school, found_on=h.found_on.isoformat(), state="resolved",
                                            resolved_on=TODAY().isoformat()))
    assert response.status_code == 302
    h.refresh_from_db()
    assert h.state == "resolved" and h.resolved_on == TODAY()


def test_school_admin_cannot_record_for_another_school(client, world):
    client.force_login(world.school_admin)
    for name, data in (("registers:hazard_create", hazard_post(world.school2)),
                       ("registers:dispute_create", dispute_post(world.school2)),
                       ("registers:item_create", item_post(world.school2))):
        response = client.post(reverse(name), data)
        assert response.status_code == 400 and "school" in response.context["form"].errors, name
    assert not Hazard.objects.exists() and not Dispute.objects.exists() and not ConfiscatedItem.objects.exists()


def test_schools_on_offer_are_the_ones_the_records_stay_editable_for(world):
    give_class(world)
    expect = {
        world.committee_admin: {world.school, world.school2},
        world.education_staff: {world.school, world.school2},
        world.school_admin: {world.school},
        world.liaison: {world.school},
        world.officer_user: {world.school},
        world.inspector: set(),
        world.teacher: set(),
        world.outsider: {world.other_school},
    }
    records = [hazard(s) for s in (world.school, world.school2, world.other_school)]
    for user, schools in expect.items():
        assert set(recordable_schools(user)) == schools, user
        editable = {r.school for r in Hazard.objects.editable_by(user)}
        assert editable == schools, user
    assert len(records) == 3


def test_committee_admin_records_a_dispute_for_any_school_of_the_county(client, world):
    client.force_login(world.committee_admin)
    response = client.post(reverse("registers:dispute_create"), dispute_post(world.school2, mediator="司法所"))
    d = Dispute.objects.get()
    assert response["Location"] == reverse("registers:dispute_detail", args=[d.pk])
    assert d.school == world.school2 and d.recorded_by == world.committee_admin
    response = client.post(reverse("registers:dispute_edit", args=[d.pk]),
                           dispute_post(world.school2, state="resolved", resolved_on=TODAY().isoformat(),
                                        result="双方达成和解"))
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.state == "resolved" and d.result == "双方达成和解"


def test_committee_admin_cannot_record_for_a_school_of_another_county(client, world):
    client.force_login(world.committee_admin)
    response = client.post(reverse("registers:hazard_create"), hazard_post(world.other_school))
    assert response.status_code == 400 and "school" in response.context["form"].errors
    assert not Hazard.objects.exists()


def test_liaison_and_officer_record_for_their_school(client, world):
    give_class(world)
    for user in (world.liaison, world.officer_user):
        client.force_login(user)
        response = client.post(reverse("registers:item_create"), item_post(world.school))
        assert response.status_code == 302 and response["Location"] == reverse("registers:item_list"), user
    assert ConfiscatedItem.objects.filter(school=world.school).count() == 2
    assert {i.recorded_by for i in ConfiscatedItem.objects.all()} == {world.liaison, world.officer_user}


def test_an_item_is_recorded_without_a_case(client, world):
    client.force_login(world.school_admin)
    assert client.get(reverse("registers:item_create")).status_code == 200
    client.post(reverse("registers:item_create"), item_post(world.school, count="3"))
    i = ConfiscatedItem.objects.get()
    assert (i.count, i.case, i.recorded_by, i.note) == (3, None, world.school_admin, "晨检时发现")
    page = client.get(reverse("registers:item_list")).content.decode()
    assert "晨检时发现" in page and str(world.school_admin) in page


# ---- validation ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("fields", "field"), [
    ({"found_on": (TODAY() + DAY).isoformat()}, "found_on"),
    ({"state": "resolved", "resolved_on": ""}, "resolved_on"),
    ({"state": "resolved", "resolved_on": (TODAY() + DAY).isoformat()}, "resolved_on"),
    ({"state": "resolved", "found_on": days_ago(2).isoformat(), "resolved_on": days_ago(3).isoformat()},
     "resolved_on"),
    ({"deadline": days_ago(5).isoformat(), "found_on": days_ago(2).isoformat()}, "deadline"),
    ({"description": "<script>alert(1)</script>"}, "description"),
    ({"location": "<b>东门</b>"}, "location"),
    ({"measures": "javascript:alert(1)"}, "measures"),
    ({"found_on": "2026-02-30"}, "found_on"),
    ({"kind": "volcano"}, "kind"),
    ({"description": ""}, "description"),
])
def test_a_bad_hazard_is_a_form_error_and_nothing_is_saved(client, world, fields, field):
    client.force_login(world.school_admin)
    response = client.post(reverse("registers:hazard_create"), hazard_post(world.school, **fields))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert 'class="errorlist"' in response.content.decode()
    assert not Hazard.objects.exists()


def test_resolving_without_a_date_on_edit_changes_nothing(client, world):
    h = hazard(world.school)
    client.force_login(world.school_admin)
    response = client.post(reverse("registers:hazard_edit", args=[h.pk]),
                           hazard_post(world.school, found_on=h.found_on.isoformat(), state="resolved"))
    assert response.status_code == 400 and "resolved_on" in response.context["form"].errors
    # only the form's own message, not a second one from the database constraint
    assert response.context["form"].non_field_errors() == []
    h.refresh_from_db()
    assert h.state == "open"


@pytest.mark.parametrize(("fields", "field"), [
    ({"received_on": (TODAY() + DAY).isoformat()}, "received_on"),
    ({"state": "resolved"}, "resolved_on"),
    ({"state": "resolved", "received_on": days_ago(1).isoformat(), "resolved_on": days_ago(2).isoformat()},
     "resolved_on"),
    ({"parties": "<script>x</script>"}, "parties"),
    ({"description": "<img src=x>"}, "description"),
    ({"mediator": "<i>x</i>"}, "mediator"),
    ({"result": "<!-- x -->"}, "result"),
    ({"result": "ok\x07"}, "result"),
])
def test_a_bad_dispute_is_a_form_error_and_nothing_is_saved(client, world, fields, field):
    client.force_login(world.school_admin)
    response = client.post(reverse("registers:dispute_create"), dispute_post(world.school, **fields))
    assert response.status_code == 400 and field in response.context["form"].errors
    assert not Dispute.objects.exists()


@pytest.mark.parametrize(("fields", "field"), [
    ({"seized_on": (TODAY() + DAY).isoformat()}, "seized_on"),
    ({"note": "<script>x</script>"}, "note"),
    ({"count": "0"}, "count"),
    ({"count": "²"}, "count"),
    ({"school": ""}, "school"),
])
def test_a_bad_item_is_a_form_error_and_nothing_is_saved(client, world, fields, field):
    client.force_login(world.school_admin)
    response = client.post(reverse("registers:item_create"), item_post(world.school, **fields))
    assert response.status_code == 400 and field in response.context["form"].errors
    assert not ConfiscatedItem.objects.exists()


# ---- who sees what -------------------------------------------------------------------------------

def test_outsider_gets_404_for_every_record_of_dunhuang(client, world):
    h, d = hazard(world.school), dispute(world.school)
    item(world.school)
    client.force_login(world.outsider)
    for name, pk in (("registers:hazard_detail", h.pk), ("registers:hazard_edit", h.pk),
                     ("registers:dispute_detail", d.pk), ("registers:dispute_edit", d.pk)):
        for method in ("get", "post"):
            response = getattr(client, method)(reverse(name, args=[pk]))
            assert response.status_code in (404, 405), (name, method, response.status_code)
            if name.endswith("edit"):
                assert response.status_code == 404
    for name in LISTS:
        assert list(client.get(reverse(name)).context["page_obj"]) == [], name
    assert client.get(reverse("registers:item_list")).context["totals"]["items"] == 0
    h.refresh_from_db()
    assert h.state == "open"


def test_outsider_cannot_move_a_record_of_dunhuang_into_their_county(client, world):
    h = hazard(world.school)
    client.force_login(world.outsider)
    response = client.post(reverse("registers:hazard_edit", args=[h.pk]), hazard_post(world.other_school))
    assert response.status_code == 404
    h.refresh_from_db()
    assert h.school == world.school


def test_school_admin_sees_only_own_school(client, world):
    own, other = hazard(world.school), hazard(world.school2)
    client.force_login(world.school_admin)
    assert list(client.get(reverse("registers:hazard_list")).context["page_obj"]) == [own]
    assert client.get(reverse("registers:hazard_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("registers:hazard_edit", args=[other.pk])).status_code == 404


def test_inspector_reads_but_does_not_record(client, world):
    h, d = hazard(world.school), dispute(world.school2)
    item(world.school)
    client.force_login(world.inspector)
    for name in LISTS:
        response = client.get(reverse(name))
        assert response.status_code == 200 and len(response.context["page_obj"]) == 1, name
        page = response.content.decode()
        assert not any(reverse(f) in page for f in FORMS), name
    for name, pk in (("registers:hazard_detail", h.pk), ("registers:dispute_detail", d.pk)):
        response = client.get(reverse(name, args=[pk]))
        assert response.status_code == 200 and not response.context["can_edit"]
        assert "/edit/" not in response.content.decode()
    for name in FORMS:
        assert client.get(reverse(name)).status_code == 404
    assert client.post(reverse("registers:item_create"), item_post(world.school)).status_code == 404
    for name, pk in (("registers:hazard_edit", h.pk), ("registers:dispute_edit", d.pk)):
        assert client.get(reverse(name, args=[pk])).status_code == 404
        assert client.post(reverse(name, args=[pk]), hazard_post(world.school)).status_code == 404
    assert ConfiscatedItem.objects.count() == 1


@pytest.mark.parametrize("persona", ["teacher", "nobody"])
def test_teachers_and_people_without_a_role_do_not_see_the_registers(client, world, persona):
    h = hazard(world.school)
    d = dispute(world.school)
    client.force_login(getattr(world, persona))
    urls = [reverse(n) for n in LISTS + FORMS] + [
        reverse("registers:hazard_detail", args=[h.pk]), reverse("registers:hazard_edit", args=[h.pk]),
        reverse("registers:dispute_detail", args=[d.pk]), reverse("registers:dispute_edit", args=[d.pk])]
    for url in urls:
        assert client.get(url).status_code == 404, url


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    for name in LISTS + FORMS:
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_lists_and_details_refuse_post(client, world):
    h = hazard(world.school)
    client.force_login(world.committee_admin)
    for url in [reverse(n) for n in LISTS] + [reverse("registers:hazard_detail", args=[h.pk])]:
        assert client.post(url).status_code == 405


# ---- lists ---------------------------------------------------------------------------------------

def test_hazard_filters_search_and_overdue(client, world):
    late = hazard(world.school, kind="shops", description="小卖部出售仿真刀具", deadline=days_ago(1),
                  state="rectifying")
    on_time = hazard(world.school2, kind="traffic", location="南门", deadline=TODAY() + 5 * DAY,
                     responsible="城管")
    done = hazard(world.school, kind="water", deadline=days_ago(3), state="resolved", resolved_on=days_ago(4))
    client.force_login(world.committee_admin)
    url = reverse("registers:hazard_list")

    def rows(**params):
        response = client.get(url, params)
        assert response.status_code == 200
        return list(response.context["page_obj"])

    assert rows() == [done, on_time, late]  # newest first
    assert rows(state="overdue") == [late]
    assert rows(state="resolved") == [done]
    assert rows(kind="shops") == [late]
    assert rows(school=world.school2.pk) == [on_time]
    assert rows(q="仿真刀具") == [late]
    assert rows(q="南门") == [on_time]
    assert rows(q="城管") == [on_time]
    assert rows(q="城管", school=world.school.pk) == []
    page = client.get(url).content.decode()
    assert page.count("<mark>") == 1  # only the late one is marked
    assert "<mark>" in client.get(reverse("registers:hazard_detail", args=[late.pk])).content.decode()
    assert "<mark>" not in client.get(reverse("registers:hazard_detail", args=[done.pk])).content.decode()


def test_dispute_filters_and_search(client, world):
    a = dispute(world.school, parties="两名初二学生", mediator="驻校民警")
    b = dispute(world.school2, kind="families", description="两家因接送孩子发生争执", state="mediating")
    client.force_login(world.education_staff)
    url = reverse("registers:dispute_list")

    def rows(**params):
        return list(client.get(url, params).context["page_obj"])

    assert set(rows()) == {a, b}
    assert rows(state="mediating") == [b]
    assert rows(kind="families") == [b]
    assert rows(school=world.school.pk) == [a]
    assert rows(q="初二") == [a]
    assert rows(q="接送") == [b]
    assert rows(q="民警") == [a]
    assert set(rows(state="overdue")) == {a, b}  # not a dispute state: ignored


def test_item_filters_and_total(client, world):
    tip = Tip.objects.create(school=world.school, channel="talk", category="dangerous_item", description="带刀")
    case = Case.objects.create(tip=tip, acknowledge_due=timezone.now())
    item(world.school, count=3, seized_on=days_ago(10), case=case)
    item(world.school, kind="blunt", count=2, seized_on=days_ago(2))
    item(world.school2, count=5, seized_on=days_ago(1))
    item(world.other_school, count=100)
    client.force_login(world.committee_admin)
    url = reverse("registers:item_list")

    def totals(**params):
        response = client.get(url, params)
        assert response.status_code == 200
        return response.context["totals"]["items"], len(response.context["page_obj"])

    assert totals() == (10, 3)
    assert totals(kind="controlled_knife") == (8, 2)
    assert totals(school=world.school.pk) == (5, 2)
    assert totals(**{"from": days_ago(5).isoformat()}) == (7, 2)
    assert totals(to=days_ago(5).isoformat()) == (3, 1)
    assert totals(**{"from": days_ago(2).isoformat(), "to": days_ago(2).isoformat()}) == (2, 1)
    assert totals(kind="flammable") == (0, 0)
    page = client.get(url).content.decode()
    assert f'href="{reverse("tips:case", args=[case.pk])}"' in page
    assert len(re.findall(r'href="/cases/\d+/"', page)) == 1  # only the item of a case links to it


def test_the_item_total_is_one_aggregate_query(client, world):
    for n in range(3):
        item(world.school, count=n + 1)
    client.force_login(world.committee_admin)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("registers:item_list"))
    sums = [q["sql"] for q in queries.captured_queries if "SUM(" in q["sql"].upper()]
    assert len(sums) == 1


def test_empty_state_differs_when_filtered(client, world):
    client.force_login(world.school_admin)
    for name in LISTS:
        plain = empty_text(client.get(reverse(name)))
        filtered = empty_text(client.get(reverse(name), {"kind": "other"}))
        assert plain and filtered and plain != filtered, name


def test_lists_are_paginated(client, world):
    Hazard.objects.bulk_create([Hazard(school=world.school, kind="traffic", description=f"隐患{n}",
                                       found_on=days_ago(n)) for n in range(30)])
    client.force_login(world.school_admin)
    response = client.get(reverse("registers:hazard_list"))
    assert len(response.context["page_obj"]) == 25 and response.context["page_obj"].paginator.num_pages == 2
    assert len(client.get(reverse("registers:hazard_list"), {"page": 2}).context["page_obj"]) == 5
    assert len(client.get(reverse("registers:hazard_list"), {"page": "99999999999"}).context["page_obj"]) == 5


ODD = ["²", "99999999999", "\x00", "<script>", "2026-02-30", "-1"]
PARAMS = ["q", "state", "kind", "school", "from", "to", "page"]


@pytest.mark.parametrize("value", ODD)
def test_odd_parameters_give_no_server_error(world, value):
    hazard(world.school, deadline=days_ago(1))
    dispute(world.school)
    item(world.school)
    client = Client(raise_request_exception=False)
    client.force_login(world.committee_admin)
    for name in LISTS + FORMS:
        for param in PARAMS:
            status = client.get(reverse(name), {param: value}).status_code
            assert status < 500, (name, param, value, status)
    assert "<script>" not in client.get(reverse("registers:hazard_list"), {"q": "<script>"}).content.decode()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(("name", "make"), [
    ("registers:hazard_list", lambda w, user: hazard(w.school, recorded_by=user, deadline=days_ago(1))),
    ("registers:dispute_list", lambda w, user: dispute(w.school, recorded_by=user)),
    ("registers:item_list", lambda w, user: item(w.school, recorded_by=user)),
])
def test_list_queries_do_not_grow_with_the_rows(client, world, name, make):
    client.force_login(world.committee_admin)
    make(world, world.school_admin)
    one = _queries(client, reverse(name))
    for _ in range(9):
        make(world, world.liaison)
    assert _queries(client, reverse(name)) == one


def test_the_dashboards_drill_down_filters_registers_by_region_and_period(client, world):
    import datetime

    from fazhi.tips.models import Hazard

    Hazard.objects.create(school=world.school, kind="traffic", description="校门口车速快",
                          found_on=datetime.date(2026, 10, 1))
    Hazard.objects.create(school=world.other_school, kind="traffic", description="别的县", found_on=datetime.date(2026, 10, 1))
    client.force_login(world.superuser)
    page = client.get("/registers/hazards/", {"region": "620982", "from": "2026-09-01", "to": "2026-12-31"})
    assert [h.school_id for h in page.context["page_obj"]] == [world.school.pk]
    assert client.get("/registers/hazards/", {"region": "620982", "from": "2026-10-02"}).context[
        "page_obj"].paginator.count == 0
    assert client.get("/registers/items/", {"region": "620902"}).status_code == 200
