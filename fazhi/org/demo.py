"""A demo city: Dunhuang (620982), sized like the 2022 report — 40 schools, 565 classes, 565 officers.

`seed_demo()` is idempotent: every object is looked up by its natural key (unit and school by name
in the region, class by school/year/grade/number, officer by phone, user by username) and only what
is missing is created; nothing existing is changed, passwords included. Everything generated is
deterministic (fixed random seeds), so two databases seeded on the same school year hold the same
city. Used by `manage.py seed_demo` and listed by `manage.py demo_logins`.
"""

import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from fazhi.accounts.models import Membership, Role, User
from fazhi.org.management.commands.load_regions import load_regions_file
from fazhi.org.models import (
    Officer,
    Region,
    School,
    SchoolClass,
    Unit,
    class_display_name,
    current_school_year,
)

DEMO_PASSWORD = "fazhi2026"  # noqa: S105 — the published password of the demo accounts
DEMO_REGION = "620982"  # 敦煌市
CHANGE_REASON = "seed_demo"
SEED = 20220620

# ---------------------------------------------------------------------------------------------
# Units
# ---------------------------------------------------------------------------------------------

COMMITTEE = "敦煌市委政法委"
COURT = "敦煌市人民法院"
PROCURATORATE = "敦煌市人民检察院"
POLICE = "敦煌市公安局"
JUSTICE = "敦煌市司法局"
EDUCATION = "敦煌市教育局"

# name, kind, phone, address, supervision hotline
UNITS = [
    (COMMITTEE, Unit.Kind.COMMITTEE, "0937-8832601", "敦煌市沙州镇阳关中路1号", "0937-8832110"),
    (COURT, Unit.Kind.COURT, "0937-8822502", "敦煌市沙州镇鸣山北路18号", ""),
    (PROCURATORATE, Unit.Kind.PROCURATORATE, "0937-8822651", "敦煌市沙州镇沙州北路26号", ""),
    (POLICE, Unit.Kind.PUBLIC_SECURITY, "0937-8822311", "敦煌市沙州镇阳关东路9号", ""),
    (JUSTICE, Unit.Kind.JUSTICE, "0937-8823148", "敦煌市沙州镇三危路35号", ""),
    (EDUCATION, Unit.Kind.EDUCATION, "0937-8822403", "敦煌市沙州镇文昌北路12号", ""),
]

# How many officers each unit sends into classes (565 in all, one per class; police the largest).
OFFICER_COUNTS = {POLICE: 250, JUSTICE: 125, COURT: 105, PROCURATORATE: 85}

# (title, weight) per unit.
TITLES = {
    POLICE: [("民警", 40), ("社区民警", 22), ("警长", 12), ("刑警", 8), ("教导员", 5), ("副所长", 7),
             ("所长", 3), ("副大队长", 3)],
    COURT: [("审判员", 28), ("法官助理", 30), ("书记员", 22), ("执行员", 6), ("副庭长", 7), ("庭长", 4),
            ("司法警察", 3)],
    PROCURATORATE: [("检察官", 32), ("检察官助理", 36), ("书记员", 20), ("检察部副主任", 7), ("检察部主任", 5)],
    JUSTICE: [("司法所所长", 9), ("司法所副所长", 8), ("司法助理员", 30), ("人民调解员", 20),
              ("社区矫正工作人员", 15), ("律师", 10), ("法律援助律师", 8), ("公证员", 6)],
}
MALE_SHARE = {POLICE: 0.8, COURT: 0.55, PROCURATORATE: 0.5, JUSTICE: 0.55}

# ---------------------------------------------------------------------------------------------
# Schools: (name, stage, town, street, classes per grade — one number for every grade, or a tuple)
# ---------------------------------------------------------------------------------------------

P, J, S, N, V = (School.Stage.PRIMARY, School.Stage.JUNIOR, School.Stage.SENIOR, School.Stage.NINE_YEAR,
                 School.Stage.VOCATIONAL)

