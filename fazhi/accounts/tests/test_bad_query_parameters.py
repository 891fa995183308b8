"""Odd query parameters (superscript digits, huge numbers, NUL bytes, scripts, impossible dates) never give a
server error on any list, export or form page."""

import pytest
from django.test import Client

PAGES = ["/units/", "/schools/", "/classes/", "/officers/", "/accounts/", "/assignments/", "/coverage/",
         "/handovers/", "/trainings/", "/pairings/", "/activities/", "/activities/new/", "/quotas/",
         "/ledgers/", "/figures/", "/changes/", "/noticeboards/print.pdf", "/cases/", "/cases/new/",
         "/cases/deadlines/", "/registers/hazards/", "/registers/disputes/", "/registers/items/",
         "/registers/hazards/new/", "/registers/disputes/new/", "/registers/items/new/", "/notices/",
         "/surveys/", "/surveys/new/", "/surveys/questionnaires/", "/confidential/students/",
         "/confidential/staff/", "/confidential/access-log/", "/oversight/", "/oversight/findings/",
         "/oversight/findings/overdue/", "/oversight/accountability/", "/oversight/checklists/", "/alerts/",
         "/alerts/digest/", "/circulars/", "/circulars/new/", "/dashboard/"]
PARAMS = ["school", "unit", "officer", "region", "year", "grade", "page", "kind", "status", "from", "to", "start",
          "end", "class", "q", "state", "category", "channel", "mine"]
VALUES = ["²", "99999999999", "\x00", "<script>", "2026-02-30", "-1"]


@pytest.mark.django_db
@pytest.mark.parametrize("value", VALUES)
def test_odd_parameters_give_no_server_error(world, value):
    client = Client(raise_request_exception=False)
    client.force_login(world.committee_admin)
    for page in PAGES:
        for param in PARAMS:
            status = client.get(page, {param: value}).status_code
            assert status < 500, (page, param, value, status)


@pytest.mark.django_db
def test_a_nul_byte_is_a_bad_request_even_on_the_public_page(world):
    client = Client(raise_request_exception=False)
    assert client.get("/c/aaaaaaaa%00/").status_code in (400, 404)
    client.force_login(world.committee_admin)
    assert client.get("/units/", {"q": "\x00"}).status_code == 400


@pytest.mark.django_db
def test_a_truncated_photo_is_a_form_error_not_a_server_error(world):
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (200, 200), (1, 2, 3)).save(buf, "JPEG")
    half = io.BytesIO(buf.getvalue()[: len(buf.getvalue()) // 2])
    half.name = "half.jpg"
    client = Client(raise_request_exception=False)
    client.force_login(world.liaison)
    response = client.post(f"/officers/{world.officer.pk}/edit/", {
        "unit": world.court.pk, "name": "李明", "gender": "M", "phone": world.officer.phone, "photo": half})
    assert response.status_code == 200 and "photo" in response.context["form"].errors


@pytest.mark.django_db
def test_an_absurd_start_date_is_refused(world):
    from fazhi.assignments import services
    from fazhi.assignments.models import Pairing

    Pairing.objects.create(unit=world.court, school=world.school, school_year=world.klass.school_year)
    a = services.propose(by=world.liaison, officer=world.officer, school_class=world.klass)
    client = Client(raise_request_exception=False)
    client.force_login(world.committee_admin)
    client.post(f"/assignments/{a.pk}/confirm/", {"starts_on": "9999-12-31"})
    a.refresh_from_db()
    assert a.status == "proposed"
    assert client.get(f"/assignments/{a.pk}/").status_code == 200
