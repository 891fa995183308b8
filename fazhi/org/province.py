"""A province-scale synthetic data set for load tests: `manage.py generate_province`.

At scale 1.0 (Gansu, 62): 15,000 schools, 100,000 classes, 100,000 officers each holding one class
(active homeroom assignment, with the pairing of their unit and the school), 1,000,000 activities,
200,000 tips each with its case, 2,000,000 survey answers; plus six units per county (committee,
court, procuratorate, police, justice, education) and a committee per city and for the province.
Every count is multiplied by `scale` (at least 1).

Everything is written with plain `bulk_create` (no `save()`, no signals, no history rows), city by
city, one transaction per city, activities and answers in chunks, so memory stays bounded.
Deterministic for a given seed: all random choices come from `random.Random` seeded by the seed
and the city code; tokens and codes are drawn from the same generators.
"""

import base64
import datetime
import random
import time
from collections import Counter

from django.db import transaction
from django.utils import timezone

from fazhi.activities.models import Activity, Kind, Topic
from fazhi.assignments.models import Assignment, Pairing
from fazhi.org.demo import MobileNumbers, chinese_name
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
from fazhi.surveys.models import Answer, Question, Questionnaire, Response, Survey, SurveyClass
from fazhi.tips.models import OPEN, Case, Category, Channel, Conclusion, ReporterRole, Status, Tip

TARGETS = {
    "schools": 15_000,
    "classes": 100_000,
    "officers": 100_000,
    "activities": 1_000_000,
    "tips": 200_000,
    "answers": 2_000_000,
}
BATCH = 2000
CHUNK = 20_000  # activities / responses generated and written at a time

STAGES = [(School.Stage.PRIMARY, 60), (School.Stage.JUNIOR, 20), (School.Stage.NINE_YEAR, 10),
          (School.Stage.SENIOR, 7), (School.Stage.VOCATIONAL, 3)]
STAGE_SUFFIX = {"primary": "小学", "junior": "中学", "senior": "高级中学", "nine_year": "九年制学校",
                "vocational": "职业技术学校"}
CLASS_SIZE_WEIGHT = {"primary": 1.0, "junior": 1.6, "senior": 1.8, "nine_year": 0.8, "vocational": 1.2}
PLACE_FIRST = "东西南北新河山川沙石柳杨红金龙平安永丰兴和太宝清长青古三五双"
PLACE_SECOND = "关庄滩湾沟坪堡寨川桥河园街镇岔台营渠"
NUMERALS = "一二三四五六七八九十"
OFFICER_UNITS = [(Unit.Kind.PUBLIC_SECURITY, 45), (Unit.Kind.JUSTICE, 20), (Unit.Kind.COURT, 20),
                 (Unit.Kind.PROCURATORATE, 15)]
TITLES = {
    Unit.Kind.PUBLIC_SECURITY: ["民警", "社区民警", "警长", "教导员", "副所长"],
    Unit.Kind.JUSTICE: ["司法所所长", "司法助理员", "人民调解员", "律师"],
    Unit.Kind.COURT: ["审判员", "法官助理", "书记员", "副庭长"],
    Unit.Kind.PROCURATORATE: ["检察官", "检察官助理", "书记员"],
}
UNIT_SUFFIX = [(Unit.Kind.COMMITTEE, "委政法委"), (Unit.Kind.COURT, "人民法院"), (Unit.Kind.PROCURATORATE, "人民检察院"),
               (Unit.Kind.PUBLIC_SECURITY, "公安局"), (Unit.Kind.JUSTICE, "司法局"), (Unit.Kind.EDUCATION, "教育局")]
KIND_WEIGHTS = [(Kind.CLASS_MEETING, 30), (Kind.LEGAL_EDUCATION, 25), (Kind.CASE_TALK, 10), (Kind.LECTURE, 8),
                (Kind.TALK, 8), (Kind.HOME_VISIT, 6), (Kind.MENTAL_HEALTH, 5), (Kind.GAME, 4), (Kind.COUNSELLING, 2),
                (Kind.OTHER, 2)]
