"""A student on a phone scans the class's QR code, reports anonymously, keeps the receipt, and later reads the
handler's answer. The handler (the class's officer, demo login `officer`) answers through the staff pages in a
second browser context of their own."""

import re
import secrets

import pytest

from fazhi.e2e.support import assert_accessible, log_in

pytestmark = pytest.mark.browser


def test_student_reports_from_the_class_page_and_reads_the_reply_with_the_receipt(e2e_server, new_page, shots):
    facts = e2e_server.facts
    marker = secrets.token_hex(3)
    description = f"放学后在车棚有高年级同学抢低年级同学的零花钱，已经好几次了。编号{marker}"
    answer = f"我们已经收到，明天会到学校了解情况，请放心。{marker}"

    # The student: a phone, Chinese, no account. The QR code on the noticeboard opens the class page.
    phone = new_page(phone=True)
    response = phone.goto(facts["officer_class_url"])
    assert response.status == 200
    assert response.headers.get("set-cookie") is None
    phone.locator("h1", has_text=facts["officer_class"]).wait_for()
    shots.snap(phone, "class-page")

    phone.locator("#tips a.call").tap()
    phone.wait_for_url(re.compile(r"/c/[\w-]+/report/$"))
    phone.locator("form.tipform").wait_for()
    shots.snap(phone, "report-form")

    # The category is a list of radio buttons; "bullying: property" is the one this story is about.
    phone.locator("label.choice", has=phone.locator("input[name=category][value=property]")).tap()
    phone.fill("textarea[name=description]", description)
    phone.fill("input[name=place]", "学校车棚")
    phone.locator("label.choice", has=phone.locator("input[name=reporter_role][value=student]")).tap()
    shots.snap(phone, "report-filled")
    with phone.expect_navigation():
        phone.locator("button.send").tap()
    code = phone.locator("p.code")
    code.wait_for()
    receipt = re.sub(r"\D", "", code.inner_text())
    assert len(receipt) == 16, code.inner_text()
    shots.snap(phone, "receipt")

    # The handler: the class's officer, on a desktop. The notification carries no content, only the link.
    desk = new_page()
    log_in(desk, e2e_server, "officer")
    desk.goto(f"{e2e_server.url}/notices/")
    shots.snap(desk, "handler-notifications")
    assert marker not in desk.content()
    with desk.expect_navigation():
        desk.locator("main table tbody tr.unread a").first.click()
    desk.locator(".said", has_text=marker).wait_for()
    shots.snap(desk, "handler-case")
    with desk.expect_navigation():
        desk.locator("form[action$='/acknowledge/'] button[type=submit]").click()
    desk.fill("textarea[name=body]", answer)
    with desk.expect_navigation():
        desk.locator("form[action$='/message/'] button[type=submit]").click()
    desk.locator("main", has_text=answer).wait_for()
    assert_accessible(desk, shots, "handler-replied")  # the case page, with its thread and forms

    # Later, the student opens the follow-up page from the class page and types the receipt.
    phone.goto(facts["officer_class_url"])
    with phone.expect_navigation():
        phone.locator("#tips a[href$='/report/followup/']").tap()
    phone.fill("input[name=receipt]", " ".join(receipt[i:i + 4] for i in range(0, 16, 4)))
    shots.snap(phone, "followup-receipt-typed")
    with phone.expect_navigation():
        phone.locator("main form button[type=submit]").tap()
    thread = phone.locator("ul.thread li.theirs")
    thread.first.wait_for()
    assert answer in thread.first.inner_text()
    phone.locator("details summary").tap()  # "What you wrote", folded away by default
    assert description in phone.locator("p.said").inner_text()
    assert_accessible(phone, shots, "followup-reply-read")

    # A wrong receipt shows nothing of the report.
    phone.goto(f"{e2e_server.url}/report/followup/")
    phone.fill("input[name=receipt]", str(int(receipt) ^ 1).zfill(16))
    with phone.expect_navigation():
        phone.locator("main form button[type=submit]").tap()
    phone.locator("[role=alert]").wait_for()
    assert marker not in phone.content()
    shots.snap(phone, "followup-wrong-receipt")
