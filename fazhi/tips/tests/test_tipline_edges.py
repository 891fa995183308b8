"""Edge cases found in review: a reused idempotency key, ownership races, handovers, the item register and a
staff report, odd input on the public side."""

import json
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from fazhi.tips import receipts, services
from fazhi.tips.models import Case, ConfiscatedItem, Tip

pytestmark = pytest.mark.django_db


def api_submit(client, klass, key, **fields):
    data = {"category": "physical", "description": "有人在厕所打人", **fields}
    return client.post(f"/api/v1/public/classes/{klass.public_token}/tips", json.dumps(data),
                       content_type="application/json", headers={"Idempotency-Key": key})


def test_a_reused_key_with_other_content_is_a_new_report_and_reveals_nothing(client, tipworld):
    key = str(uuid.uuid4())
    first = api_submit(client, tipworld.klass, key, description="第一份反映：秘密内容")
    second = api_submit(client, tipworld.klass2, key, category="self_harm", description="第二份：同学想自伤")
    assert first.status_code == 201 and second.status_code == 201
    assert first.json()["receipt"] != second.json()["receipt"]
    assert Tip.objects.count() == 2 and Tip.objects.filter(category="self_harm", school_class=tipworld.klass2).exists()
    looked = client.post("/api/v1/public/tips/lookup", json.dumps({"receipt": second.json()["receipt"]}),
                         content_type="application/json")
    assert "秘密内容" not in looked.content.decode()


def test_investigating_does_not_take_a_case_someone_just_acknowledged(tipworld):
    tip = services.submit_tip(school_class=tipworld.klass, channel="qr", category="physical", description="打人",
                              idempotency_key=receipts.new_idempotency_key()).tip
    stale = Case.objects.get(pk=tip.pk)
    services.acknowledge(Case.objects.get(pk=tip.pk), by=tipworld.officer_user)
    services.start_investigation(stale, by=tipworld.school_admin)
    case = Case.objects.get(pk=tip.pk)
    assert case.owner == tipworld.officer_user and case.status == "investigating"
    assert case.events.filter(kind="acknowledged").count() == 1


def test_only_the_owner_or_the_committee_hands_a_case_over(client, tipworld):
    tip = services.submit_tip(school_class=tipworld.klass, channel="qr", category="physical", description="打人",
                              idempotency_key=receipts.new_idempotency_key()).tip
    services.acknowledge(tip.case, by=tipworld.officer_user)
    client.force_login(tipworld.school_admin)  # not the owner: cannot take it
    assert client.get(f"/cases/{tip.pk}/").context["handover_form"] is None
    client.post(f"/cases/{tip.pk}/handover/", {"to": tipworld.school_admin.pk})
    assert Case.objects.get(pk=tip.pk).owner == tipworld.officer_user
    client.force_login(tipworld.committee_admin)  # the committee may reassign
    client.post(f"/cases/{tip.pk}/handover/", {"to": tipworld.school_admin.pk})
    assert Case.objects.get(pk=tip.pk).owner == tipworld.school_admin
    case = Case.objects.get(pk=tip.pk)
    services.decide(case, by=tipworld.school_admin, conclusion="unfounded")
    services.close(case, by=tipworld.school_admin)
    with pytest.raises(services.WorkflowError):  # a closed case is not handed around
        services.hand_over(case, by=tipworld.school_admin, to=tipworld.officer_user)


def test_the_item_register_does_not_reveal_a_staff_case_to_the_school(client, tipworld):
    tip = services.submit_tip(school_class=tipworld.klass, channel="qr", category="staff", description="老师带刀",
                              idempotency_key=receipts.new_idempotency_key()).tip
    services.record_items(by=tipworld.officer_user, school=tipworld.school, case=tip.case, kind="controlled_knife",
                          count=1, seized_on=timezone.localdate(), note="王老师的刀")
    services.record_items(by=tipworld.school_admin, school=tipworld.school, kind="other_blade", count=1,
                          seized_on=timezone.localdate())
    assert ConfiscatedItem.objects.visible_to(tipworld.school_admin).count() == 1
    assert ConfiscatedItem.objects.visible_to(tipworld.officer_user).count() == 2
    client.force_login(tipworld.school_admin)
    assert "王老师的刀" not in client.get("/registers/items/").content.decode()


def test_a_lone_surrogate_in_json_is_a_clear_400(client, tipworld):
    body = '{"category": "physical", "description": "abc \\ud800 defgh"}'
    response = client.post(f"/api/v1/public/classes/{tipworld.klass.public_token}/tips", body,
                           content_type="application/json")
    assert response.status_code == 400 and Tip.objects.count() == 0


def test_a_huge_case_id_is_a_404(tipworld):
    client = Client(raise_request_exception=False)
    client.force_login(tipworld.committee_admin)
    assert client.get("/cases/99999999999999999999999/").status_code == 404
    assert client.post("/cases/99999999999999999999999/acknowledge/").status_code == 404


@pytest.mark.parametrize("path", ["/c/abc/report/x", "/report/followup/x", "/report/nothing/"])
def test_unknown_public_pages_set_no_cookie(client, path):
    response = client.get(path)
    assert response.status_code == 404 and not response.cookies
    assert response["Cache-Control"] == "no-store"


def test_unknown_public_json_paths_answer_json(client):
    response = client.post("/api/v1/public/tips/lookup/", "{}", content_type="application/json")
    assert response.status_code == 404 and "error" in response.json() and not response.cookies


def test_staff_404s_keep_the_site_page(client, world):
    client.force_login(world.committee_admin)
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and b"<html" in response.content


@pytest.mark.parametrize("typed", ["{a}－{b}－{c}－{d}", "{a} {b} {c} {d}", "{a}—{b}—{c}—{d}", "{a}　{b}　{c}　{d}"])
def test_receipts_typed_with_chinese_punctuation_are_understood(typed):
    receipt = receipts.receipt_for("k")
    parts = dict(zip("abcd", (receipt[i:i + 4] for i in range(0, 16, 4)), strict=True))
    assert receipts.normalise(typed.format(**parts)) == receipt
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in receipt)
    assert receipts.normalise(full_width) == receipt
