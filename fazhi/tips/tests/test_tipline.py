"""A student scans the class QR code, reports anonymously, writes down the receipt and later reads the officer's
reply — and everything that can go wrong on the way gives a clear message and saves nothing half-done."""

import io

import pytest
from django.test import Client
from PIL import Image

from fazhi.notices.models import Notification
from fazhi.tips import receipts, services
from fazhi.tips.models import Case, CaseEvent, Message, Tip, TipPhoto
from fazhi.tips.tests.conftest import form_key, receipt_of, report

pytestmark = pytest.mark.django_db


def jpeg_with_gps() -> io.BytesIO:
    image = Image.new("RGB", (400, 300), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0), 3: "E", 4: (94.0, 40.0, 0.0)}  # GPS
    buf = io.BytesIO()
    image.save(buf, "JPEG", exif=exif)
    buf.seek(0)
    buf.name = "IMG_张三_GPS.jpg"
    return buf


def test_the_class_page_leads_to_the_report_form(client, tipworld):
    page = client.get(f"/c/{tipworld.klass.public_token}/")
    assert f"/c/{tipworld.klass.public_token}/report/" in page.content.decode()
    form = client.get(f"/c/{tipworld.klass.public_token}/report/")
    assert form.status_code == 200
    assert "form_key" in form.content.decode()


def test_a_student_reports_gets_a_receipt_and_reads_the_officers_reply(client, tipworld):
    response = report(client, tipworld.klass, place="车棚", people="七年级的两个男生", reporter_role="student")
    assert response.status_code == 200
    receipt = receipt_of(response)
    assert len(receipt) == 16 and receipt.isdigit() and receipts.normalise(receipt) == receipt
    tip = Tip.objects.get()
    assert tip.school_class == tipworld.klass and tip.place == "车棚" and tip.channel == "qr"
    assert tip.receipt_hash == receipts.receipt_hash(receipt) and receipt not in str(Tip.objects.values().get())
    assert tip.case.status == "received"

    # the officer gets the notice (no content in it) and replies
    notice = Notification.objects.get(user=tipworld.officer_user)
    assert notice.url == f"/cases/{tip.pk}/" and "厕所" not in notice.subject
    services.acknowledge(tip.case, by=tipworld.officer_user)
    services.message_reporter(tip.case, by=tipworld.officer_user, body="收到，我们会保护好你。")
    services.add_note(tip.case, by=tipworld.officer_user, text="内部：已联系班主任")

    later = Client()
    page = later.post("/report/followup/", {"receipt": receipts.grouped(receipt)})
    html = page.content.decode()
    assert page.status_code == 200
    assert "收到，我们会保护好你。" in html
    assert "内部" not in html  # internal notes never reach the reporter
    reply = later.post("/report/reply/", {"receipt": receipt, "body": "谢谢，今天又发生了。"})
    assert reply.status_code == 200 and "谢谢，今天又发生了。" in reply.content.decode()
    assert Message.objects.filter(tip=tip, from_reporter=True, author=None).count() == 1
    # the owner hears that the reporter wrote again
    assert Notification.objects.filter(user=tipworld.officer_user, kind="reporter_message").count() == 1


def test_a_reply_form_sent_twice_stores_one_message(client, tipworld):
    receipt = receipt_of(report(client, tipworld.klass))
    page = Client().post("/report/followup/", {"receipt": receipt})
    key = form_key(page)
    for _ in range(2):  # a double tap, or "send again" after an outage
        sent = Client().post("/report/reply/", {"receipt": receipt, "body": "又发生了。", "form_key": key})
        assert sent.status_code == 200 and "又发生了。" in sent.content.decode()
    assert Message.objects.filter(from_reporter=True).count() == 1
    assert CaseEvent.objects.filter(kind="reply").count() == 1
    assert Notification.objects.filter(user=tipworld.officer_user, kind="reporter_message").count() == 1
    # The page after sending offers a fresh form: the next message is a new one.
    assert form_key(sent) != key
    Client().post("/report/reply/", {"receipt": receipt, "body": "又发生了。", "form_key": form_key(sent)})
    assert Message.objects.filter(from_reporter=True).count() == 2


