"""The printed survey sheets: one page per class with its code, only the classes the user can see."""

import datetime
import io

import pytest
from django.test import Client
from pypdf import PdfReader

from fazhi.surveys import sheets
from fazhi.surveys.models import Questionnaire, SurveyClass
from fazhi.surveys.services import open_survey


@pytest.fixture
def survey(world):
    return open_survey(by=world.committee_admin, questionnaire=Questionnaire.objects.get(builtin="bullying_secondary"),
                       title="2026年春季校园欺凌调查", opens_on=datetime.date(2026, 3, 2),
                       closes_on=datetime.date(2026, 3, 13), classes=[world.klass, world.klass2, world.klass3],
                       region=world.dunhuang)


def sheets_url(survey, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/surveys/{survey.pk}/sheets.pdf" + (f"?{query}" if query else "")


def pages(response) -> list[str]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]


def compact(text: str) -> str:
    return "".join(text.split())


def test_one_page_per_class_with_its_code(client, world, survey):
    client.force_login(world.committee_admin)
    response = client.get(sheets_url(survey))
    assert response["Content-Disposition"] == f'inline; filename="survey-{survey.pk}-sheets.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    texts = pages(response)
    entries = list(survey.classes.select_related("school_class__school"))
    assert len(texts) == len(entries) == 3
    for text, entry in zip(texts, entries, strict=True):
        assert f"{entry.code[:4]} {entry.code[4:]}" in text or entry.code in compact(text)
        assert entry.school_class.school.name in compact(text)
        assert survey.title in compact(text)
        assert "2026-03-02" in text and "2026-03-13" in text
    # The QR code and the typed link lead to the class's page.
    assert sheets.survey_url(entries[0]).endswith(f"/s/{entries[0].code}/")


def test_school_filter(client, world, survey):
    client.force_login(world.committee_admin)
    texts = pages(client.get(sheets_url(survey, school=world.school2.pk)))
    assert len(texts) == 1
    code = SurveyClass.objects.get(survey=survey, school_class=world.klass3).code
    assert code in compact(texts[0])
    assert len(pages(client.get(sheets_url(survey, school=world.school.pk)))) == 2
    odd = Client(raise_request_exception=False)
    odd.force_login(world.committee_admin)
    for value in (world.other_school.pk, "abc", "²", "99999999999", "-1", "<script>", "1.5"):
        assert odd.get(sheets_url(survey, school=value)).status_code == 404, value


def test_school_admin_prints_only_their_classes(client, world, survey):
    client.force_login(world.school_admin)
    texts = pages(client.get(sheets_url(survey)))
    assert len(texts) == 2
    assert all(world.school.name in compact(t) for t in texts)
    assert client.get(sheets_url(survey, school=world.school2.pk)).status_code == 404


@pytest.mark.parametrize("persona", ["outsider", "teacher", "liaison"])
def test_others_get_404(client, world, survey, persona):
    client.force_login(world.personas[persona])
    assert client.get(sheets_url(survey)).status_code == 404
    assert client.get(sheets_url(survey, school=world.school.pk)).status_code == 404


def test_anonymous_is_sent_to_login(client, survey):
    response = client.get(sheets_url(survey))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_view_function_with_request_factory(rf, world, survey):
    request = rf.get(f"/surveys/{survey.pk}/sheets.pdf", {"school": str(world.school2.pk)})
    request.user = world.education_staff
    response = sheets.sheets_pdf(request, pk=survey.pk)
    assert len(pages(response)) == 1


def test_render_sheets_directly(world, survey):
    entries = list(survey.classes.select_related("school_class__school"))
    reader = PdfReader(io.BytesIO(sheets.render_sheets(survey, entries[:2])))
    assert len(reader.pages) == 2
    assert entries[1].code in compact(reader.pages[1].extract_text())
    with pytest.raises(ValueError):
        sheets.render_sheets(survey, [])


def test_grouped_code():
    assert sheets.grouped("ABCD2345") == "ABCD 2345"
