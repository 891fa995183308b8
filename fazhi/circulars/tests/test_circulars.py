import datetime
import io
from datetime import date as D
from zoneinfo import ZoneInfo

import docx
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from fazhi.activities.models import Activity, Kind
from fazhi.assignments.models import Assignment, Pairing
from fazhi.circulars import services
from fazhi.circulars.compile import compile_snapshot, draft_sections
from fazhi.circulars.forms import EditCircularForm
from fazhi.circulars.models import Circular, CircularFrozen
from fazhi.org.models import SchoolClass
from fazhi.tips import receipts
from fazhi.tips import services as tip_services
from fazhi.tips.models import Case, Status, Tip

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 11, 28, 12, 0, tzinfo=TZ)
START, END = D(2026, 9, 1), D(2027, 1, 31)


def tip(world, klass, created):
    t = tip_services.submit_tip(school_class=klass, channel="qr", category="physical", description="有人打人",
                                idempotency_key=receipts.new_idempotency_key()).tip
    Tip.objects.filter(pk=t.pk).update(created_at=created)
    Case.objects.filter(pk=t.pk).update(acknowledge_due=created + datetime.timedelta(hours=24))
    return t


@pytest.fixture
def records(world):
    SchoolClass.objects.update(school_year=2026)
    Pairing.objects.create(unit=world.court, school=world.school, school_year=2026)
    Pairing.objects.create(unit=world.police, school=world.school2, school_year=2026)
    for officer, klass in ((world.officer, world.klass), (world.officer2, world.klass2)):
        Assignment.objects.create(officer=officer, school=world.school, school_class=klass, school_year=2026,
                                  status="active", exception_reason="测试", starts_on=START)
    Activity.objects.create(kind=Kind.LEGAL_EDUCATION, date=D(2026, 10, 9), school=world.school,
                            officer=world.officer, students=45, handbooks=40)
    Activity.objects.create(kind=Kind.CLASS_MEETING, date=D(2026, 10, 10), school=world.school,
                            whole_school=True, students=300)
    Activity.objects.create(kind=Kind.LECTURE, date=D(2026, 11, 2), school=world.other_school, students=99)
    on_time = tip(world, world.klass, datetime.datetime(2026, 10, 1, 9, 0, tzinfo=TZ))
    Case.objects.filter(pk=on_time.pk).update(status=Status.ACKNOWLEDGED,
                                              acknowledged_at=datetime.datetime(2026, 10, 1, 10, 0, tzinfo=TZ))
    tip(world, world.klass, datetime.datetime(2026, 10, 5, 9, 0, tzinfo=TZ))  # never acknowledged
    tip(world, world.other_class, datetime.datetime(2026, 10, 5, 9, 0, tzinfo=TZ))  # another county
    return world


def test_snapshot_counts_the_records(records):
    w = records
    s = compile_snapshot(w.dunhuang, START, END, now=NOW)
    assert s["headline"]["activities_total"] == 2
    assert s["headline"]["students_reached"] == 345
    assert s["coverage"] == {**s["coverage"], "classes": 3, "covered": 2, "uncovered": 1}
    assert s["tips"]["received"] == 2
    assert s["tips"]["on_time"] == 1
    assert s["tips"]["not_acknowledged_in_time"] == 1
    assert s["tips"]["overdue"] == 1
    assert s["semester"]["elapsed_percent"] == 58
    assert s["quotas"]["officers"]["total"] == 2 and s["quotas"]["officers"]["behind"] == 1
    school = {r["school"]: r for r in s["schools"]}
    assert school["敦煌市第二中学"]["done"] == 2 and school["敦煌市东街小学"]["done"] == 0
    assert s["findings"] is None or s["findings"]["findings"] == 0  # no inspection recorded


def test_units_ranked_and_failures_named_with_reason(records):
    s = compile_snapshot(records.dunhuang, START, END, now=NOW)
    units = {u["unit"]: u for u in s["units"]}
    court, police = units["敦煌市人民法院"], units["敦煌市公安局"]
    assert court["officers_on_pace"] == 1 and court["activity_percent"] == 100.0
    assert court["tips"] == 2 and court["tips_failed"] == 1
    assert court["reasons"] == ["1件线索未在24小时内签收"]
    assert police["reasons"] == ["本学期未记录任何活动"]
    assert court["rank"] == 1 and police["rank"] == 2
    assert s["failing_officers"] == [{**s["failing_officers"][0], "officer": "张静", "reason": "本学期未记录任何活动"}]
    text = "\n".join(x["heading"] + x["body"] for x in draft_sections(s))
    for expected in ("一、总体情况", "二、工作开展情况", "三、存在的问题", "四、下一步工作要求", "覆盖率66.7%",
                     "敦煌市公安局：本学期未记录任何活动", "敦煌市公安局张静：本学期未记录任何活动",
                     "1件线索未在24小时内签收", "受理欺凌线索2件", "督导检查"):
        assert expected in text