def test_public_pages_set_no_cookie_and_are_not_cached(client, tipworld):
    form = client.get(f"/c/{tipworld.klass.public_token}/report/")
    sent = client.post(f"/c/{tipworld.klass.public_token}/report/", {
        "form_key": form_key(form), "category": "online", "description": "有人在群里发同学的照片"})
    follow = client.post("/report/followup/", {"receipt": receipt_of(sent)})
    for response in (form, sent, follow, client.get("/report/privacy/")):
        assert not response.cookies, response.cookies
        assert response["Cache-Control"] == "no-store"
        assert response["Referrer-Policy"] == "no-referrer"


def test_sending_the_same_form_twice_gives_one_tip_and_the_same_receipt(client, tipworld):
    page = client.get(f"/c/{tipworld.klass.public_token}/report/")
    data = {"form_key": form_key(page), "category": "property", "description": "有人在校门口要钱"}
    first = client.post(f"/c/{tipworld.klass.public_token}/report/", data)
    again = client.post(f"/c/{tipworld.klass.public_token}/report/", data)
    assert receipt_of(first) == receipt_of(again)
    assert Tip.objects.count() == 1 and Case.objects.count() == 1
    assert Notification.objects.filter(user=tipworld.officer_user).count() == 1


def test_photos_are_stored_without_exif_or_their_name(client, tipworld):
    response = report(client, tipworld.klass, photos=[jpeg_with_gps()])
    assert response.status_code == 200
    photo = TipPhoto.objects.get()
    data = photo.file.read()
    assert b"Exif" not in data and b"PhoneMaker" not in data and b"GPS" not in data
    assert "张三" not in photo.file.name and "IMG" not in photo.file.name
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif()


def test_a_fake_image_is_refused_with_the_text_kept_and_nothing_saved(client, tipworld):
    fake = io.BytesIO(b"<?php system($_GET['c']); ?>" + b"x" * 100)
    fake.name = "photo.jpg"
    response = report(client, tipworld.klass, description="我想反映一个情况，请老师帮忙。", photos=[fake])
    html = response.content.decode()
    assert response.status_code == 200
    assert "我想反映一个情况，请老师帮忙。" in html  # what they typed is kept
    assert 'class="card problem"' in html
    assert Tip.objects.count() == 0 and TipPhoto.objects.count() == 0


def test_an_oversized_photo_is_refused(client, tipworld, settings):
    settings.MAX_PHOTO_BYTES = 10_000
    big = io.BytesIO()
    Image.effect_noise((800, 800), 100).convert("RGB").save(big, "PNG")
    big.seek(0)
    big.name = "big.png"
    response = report(client, tipworld.klass, photos=[big])
    assert 'class="card problem"' in response.content.decode()
    assert Tip.objects.count() == 0


def test_too_many_photos_are_refused(client, tipworld):
    photos = [jpeg_with_gps() for _ in range(4)]
    response = report(client, tipworld.klass, photos=photos)
    assert 'class="card problem"' in response.content.decode()
    assert Tip.objects.count() == 0


@pytest.mark.parametrize("field", ["description", "place", "people", "occurred"])
def test_script_in_a_text_field_is_refused_with_a_clear_message(client, tipworld, field):
    fields = {field: "<script>alert(1)</script> 有人打人了"}
    if field != "description":
        fields["description"] = "有人在操场打人"
    response = report(client, tipworld.klass, **fields)
    assert response.status_code == 200
    assert Tip.objects.count() == 0
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html  # shown back escaped


def test_an_enormous_text_is_refused(client, tipworld):
    response = report(client, tipworld.klass, description="欺" * 5001)
    assert response.status_code == 200 and Tip.objects.count() == 0
    assert "5001" in response.content.decode()  # "at most 5000 characters (it has 5001)"


def test_a_missing_category_or_description_is_explained(client, tipworld):
    page = client.get(f"/c/{tipworld.klass.public_token}/report/")
    response = client.post(f"/c/{tipworld.klass.public_token}/report/", {"form_key": form_key(page)})
    assert response.status_code == 200 and Tip.objects.count() == 0
    assert 'class="error"' in response.content.decode()


def test_a_form_without_our_signed_key_is_not_sent_but_keeps_the_text(client, tipworld):
    response = client.post(f"/c/{tipworld.klass.public_token}/report/", {
        "form_key": "forged:key", "category": "physical", "description": "有人打人，请帮忙"})
    assert Tip.objects.count() == 0
    assert "有人打人，请帮忙" in response.content.decode()
    # the page now carries a good key: sending it again works
    again = client.post(f"/c/{tipworld.klass.public_token}/report/", {
        "form_key": form_key(response), "category": "physical", "description": "有人打人，请帮忙"})
    assert len(receipt_of(again)) == 16 and Tip.objects.count() == 1


