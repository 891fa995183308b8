"""A class takes a survey on phones through its code; the officer sees suppressed results; risk signals become
clues; nobody can work out a small group's answers by subtraction."""

import datetime
import io
import json
import re
import uuid

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from fazhi.surveys import results
from fazhi.surveys.models import Answer, Question, Questionnaire, Response, Survey
from fazhi.surveys.tests.conftest import answer, question
from fazhi.tips.models import Tip

pytestmark = pytest.mark.django_db


def form_key(response) -> str:
    return re.search(r'name="form_key" value="([^"]+)"', response.content.decode()).group(1)


# ---- opening a survey ----------------------------------------------------------------------------

def test_a_school_admin_opens_a_survey_for_the_whole_school(client, tipworld):
    client.force_login(tipworld.school_admin)
    q = Questionnaire.objects.get(builtin="bullying_secondary")
    today = timezone.localdate()
    response = client.post("/surveys/new/", {
        "title": "期中问卷", "questionnaire": q.pk, "opens_on": today.isoformat(),
        "closes_on": (today + datetime.timedelta(days=10)).isoformat(), "target": "school",
        "school": tipworld.school.pk, "min_group": 10, "flag_percent": 15})
    survey = Survey.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/surveys/{survey.pk}/"
    assert survey.school == tipworld.school
    assert set(survey.classes.values_list("school_class", flat=True)) == {tipworld.klass.pk, tipworld.klass2.pk}
    assert all(len(c) == 8 for c in survey.classes.values_list("code", flat=True))
    q.refresh_from_db()
    assert q.frozen  # the questionnaire is never changed under its answers


@pytest.mark.parametrize("change, field", [
    ({"min_group": 4}, "min_group"),
    ({"closes_on": "2000-01-01"}, "closes_on"),
    ({"opens_on": "2000-01-01"}, "opens_on"),
    ({"target": "classes"}, "classes"),
    ({"title": "<script>x</script>"}, "title"),
])
def test_a_bad_survey_is_explained_and_not_opened(client, tipworld, change, field):
    client.force_login(tipworld.school_admin)
    today = timezone.localdate()
    data = {"title": "期中问卷", "questionnaire": Questionnaire.objects.get(builtin="bullying_primary").pk,
            "opens_on": today.isoformat(), "closes_on": (today + datetime.timedelta(days=10)).isoformat(),
            "target": "school", "school": tipworld.school.pk, "min_group": 10, "flag_percent": 15, **change}
    response = client.post("/surveys/new/", data)
    assert response.status_code == 200 and field in response.context["form"].errors
    assert Survey.objects.count() == 0


def test_a_school_admin_cannot_survey_another_school(client, tipworld):
    client.force_login(tipworld.school_admin)
    today = timezone.localdate()
    response = client.post("/surveys/new/", {
        "title": "x", "questionnaire": Questionnaire.objects.get(builtin="bullying_primary").pk,
        "opens_on": today.isoformat(), "closes_on": today.isoformat(), "target": "classes",
        "classes": [tipworld.klass3.pk], "min_group": 10, "flag_percent": 15})
    assert "classes" in response.context["form"].errors and Survey.objects.count() == 0


# ---- answering on a phone ------------------------------------------------------------------------

def test_a_student_answers_once_per_phone_anonymously(survey, tipworld):
    entry = survey.classes.get(school_class=tipworld.klass)
    phone = Client()
    page = phone.get(f"/s/{entry.code}/")
    assert page.status_code == 200 and not page.cookies
    bullied, where, comment = question(survey, "bullied"), question(survey, "where"), question(survey, "comment")
    sent = phone.post(f"/s/{entry.code}/", {"form_key": form_key(page), f"q{bullied.pk}": "3",
                                            f"q{where.pk}": ["0", "2"], f"q{comment.pk}": "厕所里经常有人堵人"})
    assert sent.status_code == 200
    cookie = sent.cookies[f"fz_done_{entry.code}"]
    assert cookie.value == "1"  # the same for every phone: it says "answered", not who
    assert set(sent.cookies) == {f"fz_done_{entry.code}"}
    response = Response.objects.get()
    assert response.submitted_on == timezone.localdate()
    assert sorted(Answer.objects.filter(question=where).values_list("value", flat=True)) == [0, 2]
    again = phone.get(f"/s/{entry.code}/")
    assert "fz_done" not in str(again.cookies) and Response.objects.count() == 1
    assert "form_key" not in again.content.decode()  # no form: already answered


