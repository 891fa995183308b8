"""The committee's administrator prints a school's noticeboards and publishes a work circular."""

import io
import re
import secrets

import pytest
from pypdf import PdfReader

from fazhi.e2e.support import log_in

pytestmark = pytest.mark.browser


def test_committee_prints_a_schools_noticeboards_as_one_pdf(e2e_server, new_page, shots, tmp_path):
    facts = e2e_server.facts
    page = new_page(accept_downloads=True)
    log_in(page, e2e_server, "committee")
    page.goto(f"{e2e_server.url}/schools/?q={facts['school']}")
    shots.snap(page, "school-list")
    with page.expect_navigation():
        page.locator(f"main a[href$='/schools/{facts['school_id']}/']").first.click()
    page.locator("h1", has_text=facts["school"]).wait_for()
    shots.snap(page, "school-detail")
    with page.expect_download(timeout=120_000) as download_info:
        page.locator(f"main a[href$='print.pdf?school={facts['school_id']}']").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    target = tmp_path / "noticeboards.pdf"
    download.save_as(target)
    data = target.read_bytes()
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == facts["school_classes"]  # one A4 page per class
    first = reader.pages[0]
    assert round(float(first.mediabox.width) / 72 * 25.4) == 210  # A4 portrait
    assert facts["school"] in first.extract_text()


def test_committee_drafts_and_publishes_a_circular(e2e_server, new_page, shots):
    number = f"敦政法〔2026〕{secrets.randbelow(900) + 100}号"
    title = "关于法治班主任工作情况的通报"
    page = new_page()
    log_in(page, e2e_server, "committee")
    page.goto(f"{e2e_server.url}/circulars/")
    shots.snap(page, "circular-list")
    with page.expect_navigation():
        page.locator("main a[href$='/circulars/new/']").first.click()
    page.fill("input[name=title]", title)
    page.fill("input[name=number]", number)
    shots.snap(page, "circular-form")
    with page.expect_navigation(timeout=60_000):
        page.locator("main form button[type=submit]").click()
    assert re.search(r"/circulars/\d+/$", page.url), page.url
    detail_url = page.url
    page.locator("article header h1", has_text=title).wait_for()
    assert page.locator("article header", has_text=number).count() == 1
    assert page.locator("article h2").count() >= 1  # the sections compiled from the records
    shots.snap(page, "circular-draft")

    with page.expect_navigation():
        page.locator("main a[href$='/publish/']").click()
    # Publishing without ticking the box is refused by the browser (required) — tick it, then publish.
    page.check("input[name=confirm]")
    shots.snap(page, "circular-publish")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.url == detail_url
    page.locator("ul.messages li.success").wait_for()
    page.locator("article header mark").wait_for()
    status_line = page.locator("article header p").first.inner_text()
    published_on = re.search(r"\d{4}-\d{2}-\d{2}", status_line).group()
    assert page.locator("main a[href$='/publish/']").count() == 0  # frozen: no more editing or publishing
    assert page.locator("main a[href$='/edit/']").count() == 0
    shots.snap(page, "circular-published")

    # The list shows it published.
    page.goto(f"{e2e_server.url}/circulars/")
    row = page.locator("main table tbody tr", has_text=number)
    row.wait_for()
    shots.snap(page, "circular-list-after")
    assert published_on in row.locator("td").nth(4).inner_text()  # status: published, on that day