def test_an_unknown_class_token_is_a_plain_not_found(client, tipworld):
    for token in ("A" * 22, "nope", "%3Cscript%3E"):
        response = client.get(f"/c/{token}/report/")
        assert response.status_code == 404
        assert not response.cookies
    response = client.post(f"/c/{'B' * 22}/report/", {"category": "physical", "description": "有人打人"})
    assert response.status_code == 404 and Tip.objects.count() == 0


def test_a_database_failure_keeps_the_text_and_saves_nothing(client, tipworld, monkeypatch):
    from django.db import OperationalError
    from psycopg.errors import AdminShutdown

    from fazhi.tips import public_views

    def broken(**kwargs):  # the server was shut down: an outage (fazhi.lib.db.database_unavailable)
        raise OperationalError("database is down") from AdminShutdown("terminating connection")

    monkeypatch.setattr(public_views.services, "submit_tip", broken)
    response = report(client, tipworld.klass, description="宿舍里有人被打了")
    assert response.status_code == 503
    assert "宿舍里有人被打了" in response.content.decode()
    assert Tip.objects.count() == 0


def test_submissions_are_rate_limited_per_network_without_storing_the_address(client, tipworld, settings):
    settings.TIP_SUBMISSIONS_PER_WINDOW = 2
    assert report(client, tipworld.klass).status_code == 200
    assert report(client, tipworld.klass).status_code == 200
    blocked = report(client, tipworld.klass, description="第三条反映的内容")
    assert blocked.status_code == 429 and "第三条反映的内容" in blocked.content.decode()
    assert Tip.objects.count() == 2
    other_network = Client(REMOTE_ADDR="10.1.2.3")
    assert report(other_network, tipworld.klass).status_code == 200
    from django.core.cache import cache

    stored = " ".join(str(k) for k in cache._cache)  # LocMemCache keys
    assert "127.0.0.1" not in stored and "10.1.2.3" not in stored


def test_a_mistyped_receipt_is_caught_by_its_check_digit(client, tipworld):
    receipt = receipt_of(report(client, tipworld.klass))
    wrong = receipt[:-1] + str((int(receipt[-1]) + 1) % 10)
    response = client.post("/report/followup/", {"receipt": wrong})
    assert response.status_code == 200 and 'class="card problem"' in response.content.decode()
    assert "16" in response.content.decode()


def test_wrong_receipts_are_rate_limited(client, tipworld, settings):
    settings.TIP_FAILED_LOOKUPS_PER_WINDOW = 3
    receipt = receipt_of(report(client, tipworld.klass))
    unknown = receipts.receipt_for("someone-else")
    for _ in range(3):
        assert client.post("/report/followup/", {"receipt": unknown}).status_code in (200, 429)
    response = client.post("/report/followup/", {"receipt": receipt})
    assert response.status_code == 429  # even the right code waits once the limit is reached
    assert "已收到" not in response.content.decode() and "Received" not in response.content.decode()


def test_a_wrong_receipt_reveals_nothing_about_other_reports(client, tipworld):
    report(client, tipworld.klass, description="这是别人的秘密反映")
    response = client.post("/report/followup/", {"receipt": receipts.receipt_for("guess")})
    assert "这是别人的秘密反映" not in response.content.decode()
    assert not response.cookies


def test_an_urgent_report_alerts_the_officer_and_school_at_once(client, tipworld):
    report(client, tipworld.klass, in_danger="yes", category="self_harm", description="同桌说不想活了")
    tip = Tip.objects.get()
    assert tip.case.urgent and tip.case.next_escalation_at is not None
    kinds = dict(Notification.objects.values_list("user__username", "kind"))
    assert kinds == {"officer": "urgent_tip", "schooladmin": "urgent_tip"}
    assert CaseEvent.objects.filter(case=tip.case, kind="notified").exists()


def test_a_truncated_photo_is_refused_even_after_printing_switched_pillow_to_tolerant(client, tipworld):
    import weasyprint.images  # noqa: F401 — sets PIL.ImageFile.LOAD_TRUNCATED_IMAGES = True for the process
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES
    whole = jpeg_with_gps().getvalue()
    half = io.BytesIO(whole[: len(whole) // 2])
    half.name = "half.jpg"
    response = report(client, tipworld.klass, photos=[half])
    assert 'class="card problem"' in response.content.decode() and Tip.objects.count() == 0