SCHOOLS = [
    ("敦煌中学", S, "沙州镇", "阳关东路", 10),
    ("敦煌市第一中学", S, "沙州镇", "鸣山北路", (10, 10, 9)),
    ("敦煌市职业技术学校", V, "沙州镇", "三危路", (7, 7, 6)),
    ("敦煌市第二中学", J, "沙州镇", "沙州北路", 10),
    ("敦煌市第三中学", J, "沙州镇", "文昌南路", 10),
    ("敦煌市第四中学", J, "七里镇", "石油路", 8),
    ("敦煌市第五中学", J, "沙州镇", "党河北路", 6),
    ("敦煌市莫高镇中学", J, "莫高镇", "莫高路", 3),
    ("敦煌市转渠口镇中学", J, "转渠口镇", "转渠口街", 2),
    ("敦煌市郭家堡镇中学", J, "郭家堡镇", "郭家堡街", 2),
    ("敦煌市肃州镇中学", J, "肃州镇", "肃州街", 2),
    ("敦煌市月牙泉镇中学", J, "月牙泉镇", "鸣山南路", 2),
    ("敦煌市实验学校", N, "沙州镇", "书院路", 3),
    ("敦煌市阳关镇九年制学校", N, "阳关镇", "阳关街", 1),
    ("敦煌市黄渠镇九年制学校", N, "黄渠镇", "黄渠街", 1),
    ("敦煌市北街小学", P, "沙州镇", "北大街", 5),
    ("敦煌市东街小学", P, "沙州镇", "东大街", 5),
    ("敦煌市南街小学", P, "沙州镇", "南大街", 4),
    ("敦煌市西街小学", P, "沙州镇", "西大街", 3),
    ("敦煌市鸣山小学", P, "沙州镇", "鸣山路", 3),
    ("敦煌市七里镇中心小学", P, "七里镇", "七里镇大街", 4),
    ("敦煌市七里镇第二小学", P, "七里镇", "团结路", 3),
    ("敦煌市沙州镇中心小学", P, "沙州镇", "沙州南路", 2),
    ("敦煌市肃州镇中心小学", P, "肃州镇", "肃州街", 2),
    ("敦煌市莫高镇中心小学", P, "莫高镇", "莫高路", 2),
    ("敦煌市转渠口镇中心小学", P, "转渠口镇", "转渠口街", 2),
    ("敦煌市月牙泉镇中心小学", P, "月牙泉镇", "月牙泉路", 2),
    ("敦煌市郭家堡镇中心小学", P, "郭家堡镇", "郭家堡街", 2),
    ("敦煌市莫高镇三危小学", P, "莫高镇", "三危村", 1),
    ("敦煌市莫高镇五墩小学", P, "莫高镇", "五墩村", 1),
    ("敦煌市莫高镇新店台小学", P, "莫高镇", "新店台村", 1),
    ("敦煌市转渠口镇双墩小学", P, "转渠口镇", "双墩村", 1),
    ("敦煌市转渠口镇盐茶小学", P, "转渠口镇", "盐茶村", 1),
    ("敦煌市肃州镇孟家桥小学", P, "肃州镇", "孟家桥村", 1),
    ("敦煌市月牙泉镇杨家桥小学", P, "月牙泉镇", "杨家桥村", 1),
    ("敦煌市郭家堡镇七号桥小学", P, "郭家堡镇", "七号桥村", 1),
    ("敦煌市郭家堡镇梁家堡小学", P, "郭家堡镇", "梁家堡村", 1),
    ("敦煌市阳关镇南湖小学", P, "阳关镇", "南湖村", 1),
    ("敦煌市沙州镇南台堡小学", P, "沙州镇", "南台堡村", 1),
    ("敦煌市七里镇铁家堡小学", P, "七里镇", "铁家堡村", 1),
]
DEMO_SCHOOL = "敦煌市第二中学"
DEMO_CLASS = (7, 1)  # 七年级(1)班 of DEMO_SCHOOL

# ---------------------------------------------------------------------------------------------
# Demo logins
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    full_name: str
    phone: str
    role: str | None  # None: the superuser
    label: str  # the role, in Chinese, for the demo_logins table


