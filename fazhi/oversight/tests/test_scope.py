"""Each persona sees exactly its scope; an outsider gets 404 from every object URL and action."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fazhi.oversight.models import Finding, FindingPhoto, Inspection
from fazhi.oversight.tests.helpers import builtin, days, finding, inspection, jpeg, record


@pytest.fixture
def oversight(world):
    w = world
    w.insp = inspection(w)
    w.insp.schools.set([w.school, w.school2])
    w.insp.units.set([w.court, w.police])
    w.f_school = finding(w.insp, school=w.school)
    w.f_school2 = finding(w.insp, school=w.school2)
    w.f_court = finding(w.insp, unit=w.court)
    w.f_officer = finding(w.insp, officer=w.officer)
    w.f_police_officer = finding(w.insp, officer=w.officer2)
    w.r_court = record(w, unit=w.court, finding=w.f_court)
    w.r_officer = record(w, officer=w.officer, finding=w.f_officer)
    w.r_police = record(w, unit=w.police)
    photo = FindingPhoto(finding=w.f_school)
    from django.core.files.base import ContentFile

    photo.file.save("x.jpg", ContentFile(jpeg().read()), save=False)
    photo.save()
    w.photo = photo
    return w


def ids(client, url, pattern):
    return {int(x) for x in re.findall(pattern, client.get(url).content.decode())}


FINDING_RE = r'href="/oversight/findings/(\d+)/"'
RECORD_RE = r'href="/oversight/accountability/(\d+)/"'


@pytest.mark.parametrize("persona, findings, records", [
    ("committee_admin", "all", "all"),
    ("education_staff", "all", "all"),
    ("inspector", "all", "all"),
    ("liaison", {"f_court", "f_officer"}, {"r_court", "r_officer"}),
    ("officer", {"f_officer"}, {"r_officer"}),
    ("school_admin", {"f_school"}, None),
    ("teacher", None, None),
    ("outsider", set(), set()),
])
def test_each_persona_sees_its_scope(client, oversight, persona, findings, records):
    w = oversight
    client.force_login(w.personas[persona])
    all_f = {"f_school", "f_school2", "f_court", "f_officer", "f_police_officer"}
    all_r = {"r_court", "r_officer", "r_police"}
    for url, expected, pattern, every in (
            (reverse("oversight:finding_list"), findings, FINDING_RE, all_f),
            (reverse("oversight:accountability_list"), records, RECORD_RE, all_r)):
        if expected is None:
            assert client.get(url).status_code == 404, (persona, url)
            continue
        names = every if expected == "all" else expected
        assert ids(client, url, pattern) == {getattr(w, n).pk for n in names}, (persona, url)
        for n in every:
            detail = (reverse("oversight:finding_detail", args=[getattr(w, n).pk]) if n.startswith("f_")
                      else reverse("oversight:accountability_detail", args=[getattr(w, n).pk]))
            assert client.get(detail).status_code == (200 if n in names else 404), (persona, detail)
    can_see_inspection = persona in ("committee_admin", "education_staff", "inspector")
    assert client.get(reverse("oversight:inspection_detail", args=[w.insp.pk])).status_code == (
        200 if can_see_inspection else 404)


def object_urls(w):
    return [
        ("get", reverse("oversight:inspection_detail", args=[w.insp.pk])),
        ("get", reverse("oversight:inspection_edit", args=[w.insp.pk])),
        ("post", reverse("oversight:inspection_edit", args=[w.insp.pk])),
        ("get", reverse("oversight:finding_create", args=[w.insp.pk])),
        ("post", reverse("oversight:finding_create", args=[w.insp.pk])),
        ("get", reverse("oversight:finding_detail", args=[w.f_school.pk])),
        ("get", reverse("oversight:finding_rectify", args=[w.f_school.pk])),
        ("post", reverse("oversight:finding_rectify", args=[w.f_school.pk])),
        ("get", reverse("oversight:photo_file", args=[w.photo.pk])),
        ("get", reverse("oversight:photo_thumbnail", args=[w.photo.pk])),
        ("get", reverse("oversight:accountability_detail", args=[w.r_court.pk])),
        ("get", reverse("oversight:unit_ledger", args=[w.court.pk])),
        ("get", reverse("oversight:officer_ledger", args=[w.officer.pk])),
    ]


def test_outsider_gets_404_everywhere(client, oversight):
    w = oversight
    client.force_login(w.outsider)
    own = inspection(w, region=w.suzhou)
    template = own.template
    for method, url in [*object_urls(w), ("post", reverse("oversight:template_copy", args=[template.pk]))]:
        if "checklists" in url:
            continue
        response = getattr(client, method)(url, {"rectified_on": days(0).isoformat(), "rectification": "x"}
                                           if method == "post" else None)
        assert response.status_code == 404, (method, url)
    w.f_school.refresh_from_db()
    assert w.f_school.rectified_on is None
    # the outsider's own checklist copy is not visible to Dunhuang either
    client.post(reverse("oversight:template_copy", args=[builtin().pk]))
    copy = own.template.copies.get()
    client.force_login(w.committee_admin)
    for name in ("template_detail", "template_edit"):
        assert client.get(reverse(f"oversight:{name}", args=[copy.pk])).status_code == 404
    assert client.post(reverse("oversight:template_copy", args=[copy.pk])).status_code == 404


def test_read_only_roles_get_404_from_write_pages(client, oversight):
    w = oversight
    client.force_login(w.inspector)  # records findings, does not plan
    assert client.get(reverse("oversight:inspection_create")).status_code == 404
    assert client.get(reverse("oversight:inspection_edit", args=[w.insp.pk])).status_code == 404
    assert client.get(reverse("oversight:accountability_create")).status_code == 404
    client.force_login(w.education_staff)  # plans, does not record findings
    assert client.get(reverse("oversight:inspection_create")).status_code == 200
    assert client.get(reverse("oversight:finding_create", args=[w.insp.pk])).status_code == 404
    for persona in ("liaison", "officer", "school_admin", "teacher"):
        client.force_login(w.personas[persona])
        for name in ("inspection_create", "accountability_create", "inspection_list", "template_list"):
            assert client.get(reverse(f"oversight:{name}")).status_code == 404, (persona, name)
        assert client.get(reverse("oversight:finding_create", args=[w.insp.pk])).status_code == 404


ODD = ["", "x", "-1", "0", "1e9", "99999999999999999999", "١", "²", "<script>", "2026-13-45", "%00", "'; --"]


@pytest.mark.parametrize("value", ODD)
def test_odd_query_params_never_500(client, oversight, value):
    client.force_login(oversight.committee_admin)
    for name in ("inspection_list", "finding_list", "overdue_list", "accountability_list", "template_list",
                 "inspection_create", "accountability_create"):
        params = {k: value for k in ("state", "severity", "school", "unit", "inspection", "measure", "from",
                                     "to", "q", "page", "finding", "item")}
        assert client.get(reverse(f"oversight:{name}"), params).status_code in (200, 404), (name, value)
    for name, pk in (("unit_ledger", oversight.court.pk), ("officer_ledger", oversight.officer.pk),
                     ("finding_create", oversight.insp.pk)):
        assert client.get(reverse(f"oversight:{name}", args=[pk]), {"page": value, "from": value,
                                                                     "item": value}).status_code == 200


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_list_query_counts_are_flat(client, oversight):
    w = oversight
    client.force_login(w.committee_admin)
    urls = [reverse(f"oversight:{n}") for n in ("inspection_list", "finding_list", "overdue_list",
                                                "accountability_list", "template_list")]
    urls += [reverse("oversight:inspection_detail", args=[w.insp.pk]),
             reverse("oversight:unit_ledger", args=[w.court.pk])]
    before = {u: count_queries(client, u) for u in urls}
    for n in range(6):
        insp = inspection(w, title=f"检查{n}")
        finding(insp, school=w.school, deadline=days(-2))
        finding(insp, officer=w.officer, deadline=days(-3))
        finding(w.insp, unit=w.court, deadline=days(-2))
        record(w, officer=w.officer)
        record(w, unit=w.court)
    after = {u: count_queries(client, u) for u in urls}
    assert before == after


def test_inspections_of_another_region_cannot_be_targeted(client, world):
    client.force_login(world.committee_admin)
    response = client.post(reverse("oversight:inspection_create"), {
        "region": world.suzhou.pk, "title": "越权", "date": days(0).isoformat(), "agencies": ["committee"],
        "template": builtin().pk, "state": "planned"})
    assert response.status_code == 400
    response = client.post(reverse("oversight:inspection_create"), {
        "region": world.dunhuang.pk, "title": "越权", "date": days(0).isoformat(), "agencies": ["committee"],
        "template": builtin().pk, "state": "planned", "schools": [world.other_school.pk]})
    assert response.status_code == 400
    assert not Inspection.objects.exists()
    assert not Finding.objects.exists()


def test_moving_an_inspection_does_not_move_its_findings_out_of_their_region(client, world):
    """A finding about a Dunhuang school stays with Dunhuang even if its inspection is moved to another county."""
    import datetime

    from fazhi.oversight.models import ChecklistTemplate, Finding, Inspection

    insp = Inspection.objects.create(region=world.dunhuang, title="检查", date=datetime.date.today(),
                                     agencies=["committee"], template=ChecklistTemplate.objects.first())
    finding = Finding.objects.create(inspection=insp, school=world.school, description="x", requirement="y",
                                     deadline=datetime.date.today())
    Inspection.objects.filter(pk=insp.pk).update(region=world.suzhou)
    assert finding in Finding.objects.visible_to(world.committee_admin)
