"""An officer, on a phone, logs an education activity in their class with a photo taken on the spot, and finds
it in their list with the photo attached."""

import io
import re
import secrets

import pytest
from PIL import Image, ImageDraw

from fazhi.e2e.support import assert_accessible, log_in

pytestmark = pytest.mark.browser


def _photo(path) -> None:
    """A small real JPEG, as a phone camera would send (with a little drawing, so it is not one flat colour)."""
    image = Image.new("RGB", (640, 480), (200, 220, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((80, 120, 560, 400), fill=(183, 28, 28))
    draw.ellipse((260, 180, 380, 300), fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    path.write_bytes(buffer.getvalue())


def test_officer_logs_an_activity_with_a_photo_and_sees_it_in_the_list(e2e_server, new_page, shots, tmp_path):
    facts = e2e_server.facts
    title = f"校园防欺凌案例宣讲 {secrets.token_hex(3)}"
    photo = tmp_path / "IMG_0001.jpg"
    _photo(photo)

    page = new_page(phone=True)
    log_in(page, e2e_server, "officer")
    shots.snap(page, "officer-home")
    page.goto(f"{e2e_server.url}/activities/new/")
    form = page.locator("main form[enctype='multipart/form-data']")
    form.wait_for()
    assert_accessible(page, shots, "activity-form")

    page.select_option("select[name=kind]", "case_talk")
    klass = page.locator("#class-choices label", has_text=facts["officer_class"])
    klass.locator("input[name=classes]").check()
    page.set_input_files("#id_photos", str(photo))
    page.fill("input[name=students]", "46")
    page.locator("main form details summary").tap()
    page.fill("input[name=title]", title)
    page.fill("input[name=duration_minutes]", "40")
    shots.snap(page, "activity-filled")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").tap()

    # The activity's page: what was recorded, with the photo's thumbnail served to its owner.
    assert re.search(r"/activities/\d+/$", page.url), page.url
    page.locator("h1", has_text=title).wait_for()
    thumb = page.locator("p.thumbs img").first
    thumb.wait_for()
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", thumb.element_handle())
    assert_accessible(page, shots, "activity-recorded")
    detail_url = page.url

    # The list: the new activity first, with one piece of evidence.
    page.goto(f"{e2e_server.url}/activities/")
    row = page.locator("main table tbody tr", has_text=title)
    row.wait_for()
    assert row.locator("td").nth(2).inner_text().strip() == "1"  # one photo attached
    shots.snap(page, "activity-list")
    with page.expect_navigation():
        row.locator(f"a[href$='{detail_url.removeprefix(e2e_server.url)}']").tap()
    photo_url = e2e_server.url + page.locator("p.thumbs a").first.get_attribute("href")
    response = page.request.get(photo_url)
    assert response.status == 200 and response.headers["content-type"].startswith("image/")
    assert Image.open(io.BytesIO(response.body())).size == (640, 480)

    # A student's phone (no login) cannot fetch the photo.
    outsider = new_page(phone=True)
    response = outsider.request.get(photo_url, max_redirects=0)
    assert response.status in (302, 404)
