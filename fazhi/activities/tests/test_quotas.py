"""Quotas and progress: the committee sets a county's minimums for the semester; the progress pages count
class meetings per class (whole-school meetings count for every class), prevention sessions per school and
activities per officer, flag whoever is behind the pro-rata pace, and export that list to Excel."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from python_calamine import CalamineWorkbook

from fazhi.activities import progress
from fazhi.activities.models import Activity, Kind, Quota
from fazhi.activities.progress import Period, Progress
from fazhi.assignments.models import Assignment, Pairing
from fazhi.org.models import Officer, School, SchoolClass

pytestmark = pytest.mark.django_db
A = Assignment
YEAR = 2026
AUTUMN = Quota.Semester.AUTUMN
SPRING = Quota.Semester.SPRING
TZ = ZoneInfo("Asia/Shanghai")
QS = f"year={YEAR}&semester=autumn"


def on(day: datetime.date):
    """Freeze the clock on a day (10:00 in China)."""
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(10), tzinfo=TZ), tick=False)


def meeting(school, when, *classes, whole_school=False, officer=None, kind=Kind.CLASS_MEETING, title=""):
    activity = Activity.objects.create(kind=kind, date=when, school=school, whole_school=whole_school,
                                       officer=officer, title=title)
    if classes:
        activity.classes.set(classes)
    return activity


def hold(officer, klass, *, starts=datetime.date(YEAR, 9, 1), ended=None, slot=1):
    fields = {"status": A.Status.ENDED, "ended_on": ended, "end_reason": A.EndReason.TRANSFER} if ended else {
        "status": A.Status.ACTIVE, "load_slot": slot}
    return A.objects.create(officer=officer, school=klass.school, school_class=klass, school_year=YEAR,
                            starts_on=starts, exception_reason="test", **fields)


@pytest.fixture
def term(world):
    """Autumn 2026 in Dunhuang and, next door, Suzhou district.

    Dunhuang No. 2 Middle School (classes 七年级(3)班 and 八年级(1)班), Dongjie Primary (三年级(2)班);
    李明 (court) holds 七(3), 张静 (police) holds 三(2), 周敏 (court) held 八(1) until October.
    """
    w = world
    SchoolClass.objects.update(school_year=YEAR)
    for k in ("klass", "klass2", "klass3", "other_class"):
        getattr(w, k).refresh_from_db()
    Pairing.objects.create(unit=w.court, school=w.school, school_year=YEAR)
    Pairing.objects.create(unit=w.police, school=w.school2, school_year=YEAR)
    w.officer3 = Officer.objects.create(unit=w.court, name="周敏", gender="F", phone="13909370011")
    w.gone = Officer.objects.create(unit=w.court, name="钱亮", gender="M", phone="13909370012")
    hold(w.officer, w.klass)
    hold(w.officer2, w.klass3)
    hold(w.officer3, w.klass2, ended=datetime.date(YEAR, 10, 1))
    hold(w.gone, w.klass2, starts=datetime.date(YEAR - 1, 9, 1), ended=datetime.date(YEAR, 7, 31))  # before the term
    hold(w.other_officer, w.other_class)

    d = datetime.date
    meeting(w.school, d(YEAR, 9, 10), w.klass, officer=w.officer)                      # 七(3)
    meeting(w.school, d(YEAR, 10, 10), whole_school=True, officer=w.officer)           # every class of the school
    meeting(w.school, d(YEAR, 10, 20), w.klass, whole_school=True)                     # whole school, counted once
    meeting(w.school, d(YEAR, 8, 20), w.klass2, officer=w.officer3)                    # before the semester
    meeting(w.school2, d(YEAR + 1, 2, 5), w.klass3, officer=w.officer2)                # next semester
    meeting(w.school2, d(YEAR, 9, 15), kind=Kind.TALK, officer=w.officer2)             # not a group session
    meeting(w.school2, d(YEAR, 11, 1), kind=Kind.LECTURE, officer=w.officer2)          # a session at the school
    meeting(w.school, d(YEAR, 9, 25), kind=Kind.HOME_VISIT, officer=w.officer)         # led, not a session
    meeting(w.other_school, d(YEAR, 9, 20), w.other_class, whole_school=True, officer=w.other_officer)  # Suzhou
    return w


def period(day=datetime.date(YEAR, 11, 20), semester=AUTUMN):
    return Period(school_year=YEAR, semester=semester, today=day)


def by_pk(rows):
    return {r.pk: (r.done, r.target, r.expected) for r in rows}


# ---- the definitions -----------------------------------------------------------------------------

def test_semester_days_and_the_pro_rata_pace():
    p = period(datetime.date(YEAR, 9, 1))
    assert (p.start, p.end, p.days) == (datetime.date(YEAR, 9, 1), datetime.date(YEAR + 1, 1, 31), 153)
    assert p.elapsed_days == 1 and p.expected(2) == 0
    assert period(datetime.date(YEAR, 11, 15)).elapsed_days == 76
    assert period(datetime.date(YEAR, 11, 15)).expected(2) == 0      # 2 × 76 / 153 = 0.99
    assert period(datetime.date(YEAR, 11, 16)).expected(2) == 1      # day 77: half of the semester gone
    assert period(datetime.date(YEAR + 1, 1, 31)).expected(2) == 2   # the last day: the whole target
    assert period(datetime.date(YEAR, 8, 20)).expected(5) == 0       # not started
    assert period(datetime.date(YEAR + 1, 6, 1)).elapsed_days == 153 and period(
        datetime.date(YEAR + 1, 6, 1)).expected(3) == 3              # over
    assert period(semester=SPRING).start == datetime.date(YEAR + 1, 2, 1)
    assert progress.status_of(2, 2, 1) == "met"
    assert progress.status_of(1, 2, 1) == "on_pace"
    assert progress.status_of(0, 2, 1) == "behind"


def test_period_defaults_to_the_current_semester():
    assert Period.of(today=datetime.date(YEAR, 11, 28)).semester == AUTUMN
    assert Period.of(today=datetime.date(YEAR + 1, 1, 10)).school_year == YEAR
    p = Period.of(today=datetime.date(YEAR + 1, 3, 1))
    assert (p.school_year, p.semester) == (YEAR, SPRING)


# ---- the counts ----------------------------------------------------------------------------------

def test_class_meetings_count_listed_and_whole_school_meetings_in_the_semester_only(term):
    w = term
    rows = by_pk(Progress(period(), region="620982").classes())
    assert rows == {w.klass.pk: (3, 2, 1), w.klass2.pk: (2, 2, 1), w.klass3.pk: (0, 2, 1)}


def test_other_region_is_ignored_and_a_city_sees_both_counties(term):
    w = term
    assert w.other_class.pk not in by_pk(Progress(period(), region="620982").classes())
    city = by_pk(Progress(period(), region="6209").classes())
    assert city[w.other_class.pk] == (1, 2, 1) and len(city) == 4


def test_last_school_years_classes_are_not_listed(term):
    w = term
    old = SchoolClass.objects.create(school=w.school, school_year=YEAR - 1, grade=7, number=9)
    assert old.pk not in by_pk(Progress(period(), region="620982").classes())


def test_prevention_sessions_count_group_sessions_at_the_school(term):
    w = term
    rows = by_pk(Progress(period(), region="620982").schools())
    # No. 2 Middle: three class meetings (the August one is outside, the home visit is not a session);
    # Dongjie Primary: the lecture (the talk is one-to-one, the February meeting is next semester).
    assert rows == {w.school.pk: (3, 1, 0), w.school2.pk: (1, 1, 0)}


def test_activities_per_officer_count_what_they_led_while_holding_a_class_in_the_semester(term):
    w = term
    rows = by_pk(Progress(period(), region="620982").officers())
    # 钱亮's class ended before the semester: not listed. 周敏 held 八(1) until October: listed.
    assert rows == {w.officer.pk: (3, 2, 1), w.officer2.pk: (2, 2, 1), w.officer3.pk: (0, 2, 1)}


def test_spring_semester_counts_only_spring_activities(term):
    w = term
    p = Progress(period(datetime.date(YEAR + 1, 3, 1), semester=SPRING), region="620982")
    assert by_pk(p.classes())[w.klass3.pk][0] == 1
    assert by_pk(p.classes())[w.klass.pk][0] == 0
    assert by_pk(p.schools())[w.school2.pk][0] == 1
    assert by_pk(p.officers()) == {w.officer.pk: (0, 2, 0), w.officer2.pk: (1, 2, 0)}  # 周敏 left in October


def test_unit_and_school_selections(term):
    w = term
    court = Progress(period(), region="620982", unit_id=w.court.pk)
    assert set(by_pk(court.classes())) == {w.klass.pk, w.klass2.pk}            # schools paired with the court
    assert set(by_pk(court.schools())) == {w.school.pk}
    assert set(by_pk(court.officers())) == {w.officer.pk, w.officer3.pk}      # the court's officers
    school2 = Progress(period(), school_id=w.school2.pk)
    assert set(by_pk(school2.classes())) == {w.klass3.pk}
    assert set(by_pk(school2.officers())) == {w.officer2.pk}


# ---- quotas --------------------------------------------------------------------------------------

def test_the_nearest_regions_quota_applies(term):
    w = term
    Quota.objects.create(region=w.gansu, school_year=YEAR, semester=AUTUMN, class_meetings_per_class=1)
    Quota.objects.create(region=w.jiuquan, school_year=YEAR, semester=AUTUMN, class_meetings_per_class=3,
                         sessions_per_school=2, activities_per_officer=3)
    Quota.objects.create(region=w.jiuquan, school_year=YEAR, semester=SPRING, class_meetings_per_class=9)
    p = Progress(period(), region="6209")
    assert by_pk(p.classes())[w.klass.pk] == (3, 3, 1)
    assert by_pk(p.schools())[w.school2.pk] == (1, 2, 1)
    assert by_pk(p.officers())[w.officer.pk] == (3, 3, 1)
    Quota.objects.create(region=w.dunhuang, school_year=YEAR, semester=AUTUMN, class_meetings_per_class=4)
    p = Progress(period(), region="6209")
    rows = by_pk(p.classes())
    assert rows[w.klass.pk] == (3, 4, 2)                    # the county's own quota
    assert rows[w.other_class.pk] == (1, 3, 1)              # Suzhou inherits the city's
    assert by_pk(p.schools())[w.school.pk] == (3, 1, 0)     # the county's own quota keeps the default 1
    assert p.quota_for("620902").region_id == "6209"
    assert p.quota_for("620982").class_meetings_per_class == 4
    assert Quota.for_region("620982", YEAR, AUTUMN).class_meetings_per_class == 4
    assert Quota.for_region("620902", YEAR, AUTUMN).class_meetings_per_class == 3


def test_an_officer_with_classes_in_two_regions_gets_the_higher_target(term):
    w = term
    Quota.objects.create(region=w.suzhou, school_year=YEAR, semester=AUTUMN, activities_per_officer=5)
    A.objects.filter(officer=w.other_officer).update(status=A.Status.ENDED, ended_on=datetime.date(YEAR, 8, 1),
                                                     end_reason="transfer", load_slot=None)
    hold(w.officer, w.other_class, slot=2)
    assert by_pk(Progress(period(), region="6209").officers())[w.officer.pk] == (3, 5, 2)
    assert by_pk(Progress(period(), region="620982").officers())[w.officer.pk] == (3, 2, 1)


# ---- lagging and totals --------------------------------------------------------------------------

def test_lagging_follows_the_pro_rata_pace(term):
    w = term
    early = Progress(period(datetime.date(YEAR, 11, 15)), region="620982")
    assert list(progress.lagging(early.classes())) == []                  # nothing due yet
    mid = Progress(period(datetime.date(YEAR, 11, 16)), region="620982")
    assert [c.pk for c in progress.lagging(mid.classes())] == [w.klass3.pk]
    assert [o.pk for o in progress.lagging(mid.officers())] == [w.officer3.pk]
    assert list(progress.lagging(mid.schools())) == []
    assert progress.totals(mid.classes()) == {"total": 3, "met": 2, "behind": 1, "on_pace": 0, "met_percent": 66.7}
    Quota.objects.create(region=w.dunhuang, school_year=YEAR, semester=AUTUMN, class_meetings_per_class=3)
    end = Progress(period(datetime.date(YEAR + 1, 1, 31)), region="620982")
    assert {c.pk for c in progress.lagging(end.classes())} == {w.klass2.pk, w.klass3.pk}
    assert progress.totals(end.classes())["met_percent"] == 33.3
    assert progress.totals(Progress(period(), region="99").classes()) == {
        "total": 0, "met": 0, "behind": 0, "on_pace": 0, "met_percent": None}


# ---- the page ------------------------------------------------------------------------------------

def test_committee_sees_every_list_with_exact_counts(client, term):
    w = term
    client.force_login(w.committee_admin)
    with on(datetime.date(YEAR, 11, 20)):
        r = client.get("/quotas/")
        assert r.status_code == 200
        assert r.context["period"].semester == AUTUMN and r.context["period"].school_year == YEAR
        assert r.context["tabs"] == ["classes", "schools", "officers"]
        assert {t["tab"]: (t["totals"]["met"], t["totals"]["total"]) for t in r.context["tab_totals"]} == {
            "classes": (2, 3), "schools": (2, 2), "officers": (2, 3)}
        rows = {c.name: (c.done, c.target, c.expected, c.status) for c in r.context["page_obj"]}
        assert rows == {"七年级(3)班": (3, 2, 1, "met"), "八年级(1)班": (2, 2, 1, "met"), "三年级(2)班": (0, 2, 1, "behind")}
        page = r.content.decode()
        assert "李明" in page and "酒泉市第四中学" not in page
        r = client.get("/quotas/?tab=officers&show=lagging")
        assert [o.name for o in r.context["page_obj"]] == ["周敏"]
        r = client.get(f"/quotas/?tab=schools&school={w.school2.pk}")
        assert [(s.name, s.done) for s in r.context["page_obj"]] == [("敦煌市东街小学", 1)]


def test_semester_and_school_year_filters(client, term):
    client.force_login(term.committee_admin)
    with on(datetime.date(YEAR, 11, 20)):
        r = client.get(f"/quotas/?year={YEAR}&semester=spring&tab=schools")
        assert r.context["period"].semester == SPRING
        assert {s.name: s.done for s in r.context["page_obj"]} == {"敦煌市第二中学": 0, "敦煌市东街小学": 1}
        assert client.get("/quotas/?year=1&semester=winter").context["period"].label.startswith(f"{YEAR}–")


def test_page_shows_the_regions_quota_and_links_to_settings(client, term):
    w = term
    Quota.objects.create(region=w.jiuquan, school_year=YEAR, semester=AUTUMN, class_meetings_per_class=3)
    client.force_login(w.committee_admin)
    with on(datetime.date(YEAR, 11, 20)):
        r = client.get("/quotas/")
    assert r.context["quota"].class_meetings_per_class == 3
    assert "/quotas/settings/?year=2026&amp;semester=autumn" in r.content.decode()
    client.force_login(w.inspector)
    with on(datetime.date(YEAR, 11, 20)):
        r = client.get("/quotas/")
    assert r.status_code == 200 and "/quotas/settings/" not in r.content.decode()


def test_liaison_sees_their_units_officers_only(client, term):
    w = term
    client.force_login(w.liaison)
    with on(datetime.date(YEAR, 11, 20)):
        r = client.get("/quotas/?tab=classes")
    assert r.context["tabs"] == ["officers"] and r.context["tab"] == "officers"
    assert {o.name: o.done for o in r.context["page_obj"]} == {"李明": 3, "周敏": 0}


def test_school_admin_sees_their_school(client, term):
    w = term
    client.force_login(w.school_admin)
    with on(datetime.date(YEAR, 11, 20)):
        assert {c.name for c in client.get("/quotas/").context["page_obj"]} == {"七年级(3)班", "八年级(1)班"}
        assert [s.name for s in client.get("/quotas/?tab=schools").context["page_obj"]] == ["敦煌市第二中学"]
        assert {o.name for o in client.get("/quotas/?tab=officers").context["page_obj"]} == {"李明", "周敏"}
        assert client.get(f"/quotas/?school={w.school2.pk}").status_code == 404


def test_officer_sees_their_own_row_and_classes(client, term):
    w = term
    client.force_login(w.officer_user)
    with on(datetime.date(YEAR, 11, 20)):
        r = client.get("/quotas/?tab=officers")
        assert r.context["tabs"] == ["classes", "officers"]
        assert [(o.name, o.done, o.target) for o in r.context["page_obj"]] == [("李明", 3, 2)]
        assert [c.name for c in client.get("/quotas/").context["page_obj"]] == ["七年级(3)班"]
        assert client.get("/quotas/?tab=schools").context["tab"] == "classes"


@pytest.mark.parametrize("who", ["teacher", "nobody"])
def test_roles_without_progress_get_404(client, term, who):
    client.force_login(getattr(term, who))
    for url in ("/quotas/", "/quotas/export.xlsx", "/quotas/settings/"):
        assert client.get(url).status_code == 404


def test_outsider_gets_404_for_another_regions_filters_and_sees_only_their_own(client, term):
    w = term
    client.force_login(w.outsider)
    for query in ("region=620982", f"unit={w.court.pk}", f"school={w.school.pk}", "region=6209"):
        for url in ("/quotas/", "/quotas/export.xlsx"):
            assert client.get(f"{url}?{query}").status_code == 404, (url, query)
    with on(datetime.date(YEAR, 11, 20)):
        r = client.get("/quotas/")
        assert [c.name for c in r.context["page_obj"]] == ["七年级(1)班"]
        assert [o.name for o in client.get("/quotas/?tab=officers").context["page_obj"]] == ["赵强"]
    assert client.get("/quotas/settings/?region=620982").status_code == 404
    assert client.post("/quotas/settings/", {"region": "620982", "year": YEAR, "semester": "autumn",
                                             "class_meetings_per_class": 9, "sessions_per_school": 9,
                                             "activities_per_officer": 9}).status_code == 404
    assert not Quota.objects.exists()


def test_county_user_cannot_pick_the_city_even_though_its_name_is_visible(client, term):
    client.force_login(term.committee_admin)
    assert client.get("/quotas/?region=6209").status_code == 404
    assert client.get("/quotas/?region=620982").status_code == 200


def test_pagination_keeps_the_filters(client, term):
    w = term
    for n in range(2, 30):
        SchoolClass.objects.create(school=w.school2, school_year=YEAR, grade=4, number=n)
    client.force_login(w.committee_admin)
    with on(datetime.date(YEAR, 11, 20)):
        r = client.get("/quotas/?show=lagging")
        assert r.context["page_obj"].paginator.count == 29      # 28 new classes + 三(2)
        assert "show=lagging" in r.content.decode() and "page=2" in r.content.decode()
        assert len(client.get("/quotas/?show=lagging&page=2").context["page_obj"].object_list) == 4


def test_query_count_stays_flat_as_data_grows(client, term):
    w = term
    client.force_login(w.committee_admin)

    def count(url):
        with on(datetime.date(YEAR, 11, 20)), CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    urls = ["/quotas/", "/quotas/?tab=schools", "/quotas/?tab=officers&show=lagging", "/quotas/export.xlsx"]
    before = [count(u) for u in urls]
    for i in range(12):
        school = School.objects.create(region=w.dunhuang, name=f"敦煌市第{i + 10}小学", stage=School.Stage.PRIMARY)
        classes = [SchoolClass.objects.create(school=school, school_year=YEAR, grade=g, number=1) for g in (1, 2, 3)]
        officer = Officer.objects.create(unit=w.police, name=f"警官{i}", gender="M", phone=f"1390937{1000 + i}")
        hold(officer, classes[0])
        meeting(school, datetime.date(YEAR, 10, 1), *classes[:2], officer=officer)
        meeting(school, datetime.date(YEAR, 10, 2), whole_school=True)
    after = [count(u) for u in urls]
    assert after == before, (before, after)
    assert max(before) <= 20, before


# ---- Excel ---------------------------------------------------------------------------------------

def read_xlsx(content: bytes) -> dict[str, list[list]]:
    wb = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def test_export_lists_the_laggards_of_every_list(client, term):
    w = term
    client.force_login(w.committee_admin)
    with on(datetime.date(YEAR, 11, 20)):
        r = client.get("/quotas/export.xlsx?" + QS)
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "attachment;" in r["Content-Disposition"]
    sheets = read_xlsx(r.content)
    assert list(sheets) == ["班级", "学校", "法治班主任"]
    assert sheets["班级"] == [
        ["区划代码", "学校", "班级", "法治班主任", "主题班会目标", "已开展", "按进度应完成", "尚差"],
        ["620982", "敦煌市东街小学", "三年级(2)班", "张静", 2, 0, 1, 2]]
    assert sheets["学校"] == [["区划代码", "学校", "预防教育目标", "已开展", "按进度应完成", "尚差"]]
    assert sheets["法治班主任"] == [
        ["姓名", "单位", "电话", "所带班级", "活动目标", "已开展", "按进度应完成", "尚差"],
        ["周敏", "敦煌市人民法院", "13909370011", "敦煌市第二中学八年级(1)班", 2, 0, 1, 2]]


def test_export_uses_the_same_filters(client, term):
    w = term
    with on(datetime.date(YEAR + 1, 2, 20)):  # autumn is over: the lagging list is everyone below the quota
        client.force_login(w.committee_admin)
        r = client.get(f"/quotas/export.xlsx?{QS}&school={w.school.pk}")
        assert r.status_code == 200, r.content[:500]
        sheets = read_xlsx(r.content)
        assert [row[2] for row in sheets["班级"][1:]] == []
        assert [row[0] for row in sheets["法治班主任"][1:]] == ["周敏"]
        r = client.get(f"/quotas/export.xlsx?{QS}&school={w.school2.pk}")
        assert [row[2] for row in read_xlsx(r.content)["班级"][1:]] == ["三年级(2)班"]


def test_export_writes_names_as_text_not_formulas(client, term):
    w = term
    School.objects.filter(pk=w.school2.pk).update(name="=HYPERLINK(\"http://x\",\"y\")")
    client.force_login(w.committee_admin)
    with on(datetime.date(YEAR, 11, 20)):
        r = client.get("/quotas/export.xlsx")
    import openpyxl

    ws = openpyxl.load_workbook(io.BytesIO(r.content))["班级"]
    assert ws["B2"].value == "=HYPERLINK(\"http://x\",\"y\")" and ws["B2"].data_type == "s"


def test_liaison_export_has_only_the_officers_sheet(client, term):
    client.force_login(term.liaison)
    with on(datetime.date(YEAR, 11, 20)):
        sheets = read_xlsx(client.get("/quotas/export.xlsx").content)
    assert list(sheets) == ["法治班主任"] and [r[0] for r in sheets["法治班主任"][1:]] == ["周敏"]


# ---- settings ------------------------------------------------------------------------------------

def test_settings_show_inherited_values_and_saving_creates_the_regions_own(client, term):
    w = term
    Quota.objects.create(region=w.jiuquan, school_year=YEAR, semester=AUTUMN, class_meetings_per_class=3,
                         sessions_per_school=2, activities_per_officer=4)
    client.force_login(w.committee_admin)
    r = client.get(f"/quotas/settings/?{QS}")
    assert r.status_code == 200 and r.context["region"] == w.dunhuang
    assert r.context["inherited"] and r.context["inherited_from"] == w.jiuquan
    assert r.context["form"].initial["class_meetings_per_class"] == 3
    assert "酒泉市" in r.content.decode()
    r = client.post("/quotas/settings/", {"region": "620982", "year": YEAR, "semester": "autumn",
                                          "class_meetings_per_class": 5, "sessions_per_school": 2,
                                          "activities_per_officer": 3})
    assert r.status_code == 302 and "region=620982" in r["Location"]
    own = Quota.objects.get(region=w.dunhuang)
    assert (own.school_year, own.semester, own.class_meetings_per_class, own.activities_per_officer) == (
        YEAR, AUTUMN, 5, 3)
    assert Quota.objects.get(region=w.jiuquan).class_meetings_per_class == 3   # the city's is untouched
    r = client.get(f"/quotas/settings/?{QS}")
    assert not r.context["inherited"] and r.context["form"].instance == own
    # another semester still inherits the national defaults
    r = client.get(f"/quotas/settings/?year={YEAR}&semester=spring")
    assert r.context["inherited"] and r.context["inherited_from"] is None
    assert r.context["form"].initial["class_meetings_per_class"] == 2


def test_settings_validate_and_education_staff_may_set_them(client, term):
    client.force_login(term.education_staff)
    r = client.post("/quotas/settings/", {"region": "620982", "year": YEAR, "semester": "autumn",
                                          "class_meetings_per_class": 500, "sessions_per_school": 1,
                                          "activities_per_officer": 2})
    assert r.status_code == 200 and r.context["form"].errors
    assert client.post("/quotas/settings/", {"region": "620982", "year": YEAR, "semester": "autumn",
                                             "class_meetings_per_class": 1, "sessions_per_school": 1,
                                             "activities_per_officer": 2}).status_code == 302
    assert Quota.objects.get().class_meetings_per_class == 1


@pytest.mark.parametrize("who", ["inspector", "liaison", "officer_user", "school_admin"])
def test_only_committee_and_education_set_quotas(client, term, who):
    client.force_login(getattr(term, who))
    assert client.get("/quotas/settings/").status_code == 404
    assert client.post("/quotas/settings/", {"region": "620982", "year": YEAR, "semester": "autumn",
                                             "class_meetings_per_class": 1, "sessions_per_school": 1,
                                             "activities_per_officer": 1}).status_code == 404
