"""Accessibility: axe-core (vendored, fazhi/e2e/vendor/) on the public pages at phone size and on the main staff
pages at desktop size. Any violation of impact "serious" or "critical" fails the test, listed with its rule, help
text and the first elements it was found on.

axe is injected with `page.evaluate` (see fazhi/e2e/support.py), so the pages keep their Content-Security-Policy.
The journeys also check the pages only they reach (a follow-up with the handler's answer, the activity form on a
phone).
"""

import re

import pytest

from fazhi.e2e.support import check, log_in

pytestmark = pytest.mark.browser


def test_public_pages_have_no_serious_accessibility_violations(e2e_server, new_page, shots):
    facts, problems = e2e_server.facts, []
    page = new_page(phone=True)
    page.goto(facts["officer_class_url"])
    check(page, shots, "class-page", problems)
    page.click("#tips a.call")
    page.wait_for_url(re.compile(r"/report/$"))
    check(page, shots, "report-form", problems)
    # The form sent empty: the page with its error messages.
    with page.expect_navigation():
        page.click("button.send")
    assert page.locator(".error").count() >= 2  # category and description are required
    check(page, shots, "report-form-errors", problems)
    page.check("input[name=category] >> nth=0")
    page.fill("textarea[name=description]", "无障碍检查：在操场上有人推搡同学。")
    page.click("button.send")
    receipt = page.locator("p.code")
    receipt.wait_for()
    assert re.fullmatch(r"[\d ]{16,20}", receipt.inner_text().strip())
    check(page, shots, "receipt", problems)
    page.goto(f"{e2e_server.url}/report/followup/")
    check(page, shots, "followup", problems)
    page.fill("input[name=receipt]", "1234123412341234")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    check(page, shots, "followup-unknown-receipt", problems)
    page.goto(f"{e2e_server.url}/report/privacy/")
    check(page, shots, "privacy", problems)
    page.goto(f"{e2e_server.url}/s/")
    check(page, shots, "survey-enter", problems)
    assert facts["survey_code"], "seed_demo made no open survey: the survey page would go unchecked"
    page.goto(f"{e2e_server.url}/s/{facts['survey_code']}/")
    check(page, shots, "survey-take", problems)
    page.goto(f"{e2e_server.url}/c/not-a-class-token-000000/")
    check(page, shots, "class-page-missing", problems)
    page.goto(f"{e2e_server.url}/login/")
    check(page, shots, "login", problems)
    assert not problems, "serious or critical accessibility violations:\n" + "\n".join(problems)


STAFF_PAGES = [  # (login, label, path)
    ("committee", "home", "/"),
    ("committee", "dashboard", "/dashboard/"),
    ("committee", "school-list", "/schools/"),
    ("committee", "class-list", "/classes/"),
    ("committee", "officer-list", "/officers/"),
    ("committee", "activity-list", "/activities/"),
    ("committee", "case-list", "/cases/"),
    ("committee", "assignment-list", "/assignments/"),
    ("committee", "coverage", "/coverage/"),
    ("committee", "handovers", "/handovers/"),
    ("committee", "circular-list", "/circulars/"),
    ("committee", "circular-form", "/circulars/new/"),
    ("officer", "officer-home", "/"),
    ("officer", "activity-form", "/activities/new/"),
    ("officer", "officer-activity-list", "/activities/"),
    ("officer", "officer-case-list", "/cases/"),
    ("liaison", "liaison-home", "/"),
]


def test_staff_pages_have_no_serious_accessibility_violations(e2e_server, new_page, shots):
    problems, pages = [], {}
    for username, label, path in STAFF_PAGES:
        if username not in pages:
            pages[username] = new_page()
            log_in(pages[username], e2e_server, username)
        page = pages[username]
        response = page.goto(f"{e2e_server.url}{path}")
        assert response.status == 200, f"{label}: {path} answered {response.status}"
        check(page, shots, f"{username}-{label}", problems)
        if label in ("case-list", "circular-list", "school-list", "officer-list"):
            # and the first item's detail page
            with page.expect_navigation():
                page.locator("main table tbody a").first.click()
            check(page, shots, f"{username}-{label}-detail", problems)
    assert not problems, "serious or critical accessibility violations:\n" + "\n".join(problems)


def test_the_check_finds_a_violation_when_there_is_one(e2e_server, new_page, shots):
    """The harness itself: an image without a text alternative (critical) and a button without a name are
    reported, so a green run means axe looked."""
    page = new_page(phone=True)
    page.goto(f"{e2e_server.url}/report/privacy/")
    page.evaluate("""() => {
        const main = document.querySelector('main');
        const img = document.createElement('img');
        img.src = '/static/none.png';
        main.append(img, document.createElement('button'));
    }""")
    problems = []
    check(page, shots, "privacy-broken-on-purpose", problems)
    assert any("image-alt" in p for p in problems) and any("button-name" in p for p in problems), problems
