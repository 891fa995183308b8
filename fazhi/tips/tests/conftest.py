import re

import pytest
from django.utils import timezone

from fazhi.assignments.models import Assignment, Pairing


@pytest.fixture
def tipworld(world):
    """The world, with the court's officer 李明 holding class 七年级(3)班 of the second middle school (the court
    is paired with the school), so that tips of that class reach the officer, the school, the liaison and the
    committee."""
    year = world.klass.school_year
    pairing = Pairing.objects.create(unit=world.court, school=world.school, school_year=year)
    world.assignment = Assignment.objects.create(
        officer=world.officer, school=world.school, school_class=world.klass, school_year=year, pairing=pairing,
        status=Assignment.Status.ACTIVE, load_slot=1, starts_on=timezone.localdate(world.klass.created_at))
    return world


def form_key(response) -> str:
    return re.search(r'name="form_key" value="([^"]+)"', response.content.decode()).group(1)


def receipt_of(response) -> str:
    return re.search(r'<p class="code"[^>]*>([^<]+)<', response.content.decode()).group(1).replace(" ", "")


def report(client, klass, **fields):
    """Open the class's report form and send it; returns the response."""
    page = client.get(f"/c/{klass.public_token}/report/")
    data = {"form_key": form_key(page), "category": "physical", "description": "有人在厕所打人，已经好几次了。",
            "in_danger": "no"}
    data.update(fields)
    return client.post(f"/c/{klass.public_token}/report/", data)