def new_post(client, world, **extra):
    data = {"region": world.dunhuang.code, "start": "2026-09-01", "end": "2027-01-31", "title": "", "number": "",
            **extra}
    return client.post(reverse("circulars:new"), data)


def test_draft_edit_publish_freeze(client, records):
    w = records
    client.force_login(w.committee_admin)
    assert client.get(reverse("circulars:new")).status_code == 200
    r = new_post(client, w, number="敦政法〔2026〕12号")
    c = Circular.objects.get()
    assert r.status_code == 302 and c.status == "draft" and c.issuer == "敦煌市委政法委"
    assert len(c.sections) == 4 and c.snapshot["tips"]["received"] == 2
    edit = {"title": "关于法治班主任工作情况的通报", "number": "敦政法〔2026〕12号", "issuer": "敦煌市委政法委"}
    for i, s in enumerate(c.sections):
        edit[f"heading_{i}"], edit[f"body_{i}"] = s["heading"], s["body"]
    edit["body_3"] = "请各单位认真整改。"
    assert client.post(reverse("circulars:edit", args=[c.pk]), edit).status_code == 302
    c.refresh_from_db()
    assert c.title == "关于法治班主任工作情况的通报" and c.sections[3]["body"] == "请各单位认真整改。"
    # publishing needs the confirmation
    client.post(reverse("circulars:publish", args=[c.pk]), {})
    assert Circular.objects.get().status == "draft"
    assert client.post(reverse("circulars:publish", args=[c.pk]), {"confirm": "1"}).status_code == 302
    c.refresh_from_db()
    assert c.is_published and c.published_at and c.published_by == w.committee_admin
    frozen = c.snapshot
    tip(w, w.klass, datetime.datetime.now(TZ))  # new data arrives
    for name in ("edit", "publish", "refresh"):
        assert client.post(reverse(f"circulars:{name}", args=[c.pk]), {**edit, "confirm": "1"}).status_code == 404
    assert client.get(reverse("circulars:edit", args=[c.pk])).status_code == 404
    c.refresh_from_db()
    assert c.snapshot == frozen and c.sections[3]["body"] == "请各单位认真整改。"
    c.title = "改"
    with pytest.raises(CircularFrozen):
        c.save()
    with pytest.raises(CircularFrozen):
        c.delete()
    assert client.get(reverse("circulars:detail", args=[c.pk])).status_code == 200


def test_refresh_recompiles_a_draft(client, records):
    w = records
    c = services.create_draft(by=w.committee_admin, region=w.dunhuang, start=D(2020, 1, 1), end=D(2030, 1, 1))
    before = c.snapshot["tips"]["received"]
    tip(w, w.klass2, datetime.datetime(2026, 10, 20, 9, 0, tzinfo=TZ))
    client.force_login(w.committee_admin)
    assert client.post(reverse("circulars:refresh", args=[c.pk]), {"rewrite": "1"}).status_code == 302
    c.refresh_from_db()
    assert c.snapshot["tips"]["received"] == before + 1
    assert f"受理欺凌线索{before + 1}件" in c.sections[1]["body"]