ACTIVITY_TITLES = {Kind.CLASS_MEETING: "预防校园欺凌主题班会", Kind.LEGAL_EDUCATION: "法治宣传教育课",
                   Kind.CASE_TALK: "以案说法", Kind.LECTURE: "法治专题讲座", Kind.TALK: "谈心谈话",
                   Kind.HOME_VISIT: "家访", Kind.MENTAL_HEALTH: "心理健康教育", Kind.GAME: "法治知识竞答",
                   Kind.COUNSELLING: "一对一咨询", Kind.OTHER: "其他活动"}
TIP_TEXTS = ["班里有同学经常被几个人起外号、嘲笑。", "课间在厕所里有人被推搡。", "有同学的文具和零花钱被别人拿走。",
             "班级群里有人发别人的照片取笑。", "放学路上有校外人员拦截学生。", "有同学被故意孤立，没人跟他说话。",
             "学校门口的路口没有减速带，很危险。", "有同学带了管制刀具到学校。", "两名同学因为小事打架。",
             "有同学说不想活了，请老师关心一下。"]
CHANNEL_WEIGHTS = [(Channel.QR, 45), (Channel.APP, 15), (Channel.BOX, 15), (Channel.PHONE, 8), (Channel.TALK, 8),
                   (Channel.CHAT, 4), (Channel.HOME_VISIT, 3), (Channel.OTHER, 2)]
STATUS_WEIGHTS = [(Status.CLOSED, 55), (Status.DECIDED, 15), (Status.INVESTIGATING, 12), (Status.ACKNOWLEDGED, 8),
                  (Status.RECEIVED, 8), (Status.RECHECK, 2)]
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


class ProvinceError(Exception):
    pass


def targets(scale: float) -> dict[str, int]:
    return {name: max(1, round(full * scale)) for name, full in TARGETS.items()}