def test_every_question_may_be_skipped(survey, tipworld):
    entry = survey.classes.get(school_class=tipworld.klass)
    phone = Client()
    page = phone.get(f"/s/{entry.code}/")
    assert phone.post(f"/s/{entry.code}/", {"form_key": form_key(page)}).status_code == 200
    assert Response.objects.count() == 1 and Answer.objects.count() == 0


def test_a_retried_submission_counts_once(survey, tipworld):
    entry = survey.classes.get(school_class=tipworld.klass)
    page = Client().get(f"/s/{entry.code}/")
    data = {"form_key": form_key(page), f"q{question(survey, 'bullied').pk}": "1"}
    Client().post(f"/s/{entry.code}/", data)
    Client().post(f"/s/{entry.code}/", data)
    assert Response.objects.count() == 1


@pytest.mark.parametrize("value", ["9", "-1", "x", "99999999999999999999"])
def test_an_impossible_answer_is_explained_and_the_rest_kept(survey, tipworld, value):
    entry = survey.classes.get(school_class=tipworld.klass)
    phone = Client()
    page = phone.get(f"/s/{entry.code}/")
    comment = question(survey, "comment")
    response = phone.post(f"/s/{entry.code}/", {"form_key": form_key(page), f"q{question(survey, 'bullied').pk}":
                                                value, f"q{comment.pk}": "我想说的话"})
    assert response.status_code == 200 and Response.objects.count() == 0
    assert "我想说的话" in response.content.decode() and 'class="error"' in response.content.decode()


def test_script_or_long_text_is_refused(survey, tipworld):
    entry = survey.classes.get(school_class=tipworld.klass)
    comment = question(survey, "comment")
    for text in ("<script>alert(1)</script>", "长" * 501):
        page = Client().get(f"/s/{entry.code}/")
        Client().post(f"/s/{entry.code}/", {"form_key": form_key(page), f"q{comment.pk}": text})
    assert Response.objects.count() == 0


def test_closed_and_unknown_surveys(survey, tipworld, client):
    entry = survey.classes.get(school_class=tipworld.klass)
    Survey.objects.filter(pk=survey.pk).update(closed_early=True)
    page = client.get(f"/s/{entry.code}/")
    assert page.status_code == 200 and "form_key" not in page.content.decode()
    assert client.post(f"/s/{entry.code}/", {}).status_code == 200 and Response.objects.count() == 0
    assert client.get("/s/ABCDEFGH/").status_code == 404
    assert client.get("/s/<script>/").status_code == 404
    assert client.post("/s/", {"code": entry.code.lower()}).status_code == 302


def test_the_class_page_lists_its_open_survey(survey, tipworld, client):
    entry = survey.classes.get(school_class=tipworld.klass)
    assert f"/s/{entry.code}/" in client.get(f"/c/{tipworld.klass.public_token}/").content.decode()


# ---- suppression ---------------------------------------------------------------------------------

def test_complementary_suppression_never_leaves_one_small_group_alone():
    assert results.complementary({"a": 30, "b": 12, "c": 3}, 10) == {"b", "c"}
    assert results.complementary({"a": 30, "b": 12}, 10) == set()
    assert results.complementary({"a": 9, "b": 30}, 10) == {"a", "b"}
    assert results.complementary({"a": 4, "b": 3, "c": 40, "d": 50}, 10) == {"a", "b", "c"}
    assert results.complementary({"a": 6, "b": 6, "c": 40}, 10) == {"a", "b"}
    assert results.complementary({"a": 0, "b": 30}, 10) == {"a"}  # an empty group gives nothing away
    assert results.complementary({"a": 0, "b": 3, "c": 30, "d": 40}, 10) == {"a", "b", "c"}


