"""Lists count their records up to a cap, so a province-wide list costs what a county's does; drop-downs give way
to the search box when a scope has too many choices."""

import pytest

from fazhi.activities.models import Activity, Kind
from fazhi.lib.pagination import CappedPaginator, few
from fazhi.org.models import School

pytestmark = pytest.mark.django_db


@pytest.fixture
def activities(world):
    Activity.objects.bulk_create([Activity(kind=Kind.TALK, date="2026-10-01", school=world.school) for _ in range(12)])
    return Activity.objects.order_by("pk")


def test_the_count_stops_at_the_cap(activities, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 10)
    paginator = CappedPaginator(activities, 3)
    assert paginator.count == 10 and paginator.more and paginator.num_pages == 4
    assert [a.pk for a in paginator.get_page(1)] == list(activities.values_list("pk", flat=True)[:3])
    monkeypatch.setattr(CappedPaginator, "cap", 12)
    exact = CappedPaginator(activities, 3)
    assert exact.count == 12 and not exact.more


def test_the_page_says_there_are_more(client, world, activities, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 10)
    client.force_login(world.committee_admin)
    text = client.get("/activities/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "More than 10 records: narrow the filters to see the rest." in text
    monkeypatch.setattr(CappedPaginator, "cap", 100)
    text = client.get("/activities/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "12 records" in text and "More than" not in text


def test_a_drop_down_gives_way_to_the_search_box_above_the_limit(world):
    schools = School.objects.order_by("name")
    n = schools.count()
    assert few(schools, limit=n) == list(schools)
    assert few(schools, limit=n - 1) == []


def test_the_activity_search_finds_schools_and_officers_by_name(client, world):
    Activity.objects.create(kind=Kind.TALK, date="2026-10-01", school=world.school, officer=world.officer)
    Activity.objects.create(kind=Kind.TALK, date="2026-10-02", school=world.school2)
    client.force_login(world.committee_admin)
    by_school = client.get("/activities/", {"q": world.school2.name}).context["page_obj"]
    assert [a.school_id for a in by_school] == [world.school2.pk]
    by_officer = client.get("/activities/", {"q": world.officer.name}).context["page_obj"]
    assert [a.officer_id for a in by_officer] == [world.officer.pk]