def apportion(total: int, weights: list[float]) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder; ties to the first)."""
    if not weights:
        return []
    s = sum(weights)
    if s <= 0:
        weights, s = [1.0] * len(weights), float(len(weights))
    quotas = [total * w / s for w in weights]
    counts = [int(q) for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _pick(rng, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def _token(rng) -> str:
    return base64.urlsafe_b64encode(rng.randbytes(16)).rstrip(b"=").decode()


def _landline(rng, area: str) -> str:
    return f"{area}-{rng.randrange(2_000_000, 9_000_000)}"


def _numeral(n: int) -> str:
    if n <= 10:
        return NUMERALS[n - 1]
    if n < 20:
        return "十" + NUMERALS[n - 11]
    if n < 100:
        return NUMERALS[n // 10 - 1] + "十" + (NUMERALS[n % 10 - 1] if n % 10 else "")
    return str(n)


class Generator:
    def __init__(self, region_code: str = "62", scale: float = 1.0, seed: int = 1, log=None):
        self.code = region_code
        self.scale = scale
        self.seed = seed
        self.log = log or (lambda msg: None)
        self.counts: Counter = Counter()
        self.year = current_school_year()
        self.now = timezone.now()
        today = timezone.localdate()
        start = datetime.date(self.year, 9, 1)
        if start >= today:
            start = today - datetime.timedelta(days=60)
        self.start, self.today = start, today
        self.start_dt = timezone.make_aware(datetime.datetime.combine(start, datetime.time(8)))
        self.span_seconds = max(1, int((self.now - self.start_dt).total_seconds()))
        self.span_days = (today - start).days

    # -- set-up ---------------------------------------------------------------------------------

    def prepare(self):
        if not Region.objects.filter(code=self.code).exists() and self.code.startswith("62"):
            self.counts["regions"] += len(load_regions_file().created)
        try:
            self.root = Region.objects.get(code=self.code)
        except Region.DoesNotExist:
            raise ProvinceError(f"Region {self.code} does not exist; load it first (manage.py load_regions).") from None
        if School.objects.filter(region__code__startswith=self.code).exists():
            raise ProvinceError(f"Region {self.code} ({self.root.name}) already has schools; "
                                "generate_province only fills an empty region.")
        regions = {r.code: r for r in Region.objects.filter(code__startswith=self.code)}
        parents = {c[:-2] for c in regions if len(c) > 2}
        leaves = sorted(c for c in regions if c not in parents)
        self.regions = regions
        self.cities: dict[str, list[str]] = {}
        for leaf in leaves:
            self.cities.setdefault(leaf[:4] if len(leaf) >= 4 else leaf, []).append(leaf)
        self.targets = targets(self.scale)
        rng = random.Random(f"{self.seed}:plan")  # noqa: S311 — synthetic data, deterministic on purpose
        leaf_list = [leaf for city in self.cities for leaf in self.cities[city]]
        weights = [rng.uniform(0.6, 1.6) for _ in leaf_list]
        schools = apportion(self.targets["schools"], weights)
        classes = apportion(self.targets["classes"], [float(n) for n in schools])
        self.plan = {leaf: (s, c) for leaf, s, c in zip(leaf_list, schools, classes, strict=True)}
        city_list = list(self.cities)
        city_classes = [sum(self.plan[leaf][1] for leaf in self.cities[c]) for c in city_list]
        per_city = {name: apportion(self.targets[name], [float(n) for n in city_classes])
                    for name in ("activities", "tips", "answers")}
        self.city_plan = {c: {name: per_city[name][i] for name in per_city} for i, c in enumerate(city_list)}
        self.numbers = MobileNumbers(random.Random(f"{self.seed}:phones"),  # noqa: S311
                                     reserved=Officer.objects.values_list("phone", flat=True))
        self.codes = set(SurveyClass.objects.values_list("code", flat=True))
        self.questionnaires = {}
        for key in ("bullying_primary", "bullying_secondary"):
            q = Questionnaire.objects.filter(builtin=key).first()
            if q is None:
                raise ProvinceError(f"The built-in questionnaire {key} is missing; run migrate.")
            questions = [(qq.pk, max(1, len(qq.options or [])), qq.kind) for qq in
                         Question.objects.filter(questionnaire=q).exclude(kind=Question.Kind.TEXT).order_by("position")]
            self.questionnaires[key] = (q, questions)

    def _area(self, city: str) -> str:
        return f"09{31 + (int(city[-2:]) - 1) % 13}"

    def _place_name(self, region: Region) -> str:
        if len(region.code) == 6:
            return self.regions[region.code[:4]].name + region.name
        return region.name

    def _ensure_units(self, region_codes, rng, kinds=None) -> dict[tuple[str, str], Unit]:
        existing = {(u.region_id, u.kind): u for u in Unit.objects.filter(region_id__in=region_codes)
                    .order_by("pk")}
        names = set(Unit.objects.filter(region_id__in=region_codes).values_list("region_id", "name"))
        new = []
        for code in region_codes:
            place = self._place_name(self.regions[code])
            area = self._area(code[:4]) if len(code) >= 4 else "0931"
            for kind, suffix in UNIT_SUFFIX:
                if kinds and kind not in kinds:
                    continue
                name = f"{place}{suffix}"
                if (code, kind) in existing or (code, name) in names:
                    continue
                unit = Unit(name=name, kind=kind, region_id=code, phone=_landline(rng, area),
                            supervision_hotline=_landline(rng, area) if kind == Unit.Kind.COMMITTEE else "",
                            address=f"{place}政府路{rng.randrange(1, 99)}号")
                new.append(unit)
                existing[(code, kind)] = unit
        Unit.objects.bulk_create(new, batch_size=BATCH)
        self.counts["units"] += len(new)
        return existing

    # -- one city -------------------------------------------------------------------------------

    def city(self, city: str):
        rng = random.Random(f"{self.seed}:{city}")  # noqa: S311
        leaves = self.cities[city]
        above = sorted({city, self.code} - set(leaves)) if len(self.code) <= 4 else []
        self._ensure_units([c for c in above if c in self.regions], rng, kinds={Unit.Kind.COMMITTEE})
        units = self._ensure_units(leaves, rng)
        area = self._area(city)

        # Schools
        schools: list[School] = []
        for leaf in leaves:
            n_schools, _ = self.plan[leaf]
            place = self._place_name(self.regions[leaf])
            used, serial = set(), Counter()
            for _ in range(n_schools):
                stage = _pick(rng, STAGES)
                serial[stage] += 1
                name = f"{place}第{_numeral(serial[stage])}{STAGE_SUFFIX[stage]}" if serial[stage] <= 12 else ""
                while not name or name in used:
                    name = f"{place}{rng.choice(PLACE_FIRST)}{rng.choice(PLACE_SECOND)}{STAGE_SUFFIX[stage]}"
                    if name in used:
                        name = f"{place}第{_numeral(serial[stage])}{STAGE_SUFFIX[stage]}"
                        serial[stage] += 1
                used.add(name)
                schools.append(School(region_id=leaf, name=name, stage=stage, phone=_landline(rng, area),
                                      address=f"{place}{rng.choice(PLACE_FIRST)}{rng.choice(PLACE_SECOND)}路"
                                              f"{rng.randrange(1, 200)}号"))
        School.objects.bulk_create(schools, batch_size=BATCH)
        self.counts["schools"] += len(schools)

        # Classes, one officer each
        classes: list[SchoolClass] = []
        officers: list[Officer] = []
        by_leaf = {leaf: [s for s in schools if s.region_id == leaf] for leaf in leaves}
        for leaf in leaves:
            n_classes = self.plan[leaf][1]
            leaf_schools = by_leaf[leaf]
            if not leaf_schools:
                continue
            weights = [len(School.GRADE_RANGES[s.stage]) * CLASS_SIZE_WEIGHT[s.stage] for s in leaf_schools]
            if n_classes >= len(leaf_schools):
                per_school = [1 + n for n in apportion(n_classes - len(leaf_schools), weights)]
            else:
                per_school = apportion(n_classes, weights)
            for school, n in zip(leaf_schools, per_school, strict=True):
                grades = list(School.GRADE_RANGES[school.stage])
                for k in range(n):
                    grade, number = grades[k % len(grades)], k // len(grades) + 1
                    gender = "F" if rng.random() < 0.7 else "M"
                    classes.append(SchoolClass(
                        school=school, school_year=self.year, grade=grade, number=number,
                        name=class_display_name(grade, number), homeroom_teacher=chinese_name(rng, gender),
                        homeroom_teacher_phone=self.numbers.next(), student_count=rng.randint(30, 55),
                        public_token=_token(rng)))
                    kind = _pick(rng, OFFICER_UNITS)
                    ogender = "M" if rng.random() < 0.7 else "F"
                    officers.append(Officer(unit=units[(leaf, kind)], name=chinese_name(rng, ogender), gender=ogender,
                                            phone=self.numbers.next(), title=rng.choice(TITLES[kind])))
        SchoolClass.objects.bulk_create(classes, batch_size=BATCH)
        Officer.objects.bulk_create(officers, batch_size=BATCH)
        self.counts["classes"] += len(classes)
        self.counts["officers"] += len(officers)

        # Pairings and assignments: officer i holds class i (both in the same county).
        pairings = {}
        for klass, officer in zip(classes, officers, strict=True):
            key = (officer.unit_id, klass.school_id)
            if key not in pairings:
                pairings[key] = Pairing(unit_id=officer.unit_id, school_id=klass.school_id, school_year=self.year)
        Pairing.objects.bulk_create(list(pairings.values()), batch_size=BATCH)
        self.counts["pairings"] += len(pairings)
        decided = self.start_dt - datetime.timedelta(days=7)
        assignments = [
            Assignment(role=Assignment.Role.HOMEROOM, officer=officer, school_id=klass.school_id, school_class=klass,
                       school_year=self.year, status=Assignment.Status.ACTIVE, load_slot=1,
                       pairing=pairings[(officer.unit_id, klass.school_id)], proposed_at=decided, decided_at=decided,
                       starts_on=self.start)
            for klass, officer in zip(classes, officers, strict=True)]
        Assignment.objects.bulk_create(assignments, batch_size=BATCH)
        self.counts["assignments"] += len(assignments)
        del assignments

        # Plain tuples from here on: (class pk, school pk, officer pk, students, grade)
        rows = [(c.pk, c.school_id, o.pk, c.student_count, c.grade) for c, o in zip(classes, officers, strict=True)]
        school_classes: dict[int, list[tuple]] = {}
        for row in rows:
            school_classes.setdefault(row[1], []).append(row)
        del classes, officers, schools, by_leaf
        plan = self.city_plan[city]
        if rows:
            self._activities(rng, rows, school_classes, plan["activities"])
            self._tips(rng, rows, plan["tips"])
            self._surveys(rng, city, rows, plan["answers"])

    def _date(self, rng) -> datetime.date:
        return self.start + datetime.timedelta(days=rng.randrange(self.span_days + 1))

    def _moment(self, rng) -> datetime.datetime:
        return self.start_dt + datetime.timedelta(seconds=rng.randrange(self.span_seconds))

    def _activities(self, rng, rows, school_classes, total):
        through = Activity.classes.through
        done = 0
        while done < total:
            n = min(CHUNK, total - done)
            acts, links = [], []
            for _ in range(n):
                row = rng.choice(rows)
                kind = _pick(rng, KIND_WEIGHTS)
                r = rng.random()
                covered = [row]
                whole = False
                if r < 0.08:
                    whole, covered = True, []
                elif r < 0.2:
                    covered = rng.sample(school_classes[row[1]], min(2, len(school_classes[row[1]])))
                students = (sum(c[3] for c in school_classes[row[1]]) if whole else sum(c[3] for c in covered))
                topics = rng.sample(Topic.values[:-1], rng.randint(1, 3))
                acts.append(Activity(
                    kind=kind, title=ACTIVITY_TITLES[kind], date=self._date(rng),
                    duration_minutes=rng.choice((30, 40, 45, 60, 90)), school_id=row[1], whole_school=whole,
                    topics=topics, students=min(students, 20000), teachers=rng.randint(1, 3),
                    parents=rng.randint(0, 20) if kind == Kind.HOME_VISIT else 0,
                    handbooks=rng.choice((0, 0, students)), pledges=rng.choice((0, 0, 0, students)),
                    officer_id=None if whole else row[2]))
                links.append([c[0] for c in covered])
            Activity.objects.bulk_create(acts, batch_size=BATCH)
            m2m = [through(activity_id=a.pk, schoolclass_id=cid) for a, cids in zip(acts, links, strict=True)
                   for cid in cids]
            through.objects.bulk_create(m2m, batch_size=BATCH)
            self.counts["activities"] += n
            self.counts["activity classes"] += len(m2m)
            done += n

    def _tips(self, rng, rows, total):
        done = 0
        while done < total:
            n = min(CHUNK, total - done)
            tips, cases = [], []
            for _ in range(n):
                row = rng.choice(rows)
                channel = _pick(rng, CHANNEL_WEIGHTS)
                created = self._moment(rng)
                tips.append(Tip(
                    school_id=row[1], school_class_id=row[0] if rng.random() < 0.85 else None, channel=channel,
                    category=rng.choice(Category.values), description=rng.choice(TIP_TEXTS),
                    in_danger=rng.random() < 0.02, reporter_role=rng.choice(ReporterRole.values),
                    created_at=created))
                status = _pick(rng, STATUS_WEIGHTS)
                ack = created + datetime.timedelta(hours=rng.uniform(0.2, 30))
                case = Case(status=status, acknowledge_due=created + datetime.timedelta(hours=24),
                            urgent=rng.random() < 0.05)
                if status != Status.RECEIVED:
                    case.acknowledged_at = ack
                if status in (Status.INVESTIGATING, Status.DECIDED, Status.CLOSED, Status.RECHECK):
                    case.investigation_started_at = ack
                    case.investigation_due = ack + datetime.timedelta(days=10)
                if status not in OPEN or status == Status.RECHECK:
                    case.conclusion = rng.choice(Conclusion.values)
                    case.decided_at = ack + datetime.timedelta(days=rng.uniform(1, 9))
                    case.decision = "经调查核实，已依规处理并做好教育引导。"
                if status == Status.CLOSED:
                    case.closed_at = case.decided_at + datetime.timedelta(days=rng.uniform(0.5, 5))
                cases.append(case)
            Tip.objects.bulk_create(tips, batch_size=BATCH)
            for tip, case in zip(tips, cases, strict=True):
                case.tip_id = tip.pk
            Case.objects.bulk_create(cases, batch_size=BATCH)
            self.counts["tips"] += n
            self.counts["cases"] += n
            done += n

    def _code(self, rng) -> str:
        while True:
            code = "".join(rng.choice(CODE_ALPHABET) for _ in range(8))
            if code not in self.codes:
                self.codes.add(code)
                return code

    def _surveys(self, rng, city, rows, total):
        if total <= 0:
            return
        opens = self.start + datetime.timedelta(days=self.span_days // 3)
        surveys = {}
        for key, label in (("bullying_primary", "小学"), ("bullying_secondary", "中学")):
            q = self.questionnaires[key][0]
            surveys[key] = Survey(title=f"{self.regions[city].name}校园欺凌情况调查（{label}）", questionnaire=q,
                                  region_id=city, opens_on=opens, closes_on=self.today, created_at=self.now)
        Survey.objects.bulk_create(list(surveys.values()))
        self.counts["surveys"] += len(surveys)
        Questionnaire.objects.filter(pk__in=[s.questionnaire_id for s in surveys.values()]).update(frozen=True)
        entries = []
        for row in rows:
            key = "bullying_primary" if row[4] < 7 else "bullying_secondary"
            entries.append((SurveyClass(survey=surveys[key], school_class_id=row[0], code=self._code(rng)), key))
        SurveyClass.objects.bulk_create([e[0] for e in entries], batch_size=BATCH)
        self.counts["survey classes"] += len(entries)
        entries = [(sc.pk, key) for sc, key in entries]
        open_days = (self.today - opens).days
        done = 0
        while done < total:
            responses, answers_of = [], []
            while done < total and len(responses) < CHUNK // 10:
                sc_pk, key = rng.choice(entries)
                questions = self.questionnaires[key][1]
                picked = [(qpk, rng.randrange(n_opts)) for qpk, n_opts, _kind in questions][: total - done]
                responses.append(Response(survey_class_id=sc_pk,
                                          submitted_on=opens + datetime.timedelta(days=rng.randrange(open_days + 1))))
                answers_of.append(picked)
                done += len(picked)
            Response.objects.bulk_create(responses, batch_size=BATCH)
            answers = [Answer(response_id=r.pk, question_id=qpk, value=value)
                       for r, picked in zip(responses, answers_of, strict=True) for qpk, value in picked]
            Answer.objects.bulk_create(answers, batch_size=BATCH)
            self.counts["responses"] += len(responses)
            self.counts["answers"] += len(answers)

    # -- all ------------------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        self.prepare()
        started = time.monotonic()
        for i, city in enumerate(self.cities, start=1):
            with transaction.atomic():
                self.city(city)
            self.log(f"[{i}/{len(self.cities)}] {self.regions[city].name}: {self.counts['schools']} schools, "
                     f"{self.counts['classes']} classes so far ({time.monotonic() - started:.1f}s)")
        return dict(self.counts)


def generate_province(region_code: str = "62", scale: float = 1.0, seed: int = 1, log=None) -> dict[str, int]:
    return Generator(region_code, scale, seed, log).run()