@pytest.mark.parametrize("sizes", [(12, 12, 3), (15, 4, 20), (10, 9, 11), (30, 11, 2), (5, 5, 5), (40, 40, 40)])
def test_no_hidden_group_can_be_worked_out_by_subtraction(survey, tipworld, sizes):
    """Every parent whose answers are shown: the hidden children are either none, or at least two that together
    have at least min_group respondents — so parent minus shown children never isolates one small group."""
    for klass, n in zip((tipworld.klass, tipworld.klass2, tipworld.klass3), sizes, strict=True):
        answer(survey, klass, n, bullied=n % 5)
    total, schools, classes = results.tree(survey)
    k = survey.min_group
    for parent, children in [(total, schools)] + [(s, classes[s.key]) for s in schools]:
        hidden = [c for c in children if c.hidden]
        assert all(c.hidden for c in children if c.respondents < k)
        answered = [c for c in hidden if c.respondents]
        if not parent.hidden and answered:
            assert len(answered) >= 2 and sum(c.respondents for c in answered) >= k, (parent.label, sizes)
        if parent.hidden:
            assert all(c.hidden for c in children) or parent.level == "survey"
    for g in [total, *schools, *(c for cs in classes.values() for c in cs)]:
        assert (results.distribution(survey, g) == []) == g.hidden


def test_the_officer_sees_suppressed_results_and_the_free_text(survey, tipworld):
    answer(survey, tipworld.klass, 12, bullied=0, comment="希望老师多关心我们")
    answer(survey, tipworld.klass2, 11, bullied=1)
    client = Client()
    client.force_login(tipworld.officer_user)
    page = client.get(f"/surveys/{survey.pk}/results/", {"class": tipworld.klass.pk})
    assert page.status_code == 200 and page.context["rows"]
    assert page.context["texts"] == ["希望老师多关心我们"] * 12  # free text: the class's officer reads it
    # the officer holds one class of the school: not the school's figures, not the other class
    assert [g.key for g in page.context["schools"]] == [tipworld.klass.pk]
    assert client.get(f"/surveys/{survey.pk}/results/", {"school": tipworld.school.pk}).status_code == 404
    assert client.get(f"/surveys/{survey.pk}/results/", {"class": tipworld.klass2.pk}).status_code == 404
    client.force_login(tipworld.committee_admin)
    page = client.get(f"/surveys/{survey.pk}/results/", {"class": tipworld.klass.pk})
    assert page.context["texts"] is None  # the committee reads no free text
    page = client.get(f"/surveys/{survey.pk}/results/", {"school": tipworld.school.pk})
    bullied = next(r for r in page.context["rows"] if r["question"].key == "bullied")
    assert bullied["answered"] == 23 and bullied["options"][0]["count"] == 12


def test_a_small_class_hides_its_free_text_too(survey, tipworld):
    answer(survey, tipworld.klass, 12, bullied=0)
    answer(survey, tipworld.klass2, 4, bullied=1, comment="只有我们几个人写了")
    client = Client()
    client.force_login(tipworld.school_admin)
    page = client.get(f"/surveys/{survey.pk}/results/", {"school": tipworld.school.pk})
    # 4 answers are too few, and 12 would give them away: both classes are hidden, the school's 16 are shown
    assert {g.key: g.hidden for g in page.context["kids"]} == {tipworld.klass.pk: True, tipworld.klass2.pk: True}
    assert page.context["rows"]
    page = client.get(f"/surveys/{survey.pk}/results/", {"class": tipworld.klass2.pk})
    assert page.context["rows"] == [] and page.context["texts"] is None
    assert "只有我们几个人写了" not in page.content.decode()


def test_the_flag_clue_carries_no_counts(survey, tipworld):
    answer(survey, tipworld.klass, 8, bullied=0)
    answer(survey, tipworld.klass, 2, bullied=3)
    tip = Tip.objects.get()
    digits = set(re.findall(r"\d+", tip.description.replace(survey.title, "")))
    assert digits <= {"2", "3", "15"}  # "2–3 times a month", "15%": no respondent counts


def test_outsiders_and_teachers_get_404(survey, tipworld):
    for user in (tipworld.outsider, tipworld.teacher, tipworld.nobody):
        client = Client()
        client.force_login(user)
        for url in (f"/surveys/{survey.pk}/", f"/surveys/{survey.pk}/results/", f"/surveys/{survey.pk}/results.xlsx"):
            assert client.get(url).status_code == 404, (user, url)
        assert client.post(f"/surveys/{survey.pk}/close/").status_code == 404
    survey.refresh_from_db()
    assert not survey.closed_early


