"""The tip line as JSON for a mini-program: the same rules as the pages."""

import io
import json
import uuid

import pytest
from PIL import Image

from fazhi.tips import receipts, services
from fazhi.tips.models import Message, Tip

pytestmark = pytest.mark.django_db


def post(client, url, data, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", headers=headers)


def submit(client, klass, key=None, **fields):
    data = {"category": "online", "description": "有人把同学的照片发到群里", **fields}
    return post(client, f"/api/v1/public/classes/{klass.public_token}/tips", data,
                **({"Idempotency-Key": key} if key else {}))


def test_submit_lookup_and_reply(client, tipworld):
    response = submit(client, tipworld.klass, key=str(uuid.uuid4()), in_danger=True, reporter_role="parent")
    assert response.status_code == 201
    receipt = response.json()["receipt"]
    assert receipts.normalise(receipt) == receipt
    tip = Tip.objects.get()
    assert tip.channel == "app" and tip.in_danger and tip.reporter_role == "parent"
    assert not response.cookies

    services.message_reporter(tip.case, by=tipworld.officer_user, body="我们已经联系学校。")
    found = post(client, "/api/v1/public/tips/lookup", {"receipt": receipt})
    assert found.status_code == 200
    body = found.json()
    assert body["status"] == "received" and body["category"] == "online"
    assert body["messages"] == [{"from": "handler", "body": "我们已经联系学校。", "at": body["messages"][0]["at"]}]

    replied = post(client, "/api/v1/public/tips/reply", {"receipt": receipt, "message": "谢谢"})
    assert replied.status_code == 201 and replied.json() == {"ok": True}
    assert Message.objects.filter(from_reporter=True).count() == 1


def test_a_retried_submission_with_the_same_key_is_not_duplicated(client, tipworld):
    key = str(uuid.uuid4())
    first = submit(client, tipworld.klass, key=key)
    again = submit(client, tipworld.klass, key=key)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["receipt"] == again.json()["receipt"]
    assert Tip.objects.count() == 1


def test_without_a_key_each_submission_is_new(client, tipworld):
    assert submit(client, tipworld.klass).status_code == 201
    assert submit(client, tipworld.klass).status_code == 201
    assert Tip.objects.count() == 2


def test_a_short_or_odd_key_is_refused(client, tipworld):
    for key in ("1", "abc def ghi jkl mno pqr stu", "x" * 101):
        response = submit(client, tipworld.klass, key=key)
        assert response.status_code == 400 and "idempotency_key" in response.json()["errors"]
    assert Tip.objects.count() == 0


@pytest.mark.parametrize("data, field", [
    ({"category": "nonsense", "description": "有人打人了"}, "category"),
    ({"category": "physical"}, "description"),
    ({"category": "physical", "description": "欺" * 5001}, "description"),
    ({"category": "physical", "description": "<img src=x onerror=alert(1)>"}, "description"),
    ({"category": "physical", "description": "有人打人了", "people": ["a", "b"] * 200}, "people"),
])
def test_bad_fields_are_400_with_the_field_named(client, tipworld, data, field):
    response = post(client, f"/api/v1/public/classes/{tipworld.klass.public_token}/tips", data)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Tip.objects.count() == 0


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"\xff\xfe", b'"text"'])
def test_a_body_that_is_not_a_json_object_is_400(client, tipworld, body):
    response = client.post(f"/api/v1/public/classes/{tipworld.klass.public_token}/tips", body,
                           content_type="application/json")
    assert response.status_code == 400 and "error" in response.json()


def test_an_unknown_class_is_404(client, tipworld):
    response = submit(client, type("K", (), {"public_token": "Z" * 22})())
    assert response.status_code == 404 and Tip.objects.count() == 0


def test_photos_through_multipart_are_stripped(client, tipworld):
    image = Image.new("RGB", (300, 200), "blue")
    exif = Image.Exif()
    exif[0x010F] = "SecretPhone"
    buf = io.BytesIO()
    image.save(buf, "JPEG", exif=exif)
    buf.seek(0)
    buf.name = "x.jpg"
    response = client.post(f"/api/v1/public/classes/{tipworld.klass.public_token}/tips",
                           {"category": "property", "description": "书包被人划破了", "photos": buf})
    assert response.status_code == 201
    assert b"SecretPhone" not in Tip.objects.get().photos.get().file.read()


def test_lookup_errors(client, tipworld):
    assert post(client, "/api/v1/public/tips/lookup", {"receipt": "123"}).status_code == 400
    assert post(client, "/api/v1/public/tips/lookup", {"receipt": receipts.receipt_for("x")}).status_code == 404
    assert post(client, "/api/v1/public/tips/lookup", {"receipt": 1234}).status_code == 400
    assert client.get("/api/v1/public/tips/lookup").status_code == 405


def test_lookups_are_rate_limited(client, tipworld, settings):
    settings.TIP_FAILED_LOOKUPS_PER_WINDOW = 2
    for _ in range(2):
        post(client, "/api/v1/public/tips/lookup", {"receipt": receipts.receipt_for("nobody")})
    assert post(client, "/api/v1/public/tips/lookup", {"receipt": receipts.receipt_for("x")}).status_code == 429


def test_a_reply_needs_a_message(client, tipworld):
    receipt = submit(client, tipworld.klass).json()["receipt"]
    response = post(client, "/api/v1/public/tips/reply", {"receipt": receipt, "message": ""})
    assert response.status_code == 400 and "message" in response.json()["errors"]
    assert Message.objects.count() == 0


def test_a_reply_sent_twice_with_the_same_key_is_stored_once(client, tipworld):
    from fazhi.notices.models import Notification

    receipt = submit(client, tipworld.klass, key=str(uuid.uuid4())).json()["receipt"]
    before = Notification.objects.count()
    key = str(uuid.uuid4())
    for _ in range(2):
        replied = post(client, "/api/v1/public/tips/reply", {"receipt": receipt, "message": "还在发生"},
                       **{"Idempotency-Key": key})
        assert replied.status_code == 201
    assert Message.objects.filter(from_reporter=True).count() == 1
    notified = Notification.objects.count() - before
    # Another text with the same key is another message; without a key every reply is kept.
    post(client, "/api/v1/public/tips/reply", {"receipt": receipt, "message": "又发生了"}, **{"Idempotency-Key": key})
    post(client, "/api/v1/public/tips/reply", {"receipt": receipt, "message": "还在发生"})
    assert Message.objects.filter(from_reporter=True).count() == 3
    assert notified >= 1 and Notification.objects.count() - before == 3 * notified
    bad = post(client, "/api/v1/public/tips/reply", {"receipt": receipt, "message": "还在发生"},
               **{"Idempotency-Key": "short"})
    assert bad.status_code == 400 and "idempotency_key" in bad.json()["errors"]