@pytest.mark.parametrize("published", [False, True])
def test_pdf_and_docx(client, records, published):
    w = records
    c = services.create_draft(by=w.committee_admin, region=w.dunhuang, start=START, end=END,
                              number="敦政法〔2026〕12号")
    if published:
        c.publish(by=w.committee_admin)
    client.force_login(w.education_staff)
    r = client.get(reverse("circulars:pdf", args=[c.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(r.content))
    assert len(pdf.pages) >= 1
    text = "".join(p.extract_text() for p in pdf.pages).replace(" ", "").replace("\n", "")
    assert c.number in text and "敦煌市委政法委" in text and "总体情况" in text
    assert c.title.replace(" ", "")[:20] in text
    assert ("草稿" in text) is not published
    r = client.get(reverse("circulars:docx", args=[c.pk]))
    assert r.status_code == 200
    d = docx.Document(io.BytesIO(r.content))
    paras = [p.text for p in d.paragraphs]
    assert c.title in paras and "一、总体情况" in paras and any(c.number in p for p in paras)
    assert ("草稿" in paras) is not published
    table = d.tables[0]
    assert table.rows[0].cells[1].text == "单位" and len(table.rows) == 3
    assert "本学期未记录任何活动" in "".join(cell.text for row in table.rows for cell in row.cells)
    title_run = next(p for p in d.paragraphs if p.text == c.title).runs[0]
    fonts = title_run._element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "黑体"


@pytest.mark.parametrize("persona,read,write", [
    ("committee_admin", True, True), ("education_staff", True, False), ("inspector", True, False),
    ("liaison", False, False), ("officer", False, False), ("school_admin", False, False), ("teacher", False, False),
    ("outsider", False, False),
])
def test_access_per_persona(client, world, persona, read, write):
    c = services.create_draft(by=world.committee_admin, region=world.dunhuang, start=START, end=END)
    client.force_login(world.personas[persona])
    for name in ("detail", "pdf", "docx"):
        assert client.get(reverse(f"circulars:{name}", args=[c.pk])).status_code == (200 if read else 404)
    r = client.get(reverse("circulars:list"))
    assert r.status_code == (200 if read or persona == "outsider" else 404)
    assert (c.number in r.content.decode()) is read
    assert client.get(reverse("circulars:edit", args=[c.pk])).status_code == (200 if write else 404)
    if persona == "outsider":
        assert client.get(reverse("circulars:new")).status_code == 200  # for their own county only
        r = new_post(client, world)
        assert r.status_code == 200 and not Circular.objects.filter(region=world.dunhuang).exclude(pk=c.pk).exists()
    elif not write:
        assert client.get(reverse("circulars:new")).status_code == 404
        assert client.post(reverse("circulars:publish", args=[c.pk]), {"confirm": "1"}).status_code == 404
    c.refresh_from_db()
    assert c.status == "draft"


def test_anonymous_is_sent_to_login(client, world):
    assert client.get(reverse("circulars:list")).status_code == 302


def test_validation(client, world):
    client.force_login(world.committee_admin)
    assert new_post(client, world, number="敦政法〔2026〕1号").status_code == 302
    r = new_post(client, world, number="敦政法〔2026〕1号")
    assert r.status_code == 200 and "number" in r.context["form"].errors
    r = new_post(client, world, start="2026-12-01", end="2026-11-01")
    assert "end" in r.context["form"].errors
    r = new_post(client, world, title="<script>alert(1)</script>")
    assert "title" in r.context["form"].errors
    assert Circular.objects.count() == 1
    # the same number is fine in another region
    services.create_draft(by=world.superuser, region=world.suzhou, start=START, end=END, number="敦政法〔2026〕1号")
    c = Circular.objects.get(region=world.dunhuang)
    other = services.create_draft(by=world.committee_admin, region=world.dunhuang, start=START, end=END)
    form = EditCircularForm({"title": "t", "number": c.number, "issuer": "x", **{
        f"heading_{i}": "h" for i in range(4)}, **{f"body_{i}": "<script>x</script>" for i in range(4)}},
        circular=other)
    assert not form.is_valid() and "number" in form.errors and "body_0" in form.errors
    bad = Circular(region=world.dunhuang, start=END, end=START, title="t", number="n", issuer="i")
    with pytest.raises(ValidationError):
        bad.full_clean()


@pytest.mark.parametrize("query", [
    {"start": "2026-13-40", "end": "x"}, {"start": "0001-01-01", "end": "9999-12-31"}, {"region": "zz"},
    {"region": "620902"}, {"start": "1990-01-01", "end": "2030-01-01"}, {"title": "\x00"},
])
def test_odd_params_never_500(client, world, query):
    client.force_login(world.committee_admin)
    assert new_post(client, world, **query).status_code == 200
    for url in ("/circulars/?page=zz&status=<x>", "/circulars/?page=99999", "/circulars/999999/",
                "/circulars/999999/circular.pdf", "/circulars/abc/"):
        assert client.get(url).status_code in (200, 404)


def test_a_control_character_in_a_registry_name_does_not_break_the_word_file(client, world):
    from fazhi.org.models import Unit

    Unit.objects.filter(pk=world.committee.pk).update(name="敦煌市\x0b委政法委")
    circular = services.create_draft(by=world.committee_admin, region=world.dunhuang,
                                     start=datetime.date(2026, 9, 1), end=datetime.date(2026, 11, 1))
    client.force_login(world.committee_admin)
    response = client.get(f"/circulars/{circular.pk}/circular.docx")
    assert response.status_code == 200
    assert "敦煌市委政法委" in "\n".join(p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs)
