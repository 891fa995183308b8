"""What is refused: a finding without exactly one target, deadlines before the inspection, markup, agencies
that do not exist, accountability records about two targets."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from fazhi.oversight.models import AccountabilityRecord, Finding, Inspection
from fazhi.oversight.tests.helpers import builtin, days, inspection


def finding_post(world, **fields):
    data = {"school": world.school.pk, "severity": "minor", "description": "公示牌缺失", "requirement": "张贴",
            "deadline": days(5).isoformat()}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize("fields, error", [
    ({"school": None}, "exactly one"),
    ({"unit": "COURT"}, "exactly one"),
    ({"officer": "OFFICER"}, "exactly one"),
    ({"deadline": "BEFORE"}, "before the inspection"),
    ({"description": "<script>alert(1)</script>"}, "markup"),
    ({"requirement": "<b onmouseover=x>整改</b>"}, "markup"),
    ({"school": "OTHER"}, ""),
    ({"severity": "catastrophic"}, ""),
])
def test_bad_findings_are_refused(client, world, fields, error):
    insp = inspection(world, date=days(-10))
    insp.schools.set([world.school])
    insp.units.set([world.court])
    subst = {"COURT": world.court.pk, "OFFICER": world.officer.pk, "OTHER": world.other_school.pk,
             "BEFORE": days(-11).isoformat()}
    fields = {k: subst.get(v, v) for k, v in fields.items()}
    client.force_login(world.inspector)
    response = client.post(reverse("oversight:finding_create", args=[insp.pk]), finding_post(world, **fields),
                           HTTP_ACCEPT_LANGUAGE="en")  # the messages are checked in English
    assert response.status_code == 400
    form = response.context["form"]
    if error == "markup":
        assert any(form.has_error(name, code="markup") for name in fields)
    else:
        assert error in response.content.decode()
    assert not Finding.objects.exists()


def test_the_database_refuses_two_targets(world):
    insp = inspection(world)
    base = {"inspection": insp, "description": "x", "requirement": "y", "deadline": days(1)}
    for targets in ({"school": world.school, "unit": world.court}, {},
                    {"unit": world.court, "officer": world.officer}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Finding.objects.create(**base, **targets)
    for targets in ({"unit": world.court, "officer": world.officer}, {}):
        with pytest.raises(IntegrityError), transaction.atomic():
            AccountabilityRecord.objects.create(region=world.dunhuang, measure="talk", date=days(0), reason="x",
                                                **targets)


def test_rectification_is_checked(client, world):
    insp = inspection(world, date=days(-10))
    f = Finding.objects.create(inspection=insp, school=world.school, description="x", requirement="y",
                               deadline=days(-1))
    client.force_login(world.school_admin)
    url = reverse("oversight:finding_rectify", args=[f.pk])
    for data in ({"rectified_on": days(1).isoformat(), "rectification": "好"},
                 {"rectified_on": days(-11).isoformat(), "rectification": "好"},
                 {"rectified_on": days(0).isoformat(), "rectification": "<script>x</script>"},
                 {"rectified_on": days(0).isoformat(), "rectification": ""}):
        assert client.post(url, data).status_code == 400, data
    f.refresh_from_db()
    assert f.rectified_on is None


@pytest.mark.parametrize("agencies", [[], ["army"], ["committee", "<script>"]])
def test_agencies_must_be_known(client, world, agencies):
    client.force_login(world.committee_admin)
    response = client.post(reverse("oversight:inspection_create"), {
        "region": world.dunhuang.pk, "title": "检查", "date": days(0).isoformat(), "agencies": agencies,
        "template": builtin().pk, "state": "planned"})
    assert response.status_code == 400 and not Inspection.objects.exists()


def test_model_clean_checks_agencies(world):
    from django.core.exceptions import ValidationError

    insp = Inspection(region=world.dunhuang, title="t", date=datetime.date(2026, 9, 1), agencies=["navy"],
                      template=builtin())
    with pytest.raises(ValidationError):
        insp.full_clean()


def test_inspection_title_refuses_markup(client, world):
    client.force_login(world.committee_admin)
    response = client.post(reverse("oversight:inspection_create"), {
        "region": world.dunhuang.pk, "title": "<script>alert(1)</script>", "date": days(0).isoformat(),
        "agencies": ["committee"], "template": builtin().pk, "state": "planned"})
    assert response.status_code == 400 and response.context["form"].has_error("title", code="markup")


@pytest.mark.parametrize("fields", [
    {"unit": "COURT", "officer": "OFFICER"},
    {},
    {"unit": "OTHER_COURT"},
    {"unit": "COURT", "reason": "<script>x</script>"},
    {"unit": "COURT", "date": "FUTURE"},
    {"unit": "COURT", "measure": "fine"},
])
def test_bad_accountability_records_are_refused(client, world, fields):
    subst = {"COURT": world.court.pk, "OFFICER": world.officer.pk, "OTHER_COURT": world.other_court.pk,
             "FUTURE": days(3).isoformat()}
    data = {"measure": "talk", "date": days(0).isoformat(), "reason": "履职不到位"}
    data.update({k: subst.get(v, v) for k, v in fields.items()})
    client.force_login(world.committee_admin)
    assert client.post(reverse("oversight:accountability_create"), data).status_code == 400
    assert not AccountabilityRecord.objects.exists()
