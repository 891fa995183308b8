"""Odd query parameters (superscript digits, huge numbers, NUL bytes, scripts, impossible dates) never give a
server error on any list, export or form page."""

import pytest
from django.test import Client

PAGES = ["/units/", "/schools/", "/classes/", "/officers/", "/accounts/", "/assignments/", "/coverage/",
         "/handovers/", "/trainings/", "/pairings/", "/activities/", "/activities/new/", "/quotas/",
         "/ledgers/", "/figures/", "/changes/", "/noticeboards/print.pdf"]
PARAMS = ["school", "unit", "officer", "region", "year", "grade", "page", "kind", "status", "from", "to", "start",
          "end", "class", "q"]
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