def test_the_excel_export_applies_the_suppression(survey, tipworld):
    answer(survey, tipworld.klass, 12, bullied=2)
    answer(survey, tipworld.klass2, 11, bullied=0)
    answer(survey, tipworld.klass3, 3, bullied=4)
    Question.objects.filter(pk=question(survey, "bullied").pk).update(text="=1+1 被欺负过吗")
    client = Client()
    client.force_login(tipworld.committee_admin)
    book = load_workbook(io.BytesIO(client.get(f"/surveys/{survey.pk}/results.xlsx").content))
    answers = book.worksheets[1]
    groups = {row[0].value for row in answers.iter_rows(min_row=2)}
    assert tipworld.school2.name not in " ".join(groups)  # the primary school (3) is hidden…
    assert all(tipworld.klass3.name not in g for g in groups)
    texts = {row[1].value for row in answers.iter_rows(min_row=2)}
    assert "=1+1 被欺负过吗" in texts and all(row[1].data_type == "s" for row in answers.iter_rows(min_row=2))


# ---- risk flags ----------------------------------------------------------------------------------

def test_a_class_over_the_threshold_becomes_one_clue_for_its_officer(survey, tipworld):
    answer(survey, tipworld.klass, 8, bullied=0)
    answer(survey, tipworld.klass, 1, bullied=3)
    assert not Tip.objects.exists()  # 9 answers: fewer than the smallest group, no flag yet
    answer(survey, tipworld.klass, 1, bullied=2)  # 2 of 10 = 20% ≥ 15%
    tip = Tip.objects.get()
    assert tip.channel == "survey" and tip.school_class == tipworld.klass
    assert tip in Tip.objects.visible_to(tipworld.officer_user)
    answer(survey, tipworld.klass, 3, bullied=4, key_prefix="more")
    assert Tip.objects.count() == 1  # once per class and survey
    assert survey.classes.get(school_class=tipworld.klass).flagged_tip == tip


def test_a_class_under_the_threshold_is_not_flagged(survey, tipworld):
    answer(survey, tipworld.klass, 19, bullied=1)
    answer(survey, tipworld.klass, 1, bullied=4)
    assert not Tip.objects.exists()


def test_danger_words_in_a_free_text_answer_become_an_urgent_clue(survey, tipworld):
    from fazhi.notices.models import Notification

    answer(survey, tipworld.klass, 1, comment="我真的不想活了")
    tip = Tip.objects.get()
    assert tip.category == "self_harm" and tip.case.urgent and "不想活" in tip.description
    assert Notification.objects.filter(user=tipworld.officer_user, kind="urgent_tip").exists()


# ---- the JSON API --------------------------------------------------------------------------------

def test_the_mini_program_reads_the_questionnaire_and_answers(survey, tipworld, client):
    entry = survey.classes.get(school_class=tipworld.klass)
    data = client.get(f"/api/v1/public/surveys/{entry.code}").json()
    assert data["open"] and data["questions"][0]["options"][0] == "从来没有"
    bullied = question(survey, "bullied")
    key = str(uuid.uuid4())
    body = json.dumps({"answers": {str(bullied.pk): 2, str(question(survey, "where").pk): [1, 3]}})
    first = client.post(f"/api/v1/public/surveys/{entry.code}/responses", body, content_type="application/json",
                        headers={"Idempotency-Key": key})
    again = client.post(f"/api/v1/public/surveys/{entry.code}/responses", body, content_type="application/json",
                        headers={"Idempotency-Key": key})
    assert first.status_code == 201 and again.status_code == 200 and Response.objects.count() == 1
    bad = client.post(f"/api/v1/public/surveys/{entry.code}/responses",
                      json.dumps({"answers": {str(bullied.pk): 7}}), content_type="application/json")
    assert bad.status_code == 400 and str(bullied.pk) in bad.json()["errors"]
    assert client.post(f"/api/v1/public/surveys/{entry.code}/responses", "[]",
                       content_type="application/json").status_code == 400
    Survey.objects.filter(pk=survey.pk).update(closed_early=True)
    assert client.post(f"/api/v1/public/surveys/{entry.code}/responses", body,
                       content_type="application/json").status_code == 409
    assert client.get("/api/v1/public/surveys/NOPE2345").status_code == 404


def test_the_figures_count_participation_and_flags(survey, tipworld):
    from fazhi.activities.stats import figures

    answer(survey, tipworld.klass, 10, bullied=3)
    data = figures(region="620982")
    assert data["survey_responses"] == 10 and data["survey_classes"] == 3
    assert data["survey_classes_flagged"] == 1
    assert data["survey_participation_percent"] == round(100 * 10 / (45 + 44 + 40), 1)
