"""The questionnaire builder: a school builds its own questionnaire, a questionnaire in use is never changed
(a new version is), built-in ones are copied rather than changed, and nobody outside the scope learns
anything (404)."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from fazhi.surveys import builder
from fazhi.surveys.instruments import SCALE
from fazhi.surveys.models import Questionnaire


def url(name, *args):
    return reverse(f"questionnaires:{name}", args=args)


def make_questionnaire(world, **kwargs) -> Questionnaire:
    fields = {"title": "二中心理问卷", "audience": "secondary", "school": world.school}
    fields.update(kwargs)
    q = Questionnaire.objects.create(**fields)
    builder.add_question(q, kind="single", text="你喜欢上学吗？", options=["喜欢", "不喜欢"])
    builder.add_question(q, kind="scale", text="最近两个月，你被欺负过吗？", options=list(SCALE))
    return q


def builtin() -> Questionnaire:
    return Questionnaire.objects.get(builtin="bullying_secondary")


def add(client, q, **data) -> object:
    return client.post(url("question_create", q.pk), data)


def test_school_admin_builds_a_questionnaire(client, world):
    client.force_login(world.school_admin)
    response = client.post(url("create"), {"title": "二中欺凌问卷", "audience": "secondary",
                                           "introduction": "不用写名字。"})
    q = Questionnaire.objects.get(title="二中欺凌问卷")
    assert response.status_code == 302 and response["Location"] == url("detail", q.pk)
    assert q.school == world.school and q.region is None and q.version == 1 and q.created_by == world.school_admin

    assert add(client, q, kind="single", text="你是几年级？", options_text="七年级\n八年级\n\n九年级 ").status_code == 302
    assert add(client, q, kind="multiple", text="在哪里？", options_text="教室\n操场\n厕所").status_code == 302
    # A scale gets the frequency scale whatever is typed; a text question has no options.
    assert add(client, q, kind="scale", text="被起外号", options_text="胡乱\n写的").status_code == 302
    assert add(client, q, kind="text", text="还想说什么？", options_text="a\nb").status_code == 302
    questions = list(q.questions.all())
    assert [x.kind for x in questions] == ["single", "multiple", "scale", "text"]
    assert [x.position for x in questions] == [1, 2, 3, 4]
    assert questions[0].options == ["七年级", "八年级", "九年级"]
    assert questions[2].options == SCALE and questions[3].options == []
    assert all(x.key == "" for x in questions)

    # Reorder: the text question up, the first one down.
    assert client.post(url("question_move", questions[3].pk), {"direction": "up"}).status_code == 302
    assert client.post(url("question_move", questions[0].pk), {"direction": "down"}).status_code == 302
    assert [x.text for x in q.questions.all()] == ["在哪里？", "你是几年级？", "还想说什么？", "被起外号"]
    # Moving the first one up changes nothing; an unknown direction is refused.
    first = q.questions.first()
    client.post(url("question_move", first.pk), {"direction": "up"})
    assert client.post(url("question_move", first.pk), {"direction": "sideways"}).status_code == 400
    assert q.questions.first() == first

    # Change a question, then delete one: positions stay 1..n.
    response = client.post(url("question_edit", questions[1].pk),
                           {"kind": "multiple", "text": "这些事在哪里发生？", "help": "可多选", "options_text": "教室\n操场"})
    assert response.status_code == 302
    questions[1].refresh_from_db()
    assert questions[1].text == "这些事在哪里发生？" and questions[1].options == ["教室", "操场"]
    assert client.get(url("question_edit", questions[1].pk)).status_code == 200
    assert client.post(url("question_delete", questions[0].pk)).status_code == 302
    assert [(x.text, x.position) for x in q.questions.all()] == [
        ("这些事在哪里发生？", 1), ("还想说什么？", 2), ("被起外号", 3)]

    # Change the details.
    response = client.post(url("edit", q.pk), {"title": "二中欺凌问卷（2026）", "audience": "secondary",
                                               "introduction": ""})
    assert response.status_code == 302
    q.refresh_from_db()
    assert q.title == "二中欺凌问卷（2026）"

    # The list and the detail page show it, with its questions as a pupil sees them.
    page = client.get(url("list")).content.decode()
    assert "二中欺凌问卷（2026）" in page and SCALE[0] not in page
    assert page.index(builtin().title) < page.index("二中欺凌问卷（2026）")  # built-in ones first
    page = client.get(url("detail", q.pk)).content.decode()
    assert "这些事在哪里发生？" in page and SCALE[4] in page and 'type="checkbox"' in page
    assert url("question_create", q.pk) in page and url("edit", q.pk) in page


def test_create_pages_and_owner_choice(client, world):
    client.force_login(world.school_admin)
    page = client.get(url("create"))
    assert page.status_code == 200 and 'name="owner"' not in page.content.decode()  # one school: no choice
    # A committee admin builds for their region.
    client.force_login(world.committee_admin)
    client.post(url("create"), {"title": "敦煌市问卷", "audience": "primary"})
    q = Questionnaire.objects.get(title="敦煌市问卷")
    assert q.region == world.dunhuang and q.school is None
    assert client.get(url("detail", q.pk)).status_code == 200


def test_user_with_several_owners_chooses(client, world):
    from fazhi.accounts.models import Membership, Role

    Membership.objects.create(user=world.school_admin, role=Role.SCHOOL_ADMIN, school=world.school2)
    client.force_login(world.school_admin)
    assert 'name="owner"' in client.get(url("create")).content.decode()
    response = client.post(url("create"), {"title": "东街问卷", "audience": "primary"})
    assert response.status_code == 400 and not Questionnaire.objects.filter(title="东街问卷").exists()
    response = client.post(url("create"), {"title": "东街问卷", "audience": "primary",
                                           "owner": f"school:{world.other_school.pk}"})
    assert response.status_code == 400 and not Questionnaire.objects.filter(title="东街问卷").exists()
    client.post(url("create"), {"title": "东街问卷", "audience": "primary", "owner": f"school:{world.school2.pk}"})
    assert Questionnaire.objects.get(title="东街问卷").school == world.school2


def test_frozen_questionnaire_refuses_changes_and_gets_a_new_version(client, world):
    q = make_questionnaire(world)
    q.frozen = True
    q.save()
    question = q.questions.first()
    client.force_login(world.school_admin)
    page = client.get(url("detail", q.pk)).content.decode()
    assert url("question_create", q.pk) not in page and url("question_edit", question.pk) not in page
    assert url("copy", q.pk) in page

    refusals = [
        client.get(url("edit", q.pk)),
        client.post(url("edit", q.pk), {"title": "改了", "audience": "secondary"}),
        client.get(url("question_create", q.pk)),
        add(client, q, kind="text", text="新题"),
        client.get(url("question_edit", question.pk)),
        client.post(url("question_edit", question.pk), {"kind": "text", "text": "改了"}),
        client.post(url("question_delete", question.pk)),
        client.post(url("question_move", question.pk), {"direction": "down"}),
    ]
    for response in refusals:
        assert response.status_code == 403
        assert "make a new version" in response.content.decode().lower() or "新版本" in response.content.decode()
        assert url("copy", q.pk) in response.content.decode()
    q.refresh_from_db()
    assert q.title == "二中心理问卷"
    assert [(x.text, x.position) for x in q.questions.all()] == [("你喜欢上学吗？", 1), ("最近两个月，你被欺负过吗？", 2)]

    response = client.post(url("copy", q.pk), {"mode": "version"})
    v2 = Questionnaire.objects.get(family=q)
    assert response.status_code == 302 and response["Location"] == url("detail", v2.pk)
    assert v2.version == 2 and not v2.frozen and v2.school == world.school
    assert [(x.kind, x.text, x.options, x.position) for x in v2.questions.all()] == [
        (x.kind, x.text, x.options, x.position) for x in q.questions.all()]
    # The new version can be changed; both appear in the version history.
    assert add(client, v2, kind="text", text="还想说什么？").status_code == 302
    assert v2.questions.count() == 3 and q.questions.count() == 2
    page = client.get(url("detail", v2.pk)).content.decode()
    assert url("detail", q.pk) in page and "v1" in page and "v2" in page
    # A third version counts on from the latest.
    client.post(url("copy", q.pk), {"mode": "version"})
    assert sorted(Questionnaire.objects.filter(family=q).values_list("version", flat=True)) == [2, 3]


def test_builtin_cannot_be_changed_but_can_be_copied_as_own(client, world):
    b = builtin()
    question = b.questions.first()
    client.force_login(world.school_admin)
    page = client.get(url("detail", b.pk)).content.decode()
    assert "Copy as my own" in page or "复制" in page
    assert url("question_create", b.pk) not in page and url("retire", b.pk) not in page
    for response in (client.get(url("edit", b.pk)), client.get(url("question_create", b.pk)),
                     client.post(url("question_delete", question.pk)),
                     client.post(url("question_edit", question.pk), {"kind": "text", "text": "改了"})):
        assert response.status_code == 403
    assert client.post(url("copy", b.pk), {"mode": "version"}).status_code == 404
    assert client.post(url("retire", b.pk)).status_code == 404
    builtin_questions = list(b.questions.all())
    assert not Questionnaire.objects.filter(family=b).exists()

    response = client.post(url("copy", b.pk), {"mode": "own"})
    mine = Questionnaire.objects.get(school=world.school, title=b.title)
    assert response.status_code == 302 and response["Location"] == url("detail", mine.pk)
    assert mine.builtin == "" and mine.version == 1 and mine.family is None and not mine.frozen
    assert [(x.key, x.text, x.options) for x in mine.questions.all()] == [
        (x.key, x.text, x.options) for x in builtin_questions]
    assert add(client, mine, kind="text", text="你们学校有什么好办法？").status_code == 302
    b.refresh_from_db()
    assert b.questions.count() == len(builtin_questions) and not b.retired


def test_committee_admin_copies_a_school_questionnaire_or_versions_it(client, world):
    q = make_questionnaire(world)
    client.force_login(world.committee_admin)
    # The committee may change a school's questionnaire of its region (Questionnaire.edit_q).
    assert client.get(url("edit", q.pk)).status_code == 200
    client.post(url("copy", q.pk), {"mode": "own"})
    assert Questionnaire.objects.filter(region=world.dunhuang, title=q.title).count() == 1


def test_retire_and_bring_back(client, world):
    q = make_questionnaire(world)
    client.force_login(world.school_admin)
    assert client.post(url("retire", q.pk), {"retired": "1"}).status_code == 302
    q.refresh_from_db()
    assert q.retired
    assert client.get(url("retire", q.pk)).status_code == 405
    client.post(url("retire", q.pk), {"retired": "0"})
    q.refresh_from_db()
    assert not q.retired


def test_outsider_gets_404_everywhere(client, world):
    q = make_questionnaire(world)
    regional = Questionnaire.objects.create(title="敦煌市问卷", region=world.dunhuang)
    question = q.questions.first()
    client.force_login(world.outsider)
    for target in (q, regional):
        for name in ("detail", "edit", "question_create"):
            assert client.get(url(name, target.pk)).status_code == 404, name
            response = client.post(url(name, target.pk), {"title": "x", "kind": "text", "text": "x"})
            assert response.status_code in (404, 405), name
        for name, data in (("copy", {"mode": "own"}), ("copy", {"mode": "version"}), ("copy", {}),
                           ("retire", {})):
            assert client.post(url(name, target.pk), data).status_code == 404, name
    for name, data in (("question_edit", {"kind": "text", "text": "x"}), ("question_delete", {}),
                       ("question_move", {"direction": "up"})):
        assert client.post(url(name, question.pk), data).status_code == 404, name
    assert client.get(url("question_edit", question.pk)).status_code == 404
    page = client.get(url("list")).content.decode()
    assert q.title not in page and "敦煌市问卷" not in page and builtin().title in page
    assert Questionnaire.objects.filter(title__in=[q.title, "敦煌市问卷"]).count() == 2
    assert q.questions.count() == 2 and not q.retired
    # The outsider's own copy of the built-in one works, and is theirs.
    client.post(url("copy", builtin().pk), {"mode": "own"})
    assert Questionnaire.objects.get(region=world.suzhou).title == builtin().title


@pytest.mark.parametrize("persona", ["inspector", "teacher", "officer", "liaison"])
def test_read_only_roles_get_404_on_changes(client, world, persona):
    q = make_questionnaire(world, school=None, region=world.dunhuang)
    question = q.questions.first()
    client.force_login(world.personas[persona])
    assert client.get(url("list")).status_code == 200
    assert url("create") not in client.get(url("list")).content.decode()
    for name, args in (("create", ()), ("edit", (q.pk,)), ("question_create", (q.pk,)),
                       ("edit", (builtin().pk,)), ("question_create", (builtin().pk,))):
        assert client.get(url(name, *args)).status_code == 404, name
        assert client.post(url(name, *args), {"title": "x", "audience": "primary"}).status_code == 404, name
    for name in ("question_edit", "question_delete", "question_move"):
        assert client.post(url(name, question.pk), {"direction": "up"}).status_code == 404, name
    for name in ("copy", "retire"):
        assert client.post(url(name, q.pk), {"mode": "own"}).status_code == 404, name
        assert client.post(url(name, builtin().pk), {"mode": "own"}).status_code == 404, name
    assert not Questionnaire.objects.exclude(pk=q.pk).filter(builtin="").exists()
    # They still read built-in ones (and the inspector those of the region), without buttons.
    page = client.get(url("detail", builtin().pk)).content.decode()
    assert url("copy", builtin().pk) not in page and url("retire", builtin().pk) not in page
    if persona == "inspector":
        page = client.get(url("detail", q.pk)).content.decode()
        assert url("edit", q.pk) not in page and url("question_edit", question.pk) not in page
    else:
        assert client.get(url("detail", q.pk)).status_code == 404


def test_nobody_without_a_role_sees_nothing(client, world):
    client.force_login(world.nobody)
    assert client.get(url("list")).status_code == 404
    assert client.get(url("detail", builtin().pk)).status_code == 404


@pytest.mark.parametrize("data, field", [
    ({"kind": "single", "text": "只有一个选项？", "options_text": "是"}, "options_text"),
    ({"kind": "multiple", "text": "没有选项？", "options_text": "\n \n"}, "options_text"),
    ({"kind": "single", "text": "太多选项", "options_text": "\n".join(str(i) for i in range(13))}, "options_text"),
    ({"kind": "single", "text": "重复选项", "options_text": "是\n是"}, "options_text"),
    ({"kind": "single", "text": "<script>alert(1)</script>", "options_text": "是\n否"}, "text"),
    ({"kind": "single", "text": "选项里有代码", "options_text": "是\n<b>否</b>"}, "options_text"),
    ({"kind": "text", "text": "说明里有代码", "help": "<img src=x onerror=alert(1)>"}, "help"),
    ({"kind": "text", "text": "  "}, "text"),
    ({"kind": "text", "text": "x" * 301}, "text"),
    ({"kind": "essay", "text": "未知题型"}, "kind"),
    ({"kind": "text", "text": "控制字符\x00"}, "text"),
])
def test_question_validation(client, world, data, field):
    q = make_questionnaire(world)
    client.force_login(world.school_admin)
    response = add(client, q, **data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert q.questions.count() == 2


def test_twelve_options_are_fine(client, world):
    q = make_questionnaire(world)
    client.force_login(world.school_admin)
    assert add(client, q, kind="multiple", text="十二个选项", options_text="\n".join(f"选项{i}" for i in range(12))
               ).status_code == 302
    assert len(q.questions.last().options) == 12


@pytest.mark.parametrize("data", [
    {"title": "<script>alert(1)</script>", "audience": "secondary"},
    {"title": "", "audience": "secondary"},
    {"title": "正常", "audience": "secondary", "introduction": "<a href=x>点我</a>"},
    {"title": "正常", "audience": "aliens"},
    {"title": "x" * 101, "audience": "secondary"},
])
def test_questionnaire_validation(client, world, data):
    client.force_login(world.school_admin)
    before = Questionnaire.objects.count()
    response = client.post(url("create"), data)
    assert response.status_code == 400 and response.context["form"].errors
    assert Questionnaire.objects.count() == before


def test_list_search_filter_and_odd_params(world):
    make_questionnaire(world)
    make_questionnaire(world, title="家长问卷", audience="parents")
    client = Client(raise_request_exception=False)
    client.force_login(world.school_admin)
    page = client.get(url("list"), {"q": "家长"}).content.decode()
    assert "家长问卷" in page and "二中心理问卷" not in page
    page = client.get(url("list"), {"audience": "parents"}).content.decode()
    assert "家长问卷" in page and "二中心理问卷" not in page and builtin().title not in page
    page = client.get(url("list"), {"q": "没有这样的问卷"}).content.decode()
    assert 'class="empty"' in page
    for odd in ("²", "99999999999", "\x00", "<script>", "-1", "", "%", "' OR 1=1 --", "x" * 5000):
        for param in ("q", "audience", "page"):
            response = client.get(url("list"), {param: odd})
            # A NUL character is refused by fazhi.lib.middleware before any view (400).
            assert response.status_code == (400 if odd == "\x00" else 200), (param, odd)
            assert "<script>" not in response.content.decode().partition("<main")[2]
    for odd in ("²", "99999999999", "-1", "abc"):
        assert client.get(f"/surveys/questionnaires/{odd}/").status_code == 404


def test_list_pages_by_25(client, world):
    Questionnaire.objects.bulk_create([Questionnaire(title=f"问卷{i:02}", school=world.school) for i in range(30)])
    client.force_login(world.school_admin)
    first = client.get(url("list"))
    assert len(first.context["page_obj"].object_list) == 25
    second = client.get(url("list"), {"page": 2})
    assert len(second.context["page_obj"].object_list) == 32 - 25  # 30 + the two built-in ones
    rows = list(first.context["page_obj"].object_list)
    assert [r.builtin != "" for r in rows[:2]] == [True, True]
    assert rows[2].question_count == 0


def test_list_shows_version_in_use_and_question_count(client, world):
    q = make_questionnaire(world)
    q.frozen = True
    q.save()
    client.force_login(world.school_admin)
    response = client.get(url("list"), HTTP_ACCEPT_LANGUAGE="en")
    row = next(r for r in response.context["page_obj"].object_list if r.pk == q.pk)
    assert row.question_count == 2 and row.version == 1
    assert "In use" in response.content.decode()


def test_frozen_by_a_survey_in_between(world):
    """A survey that starts using the questionnaire while a change is under way wins: nothing changes."""
    from django.core.exceptions import ValidationError

    from fazhi.surveys.services import open_survey

    q = make_questionnaire(world)
    stale = Questionnaire.objects.get(pk=q.pk)
    open_survey(by=world.school_admin, questionnaire=q, title="春季调查", opens_on=datetime.date(2026, 3, 2),
                closes_on=datetime.date(2026, 3, 13), classes=[world.klass], school=world.school)
    with pytest.raises(ValidationError):
        builder.add_question(stale, kind="text", text="新题")
    with pytest.raises(ValidationError):
        builder.move_question(stale.questions.first(), "down")
    assert q.questions.count() == 2


def test_parse_options():
    assert builder.parse_options(" 是 \r\n\r\n否\n") == ["是", "否"]
    assert builder.options_for("scale", "") == SCALE
    assert builder.options_for("text", "a\nb") == []
