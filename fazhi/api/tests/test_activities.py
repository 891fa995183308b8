"""Recording an activity through the API: the recording page's form, checks and service, so a record made from
a mini-program is the record the page would have made; a refused one writes nothing."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from fazhi.activities.models import Activity, Evidence
from fazhi.api.tests.conftest import bearer, issue_key

pytestmark = pytest.mark.django_db

URL = "/api/v1/activities"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def jpeg(name="IMG_0001.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 120, 160)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def post(client, user, data, **extra):
    return client.post(URL, data, **bearer(issue_key(user)), **EN, **extra)


def test_an_officer_records_a_class_meeting_with_a_photo(client, apiworld):
    today = timezone.localdate()
    response = post(client, apiworld.officer_user, {
        "kind": "class_meeting", "date": today.isoformat(), "classes": [apiworld.klass.pk],
        "topics": ["forms", "laws"], "title": "拒绝校园欺凌主题班会", "duration_minutes": "45",
        "photos": [jpeg()]})
    assert response.status_code == 201, response.content
    body = response.json()
    activity = Activity.objects.get(pk=body["id"])
    # What the recording page would have made: the officer is the caller, the school follows from the class,
    # the students are the class's.
    assert activity.recorded_by == apiworld.officer_user and activity.officer == apiworld.officer
    assert activity.school == apiworld.school and list(activity.classes.all()) == [apiworld.klass]
    assert activity.students == apiworld.klass.student_count == body["students"]
    assert activity.topics == ["forms", "laws"] and activity.duration_minutes == 45
    assert activity.history.get().history_user == apiworld.officer_user
    photo = Evidence.objects.get(activity=activity)
    assert photo.type == "photo" and photo.original_name == "IMG_0001.jpg"
    assert body["evidence"] == [{"id": photo.pk, "type": "photo", "name": "IMG_0001.jpg", "size": photo.size}]
    assert body["classes"] == [{"id": apiworld.klass.pk, "name": apiworld.klass.name}]
    assert client.get(f"{URL}/{activity.pk}", **bearer(issue_key(apiworld.liaison))).status_code == 200


def test_invalid_fields_are_refused_with_messages_and_nothing_is_written(client, apiworld):
    before, evidence = Activity.objects.count(), Evidence.objects.count()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = post(client, apiworld.officer_user, {
        "kind": "class_meeting", "date": tomorrow.isoformat(), "classes": [apiworld.klass.pk], "photos": [jpeg()]})
    assert response.status_code == 400
    body = response.json()
    assert body["errors"] == {"date": ["The date is in the future: an activity is recorded after it took place."]}
    # A file that is not a photo is checked as on the page.
    response = post(client, apiworld.officer_user, {
        "kind": "class_meeting", "date": timezone.localdate().isoformat(), "classes": [apiworld.klass.pk],
        "photos": [SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")]})
    assert response.status_code == 400 and "photos" in response.json()["errors"]
    # A class of another school.
    response = post(client, apiworld.officer_user, {
        "kind": "class_meeting", "date": timezone.localdate().isoformat(), "classes": [apiworld.other_class.pk]})
    assert response.status_code == 400 and "classes" in response.json()["errors"]
    # Types the schema refuses before the form sees them.
    response = post(client, apiworld.officer_user, {"kind": "party", "date": "yesterday"})
    assert response.status_code == 422
    assert {tuple(e["loc"])[-1] for e in response.json()["detail"]} == {"kind", "date"}
    assert Activity.objects.count() == before and Evidence.objects.count() == evidence


def test_who_may_not_record_is_refused(client, apiworld):
    before = Activity.objects.count()
    data = {"kind": "lecture", "date": timezone.localdate().isoformat(), "school": apiworld.school.pk,
            "whole_school": "true", "duration_minutes": "40"}
    response = post(client, apiworld.inspector, data)
    assert response.status_code == 403 and response.json()["detail"]
    assert post(client, apiworld.nobody, data).status_code == 401  # no role: the token does not work at all
    # The neighbouring county's committee cannot choose a Dunhuang school.
    response = post(client, apiworld.outsider, data)
    assert response.status_code == 400 and "school" in response.json()["errors"]
    assert Activity.objects.count() == before
    # The Dunhuang committee can, as on the page.
    response = post(client, apiworld.committee_admin, data)
    assert response.status_code == 201, response.content
    assert Activity.objects.get(pk=response.json()["id"]).whole_school is True


def test_an_officer_cannot_record_in_a_colleagues_name(client, apiworld):
    before = Activity.objects.count()
    response = post(client, apiworld.officer_user, {
        "kind": "class_meeting", "date": timezone.localdate().isoformat(), "classes": [apiworld.klass.pk],
        "officer": apiworld.officer2.pk})
    assert response.status_code == 400 and "officer" in response.json()["errors"]
    assert Activity.objects.count() == before


def test_empty_optional_fields_are_left_out_as_a_mini_program_sends_them(client, apiworld):
    """`wx.uploadFile` sends every field of its formData, empty ones as "": `students` empty counts the ticked
    classes' students (docs/api.md), `school` and `officer` empty are the page's defaults."""
    response = post(client, apiworld.officer_user, {
        "kind": "class_meeting", "date": timezone.localdate().isoformat(), "classes": [apiworld.klass.pk],
        "school": "", "officer": "", "students": "", "teachers": "", "parents": "", "handbooks": "",
        "pledges": ""})
    assert response.status_code == 201, response.content
    activity = Activity.objects.get(pk=response.json()["id"])
    assert activity.students == apiworld.klass.student_count > 0
    assert activity.school == apiworld.school and activity.officer == apiworld.officer
    assert activity.teachers == activity.parents == activity.handbooks == 0
    # A value that is not a number is still refused.
    response = post(client, apiworld.officer_user, {
        "kind": "class_meeting", "date": timezone.localdate().isoformat(), "classes": [apiworld.klass.pk],
        "students": "many"})
    assert response.status_code == 422