DEMO_LOGINS = [
    DemoLogin("admin", "系统管理员", "13909370100", None, "超级管理员"),
    DemoLogin("committee", "陈志强", "13909370101", Role.COMMITTEE_ADMIN, "政法委管理员"),
    DemoLogin("education", "刘晓燕", "13909370102", Role.EDUCATION_STAFF, "教育局工作人员"),
    DemoLogin("inspector", "赵文博", "13909370103", Role.INSPECTOR, "督查人员"),
    DemoLogin("liaison", "马国栋", "13909370104", Role.LIAISON, "单位联络员"),
    DemoLogin("officer", "杨志刚", "13909370105", Role.OFFICER, "政法干警（法治班主任）"),
    DemoLogin("school", "孙建军", "13909370106", Role.SCHOOL_ADMIN, "学校管理员"),
    DemoLogin("teacher", "王丽娟", "13909370107", Role.TEACHER, "班主任"),
]
DEMO_OFFICER = {"name": "杨志刚", "gender": Officer.Gender.MALE, "title": "社区民警", "phone": "13909370105"}
DEMO_TEACHER = {"homeroom_teacher": "王丽娟", "homeroom_teacher_phone": "13909370107"}

# ---------------------------------------------------------------------------------------------
# Names and numbers
# ---------------------------------------------------------------------------------------------

# Common surnames, weighted roughly by frequency in Gansu (马 is common among the Hui).
SURNAMES = [
    ("王", 9), ("李", 9), ("张", 9), ("刘", 6), ("马", 6), ("杨", 5), ("陈", 5), ("赵", 5), ("魏", 3),
    ("何", 3), ("吴", 2), ("周", 2), ("徐", 2), ("孙", 2), ("朱", 2), ("高", 2), ("郭", 2), ("罗", 2),
    ("梁", 2), ("宋", 2), ("韩", 2), ("唐", 2), ("冯", 2), ("董", 2), ("曹", 2), ("邓", 1), ("许", 1),
    ("彭", 1), ("吕", 1), ("苏", 1), ("蒋", 1), ("贾", 1), ("丁", 1), ("薛", 1), ("闫", 2), ("雷", 2),
    ("牛", 2), ("祁", 1), ("寇", 1), ("汪", 1), ("田", 1), ("任", 1), ("姜", 1), ("范", 1), ("石", 1),
    ("姚", 1), ("谭", 1), ("金", 1), ("陆", 1), ("郝", 1), ("白", 1), ("崔", 1), ("康", 1), ("毛", 1),
    ("秦", 1), ("史", 1), ("侯", 1), ("孟", 1), ("段", 1), ("常", 1), ("武", 1), ("乔", 1), ("贺", 1),
    ("龚", 1), ("蔺", 1), ("鲁", 1), ("俞", 1), ("安", 1), ("柴", 1), ("窦", 1),
]
GIVEN = {
    "M": {
        "single": "伟强军磊勇杰涛斌鹏超明刚平辉宇浩俊峰亮林波健龙凯鑫彬晨阳东",
        "first": "志建国文海俊子宏晓永德明伟家鹏学振天浩嘉博立兴世",
        "second": "刚军强华明平杰龙涛伟峰斌鹏宇轩诚林辉成彬睿昊博文远新亮",
    },
    "F": {
        "single": "芳娟敏静丽艳霞燕玲婷雪慧琳颖倩欣丹红梅蕾晶瑶洁萍",
        "first": "秀丽晓玉海春雅文思雨梦佳淑美慧彩婉欣亚若心",
        "second": "英娟燕兰琴梅霞静琪欣瑶怡婷丽芳洁雯萍娜蓉玲",
    },
}
MOBILE_PREFIXES = [
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153",
    "155", "156", "157", "158", "159", "166", "173", "176", "177", "178", "180", "181", "182", "183",
    "185", "186", "187", "188", "189", "191", "193", "198", "199",
]
_SURNAMES, _SURNAME_WEIGHTS = zip(*SURNAMES, strict=True)


def chinese_name(rng: random.Random, gender: str) -> str:
    surname = rng.choices(_SURNAMES, _SURNAME_WEIGHTS)[0]
    pool = GIVEN[gender]
    if rng.random() < 0.3:
        return surname + rng.choice(pool["single"])
    return surname + rng.choice(pool["first"]) + rng.choice(pool["second"])


