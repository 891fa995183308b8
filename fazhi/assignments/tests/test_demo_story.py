"""The issue's "done when", on the demo city: it starts fully covered; an officer's transfer uncovers a class;
the liaison proposes, the committee confirms, coverage is back to 100 % and the gap is on record."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from fazhi.accounts.models import User
from fazhi.assignments.models import Assignment, Handover

pytestmark = pytest.mark.django_db


def coverage_json():
    out = StringIO()
    call_command("coverage", "--json", "--region", "620982", stdout=out)
    return json.loads(out.getvalue())


def test_demo_city_story(client):
    call_command("seed_demo", stdout=StringIO())
    start = coverage_json()
    assert start["classes"] == 565 and start["covered"] == 565 and start["coverage_percent"] == 100.0
    assert Assignment.objects.filter(role="vice_principal", status="active").count() == 40

    liaison = User.objects.get(username="liaison")  # 敦煌市公安局
    committee = User.objects.get(username="committee")
    leaving = Assignment.objects.filter(officer__unit__name="敦煌市公安局", status="active", role="homeroom").first()
    klass = leaving.school_class
    client.force_login(liaison)
    when = timezone.localdate() - datetime.timedelta(days=3)
    client.post(f"/officers/{leaving.officer_id}/status/", {"status": "transferred", "changed_on": when.isoformat()})
    after = coverage_json()
    assert after["covered"] == 564
    assert [row["class_id"] for row in after["uncovered"]] == [klass.pk]
    assert after["uncovered"][0]["days_uncovered"] == 3

    # the liaison proposes a free officer of the unit: the demo has none free, so the committee first
    # allows two classes per officer, as the rules page would
    from fazhi.assignments.models import Policy

    Policy.objects.create(region_id="620982", max_classes_per_officer=2)
    replacement = Assignment.objects.filter(officer__unit__name="敦煌市公安局", status="active",
                                            school=klass.school).exclude(officer_id=leaving.officer_id).first().officer
    assert client.post(f"/assignments/new/?class={klass.pk}", {"officer": replacement.pk}).status_code == 302
    proposal = Assignment.objects.get(school_class=klass, status="proposed")
    client.force_login(committee)
    client.post(f"/assignments/{proposal.pk}/confirm/", {"starts_on": timezone.localdate().isoformat()})
    final = coverage_json()
    assert final["covered"] == 565 and final["coverage_percent"] == 100.0
    gap = Handover.objects.get(school_class=klass)
    assert gap.closed_on == timezone.localdate() and gap.days_uncovered() == 3
