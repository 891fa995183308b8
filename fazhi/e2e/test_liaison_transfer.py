"""A liaison handles a transfer (不断茬): one of the unit's officers is transferred, the class opens a handover,
the liaison adds the officer the unit sends instead and proposes them for the class, the committee confirms, and
the class is covered again — on the handover list and on the class's public page."""

import re
import secrets

import pytest

from fazhi.e2e.support import log_in

pytestmark = pytest.mark.browser


def test_liaison_records_a_transfer_and_the_class_gets_a_replacement(e2e_server, new_page, shots):
    facts = e2e_server.facts
    leaving, klass = facts["transfer_officer"], facts["transfer_class"]
    newcomer = f"接替{secrets.choice('东南西北')}{secrets.choice('明华伟静')}"
    mobile = f"139{secrets.randbelow(10**8):08d}"

    page = new_page()
    log_in(page, e2e_server, "liaison")
    shots.snap(page, "liaison-home")

    # 1. The officer's page: record the transfer.
    page.goto(f"{e2e_server.url}/officers/?q={leaving}")
    with page.expect_navigation():
        page.locator(f"main a[href$='/officers/{facts['transfer_officer_id']}/']").first.click()
    page.locator("main details:has(form[action$='/status/']) summary").click()
    page.select_option("select[name=status]", "transferred")
    page.fill("input[name=reason]", "调任酒泉市公安局")
    shots.snap(page, "transfer-form")
    with page.expect_navigation():
        page.locator("form[action$='/status/'] button[type=submit]").click()
    page.locator("ul.messages li.success").wait_for()
    shots.snap(page, "transfer-recorded")

    # 2. The class is now waiting for a replacement.
    page.goto(f"{e2e_server.url}/handovers/?state=open")
    row = page.locator("main table tbody tr", has_text=leaving).filter(has_text=klass)
    row.wait_for()
    # "Propose a replacement" for that class
    assert row.locator(f"a[href$='?class={facts['transfer_class_id']}']").count() == 1
    shots.snap(page, "handover-open")

    # 3. The unit sends someone new: the liaison adds them.
    page.goto(f"{e2e_server.url}/officers/new/?unit={facts['transfer_unit_id']}")
    page.select_option("select[name=unit]", str(facts["transfer_unit_id"]))
    page.fill("input[name=name]", newcomer)
    page.select_option("select[name=gender]", "F")
    page.fill("input[name=phone]", mobile)
    page.fill("input[name=title]", "社区民警")
    shots.snap(page, "new-officer-form")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert re.search(r"/officers/\d+/$", page.url), page.url
    page.locator("h1", has_text=newcomer).wait_for()

    # 4. From the handover list, propose the newcomer for the class.
    page.goto(f"{e2e_server.url}/handovers/?state=open")
    with page.expect_navigation():
        row.locator(f"a[href$='?class={facts['transfer_class_id']}']").click()
    option = page.locator("select[name=officer] option", has_text=newcomer)
    page.select_option("select[name=officer]", option.get_attribute("value"))
    shots.snap(page, "proposal-form")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert re.search(r"/assignments/\d+/$", page.url), page.url
    page.locator("h1 .badge.proposed").wait_for()
    proposal_url = page.url
    shots.snap(page, "proposed")

    # 5. The committee reviews and confirms it from today.
    committee = new_page()
    log_in(committee, e2e_server, "committee")
    committee.goto(proposal_url)
    committee.locator("main dl", has_text=newcomer).wait_for()
    with committee.expect_navigation():
        committee.locator("form[action$='/confirm/'] button[type=submit]").click()
    committee.locator("h1 .badge.active").wait_for()
    shots.snap(committee, "committee-confirmed")

    # 6. The liaison sees the handover closed with the replacement; the class page shows the new officer.
    page.goto(f"{e2e_server.url}/handovers/?state=open")
    assert page.locator("main table tbody tr", has_text=leaving).filter(has_text=klass).count() == 0
    page.goto(f"{e2e_server.url}/handovers/?state=closed")
    closed = page.locator("main table tbody tr", has_text=leaving).filter(has_text=klass)
    closed.wait_for()
    assert newcomer in closed.inner_text()
    shots.snap(page, "handover-closed")
    public = new_page(phone=True)
    public.goto(facts["transfer_class_url"])
    assert public.locator("#officer .name").inner_text().strip() == newcomer
    assert mobile[-4:] in public.locator("#officer a.call").first.inner_text().replace(" ", "")
    shots.snap(public, "class-page-new-officer")