class MobileNumbers:
    """Deterministic, unique 11-digit mobile numbers, avoiding the reserved demo numbers."""

    def __init__(self, rng: random.Random, reserved=()):
        self.rng = rng
        self.used = set(reserved)

    def next(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.used:
                self.used.add(number)
                return number


def _grades(stage: str) -> range:
    return School.GRADE_RANGES[stage]


def _per_grade(stage: str, spec) -> dict[int, int]:
    grades = _grades(stage)
    counts = spec if isinstance(spec, tuple) else (spec,) * len(grades)
    assert len(counts) == len(grades), f"{stage}: {len(grades)} grades, {len(counts)} class counts"
    return dict(zip(grades, counts, strict=True))


def planned_class_count() -> int:
    return sum(sum(_per_grade(stage, spec).values()) for _n, stage, _t, _s, spec in SCHOOLS)


def _school_phone(index: int) -> str:
    return f"0937-88{24000 + index * 37:05d}"


# ---------------------------------------------------------------------------------------------
# Seeding
# ---------------------------------------------------------------------------------------------


def _plan_officers(numbers: MobileNumbers) -> dict[str, list[dict]]:
    rng = random.Random(f"{SEED}:officers")  # noqa: S311 — demo data, deterministic on purpose
    plan: dict[str, list[dict]] = {}
    for unit_name, count in OFFICER_COUNTS.items():
        titles, weights = zip(*TITLES[unit_name], strict=True)
        rows = [dict(DEMO_OFFICER)] if unit_name == POLICE else []
        seen = {row["name"] for row in rows}
        while len(rows) < count:
            gender = "M" if rng.random() < MALE_SHARE[unit_name] else "F"
            name = chinese_name(rng, gender)
            if name in seen:  # keep names distinct inside a unit, so lists are easy to read
                continue
            seen.add(name)
            rows.append({"name": name, "gender": gender, "title": rng.choices(titles, weights)[0],
                         "phone": numbers.next()})
        plan[unit_name] = rows
    return plan


def _plan_classes(numbers: MobileNumbers) -> dict[str, list[dict]]:
    rng = random.Random(f"{SEED}:classes")  # noqa: S311
    plan: dict[str, list[dict]] = {}
    for name, stage, _town, street, spec in SCHOOLS:
        small = street.endswith("村")
        rows = []
        for grade, count in _per_grade(stage, spec).items():
            for number in range(1, count + 1):
                gender = "F" if rng.random() < 0.7 else "M"
                rows.append({
                    "grade": grade,
                    "number": number,
                    "homeroom_teacher": chinese_name(rng, gender),
                    "homeroom_teacher_phone": numbers.next(),
                    "student_count": rng.randint(35, 42) if small else rng.randint(38, 55),
                })
                if name == DEMO_SCHOOL and (grade, number) == DEMO_CLASS:
                    rows[-1].update(DEMO_TEACHER)
        plan[name] = rows
    return plan


def _ensure_units(region: Region, counts: dict) -> dict[str, Unit]:
    units = {u.name: u for u in Unit.objects.filter(region=region, name__in=[u[0] for u in UNITS])}
    for name, kind, phone, address, hotline in UNITS:
        if name not in units:
            unit = Unit(name=name, kind=kind, region=region, phone=phone, address=address,
                        supervision_hotline=hotline)
            unit._change_reason = CHANGE_REASON
            unit.save()
            units[name] = unit
            counts["units"] += 1
    return units


def _ensure_schools(region: Region, counts: dict) -> dict[str, School]:
    schools = {s.name: s for s in School.objects.filter(region=region, name__in=[s[0] for s in SCHOOLS])}
    for index, (name, stage, town, street, _spec) in enumerate(SCHOOLS):
        if name not in schools:
            number = "" if street.endswith("村") else f"{(index * 7) % 90 + 1}号"
            school = School(region=region, name=name, stage=stage, address=f"敦煌市{town}{street}{number}",
                            phone=_school_phone(index))
            school._change_reason = CHANGE_REASON
            school.save()
            schools[name] = school
            counts["schools"] += 1
    return schools


def _ensure_classes(schools: dict[str, School], plan: dict[str, list[dict]], year: int, counts: dict) -> None:
    existing = set(
        SchoolClass.objects.filter(school__in=schools.values(), school_year=year).values_list(
            "school_id", "grade", "number"
        )
    )
    new = []
    for school_name, rows in plan.items():
        school = schools[school_name]
        for row in rows:
            if (school.pk, row["grade"], row["number"]) in existing:
                continue
            new.append(SchoolClass(school=school, school_year=year,
                                   name=class_display_name(row["grade"], row["number"]), **row))
    if new:
        bulk_create_with_history(new, SchoolClass, batch_size=500, default_change_reason=CHANGE_REASON)
    counts["classes"] += len(new)


def _ensure_officers(units: dict[str, Unit], plan: dict[str, list[dict]], counts: dict) -> None:
    phones = [row["phone"] for rows in plan.values() for row in rows]
    existing = set(Officer.objects.filter(phone__in=phones).values_list("phone", flat=True))
    new = [
        Officer(unit=units[unit_name], **row)
        for unit_name, rows in plan.items()
        for row in rows
        if row["phone"] not in existing
    ]
    if new:
        bulk_create_with_history(new, Officer, batch_size=500, default_change_reason=CHANGE_REASON)
    counts["officers"] += len(new)


def _ensure_logins(region, units, schools, year, counts) -> None:
    scopes = {
        Role.COMMITTEE_ADMIN: {"region": region},
        Role.EDUCATION_STAFF: {"region": region},
        Role.INSPECTOR: {"region": region},
        Role.LIAISON: {"unit": units[POLICE]},
        Role.OFFICER: {"officer": Officer.objects.get(phone=DEMO_OFFICER["phone"])},
        Role.SCHOOL_ADMIN: {"school": schools[DEMO_SCHOOL]},
        Role.TEACHER: {"school_class": SchoolClass.objects.get(
            school=schools[DEMO_SCHOOL], school_year=year, grade=DEMO_CLASS[0], number=DEMO_CLASS[1])},
    }
    existing = {u.username: u for u in User.objects.filter(username__in=[d.username for d in DEMO_LOGINS])}
    taken_phones = set(
        User.objects.filter(phone__in=[d.phone for d in DEMO_LOGINS])
        .exclude(username__in=[d.username for d in DEMO_LOGINS])
        .values_list("phone", flat=True)
    )
    password_hash = None
    for demo in DEMO_LOGINS:
        user = existing.get(demo.username)
        if user is None:
            user = User(username=demo.username, full_name=demo.full_name,
                        phone=None if demo.phone in taken_phones else demo.phone)
            if demo.role is None:
                user.is_staff = user.is_superuser = True
            # Hashed directly (the password validators apply to forms only), and once: Argon2 takes a
            # quarter of a second per hash, and every demo account has the same published password.
            password_hash = password_hash or make_password(DEMO_PASSWORD)
            user.password = password_hash
            user.save()
            counts["users"] += 1
        if demo.role is not None:
            _membership, created = Membership.objects.get_or_create(user=user, role=demo.role, **scopes[demo.role])
            counts["memberships"] += created


def seed_demo() -> dict[str, int]:
    """Create whatever part of the demo city is missing; return how many of each thing were created."""
    counts = dict.fromkeys(["regions", "units", "schools", "classes", "officers", "users", "memberships"], 0)
    year = current_school_year()
    phones_rng = random.Random(f"{SEED}:phones")  # noqa: S311
    numbers = MobileNumbers(phones_rng, reserved=[d.phone for d in DEMO_LOGINS])
    officer_plan = _plan_officers(numbers)
    class_plan = _plan_classes(numbers)
    with transaction.atomic():
        counts["regions"] = len(load_regions_file().created)
        region = Region.objects.get(code=DEMO_REGION)
        units = _ensure_units(region, counts)
        schools = _ensure_schools(region, counts)
        _ensure_classes(schools, class_plan, year, counts)
        _ensure_officers(units, officer_plan, counts)
        _ensure_logins(region, units, schools, year, counts)
    return counts
