"""The demo city's tip line since the start of the school year: reports from class pages and clues from other
channels, worked to different stages through the real services, plus hazards, disputes and confiscated items."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from fazhi.accounts.models import User
from fazhi.assignments.models import Assignment
from fazhi.org.demo import DEMO_OFFICER, DEMO_REGION, SEED
from fazhi.tips import receipts, services
from fazhi.tips.models import Case, CaseEvent, Category, Channel, ConfiscatedItem, Dispute, Hazard, Tip

REPORTS = [
    (Category.PHYSICAL, "放学后有几个同学在车棚后面推搡、踢一个男生，已经好几次了。", "放学后", "自行车棚后面"),
    (Category.DIGNITY, "班里有人总给一位同学起难听的外号，还在黑板上画侮辱他的画。", "最近两周", "教室"),
    (Category.PROPERTY, "有高年级学生在校门口向低年级同学要零花钱，不给就威胁。", "每天放学", "校门口"),
    (Category.EXCLUSION, "有个女生被全班孤立，小组活动没人愿意和她一组，还被故意传话排挤。", "这学期", "班级"),
    (Category.ONLINE, "有人把同学的照片P图后发到班级群和短视频平台，配了侮辱的话。", "上周末", "班级微信群"),
    (Category.VIOLENCE, "两个班的学生约好放学后在操场打架。", "本周五放学", "操场"),
    (Category.DANGEROUS_ITEM, "有同学书包里带了弹簧刀，课间拿出来吓唬人。", "今天上午", "教室"),
    (Category.HAZARD, "学校后门的小卖部向学生卖香烟和打火机。", "", "学校后门"),
    (Category.DISPUTE, "两位家长因为孩子之间的冲突在校门口争吵。", "昨天下午", "校门口"),
    (Category.SELF_HARM, "同桌最近情绪很低落，说过不想活了的话。", "最近", ""),
    (Category.STAFF, "有老师上课时经常用侮辱性的话骂学生。", "这学期", "教室"),
    (Category.OTHER, "校外有陌生人经常在放学时间在学校附近徘徊。", "放学时间", "学校附近"),
]
REPLIES = ["收到，谢谢你告诉我们。我们已经开始了解情况，会保护好你的身份。",
           "我们已经和学校一起处理，有新的情况可以随时在这里告诉我们。"]
HAZARDS = [
    (Hazard.Kind.TRAFFIC, "校门口路段无减速带，放学高峰车辆车速快。", "校门口东侧路段", "交警大队"),
    (Hazard.Kind.SHOPS, "周边小卖部向学生出售香烟、电子烟。", "学校后门", "市场监管所"),
    (Hazard.Kind.INTERNET_CAFE, "距学校不足200米有网吧接纳未成年人。", "学校南侧巷内", "文化执法大队"),
    (Hazard.Kind.BUILDING, "学校围墙外有废弃危房，学生常在附近玩耍。", "学校西侧", "住建局"),
    (Hazard.Kind.WATER, "学校附近水渠无护栏。", "学校北侧水渠", "水务局"),
]
DISPUTES = [
    (Dispute.Kind.STUDENTS, "两名八年级学生及其家长", "课间冲突致一方眼镜损坏，双方就赔偿产生分歧。"),
    (Dispute.Kind.FAMILY_SCHOOL, "一名七年级学生家长与学校", "家长对学校处理同学冲突的方式不满。"),
    (Dispute.Kind.FAMILIES, "两名六年级学生的家长", "孩子间玩闹受伤，家长就医疗费用发生争执。"),
]


@transaction.atomic
def seed_tips() -> dict[str, int]:
    """Runs once: a demo city that already has tips is left alone."""
    if Tip.objects.filter(school__region_id=DEMO_REGION).exists():
        return {"tips": 0}
    rng = random.Random(f"{SEED}:tips")  # noqa: S311
    holding = list(Assignment.objects.filter(school__region_id=DEMO_REGION, role=Assignment.Role.HOMEROOM,
                                             status__in=Assignment.HOLDING)
                   .select_related("school_class__school", "officer").order_by("pk"))
    if not holding:
        return {"tips": 0}
    committee = handler = User.objects.filter(username="committee").first()
    mine = [a for a in holding if a.officer.phone == DEMO_OFFICER["phone"]] or holding[:1]
    now = timezone.now()
    tips = 0
    for i in range(36):
        a = mine[i % len(mine)] if i < 6 else holding[(i * 13) % len(holding)]
        category, text, when, where = REPORTS[i % len(REPORTS)]
        days_ago = 2 + (i * 5) % 80 if i >= 3 else i  # the first ones are recent
        if i % 4 == 3:
            tip = services.register_clue(
                by=committee, school=a.school_class.school, school_class=a.school_class,
                channel=rng.choice([Channel.BOX, Channel.PHONE, Channel.TALK, Channel.HOME_VISIT, Channel.CHAT]),
                category=category, description=text, occurred=when, place=where,
                reporter_role=rng.choice(["student", "parent", "teacher", ""]))
        else:
            tip = services.submit_tip(
                school_class=a.school_class, channel=Channel.QR, category=category, description=text,
                occurred=when, place=where, in_danger=category in (Category.SELF_HARM, Category.DANGEROUS_ITEM),
                reporter_role=rng.choice(["student", "student", "parent", ""]),
                idempotency_key=receipts.new_idempotency_key()).tip
        tips += 1
        arrived = now - datetime.timedelta(days=days_ago, hours=rng.randrange(1, 8))
        Tip.objects.filter(pk=tip.pk).update(created_at=arrived)
        tip.created_at = arrived
        case = tip.case
        Case.objects.filter(pk=case.pk).update(acknowledge_due=arrived + datetime.timedelta(hours=24),
                                               next_escalation_at=None)
        CaseEvent.objects.filter(case=case).update(created_at=arrived)
        case.refresh_from_db()
        stage = 0 if i in (0, 1) else (i * 7) % 5  # 0 received … 4 closed
        if days_ago < 14:  # recent ones are still being worked on
            stage = min(stage, 2)
        _work(case, stage, _handler(tip) or handler, arrived, i)
    for i, (kind, text, where, who) in enumerate(HAZARDS):
        school = holding[(i * 29) % len(holding)].school_class.school
        found = timezone.localdate() - datetime.timedelta(days=10 + i * 9)
        Hazard.objects.create(school=school, kind=kind, description=text, location=where, responsible=who,
                              found_on=found, deadline=found + datetime.timedelta(days=30), recorded_by=committee,
                              state=[Hazard.State.OPEN, Hazard.State.RECTIFYING, Hazard.State.RESOLVED][i % 3],
                              resolved_on=found + datetime.timedelta(days=12) if i % 3 == 2 else None,
                              measures="已发函督促整改" if i % 3 else "")
    for i, (kind, parties, text) in enumerate(DISPUTES):
        school = holding[(i * 31) % len(holding)].school_class.school
        received = timezone.localdate() - datetime.timedelta(days=5 + i * 11)
        resolved = i != 1
        Dispute.objects.create(school=school, kind=kind, parties=parties, description=text, received_on=received,
                               state=Dispute.State.RESOLVED if resolved else Dispute.State.MEDIATING,
                               mediator="学校、法治副校长共同调解" if resolved else "",
                               result="双方达成和解协议" if resolved else "",
                               resolved_on=received + datetime.timedelta(days=3) if resolved else None,
                               recorded_by=committee)
    for i in range(3):
        school = holding[(i * 17) % len(holding)].school_class.school
        ConfiscatedItem.objects.create(school=school, kind=ConfiscatedItem.Kind.CONTROLLED_KNIFE if i == 0
                                       else ConfiscatedItem.Kind.OTHER_BLADE, count=1 + i,
                                       seized_on=timezone.localdate() - datetime.timedelta(days=20 + i * 7),
                                       note="开学安全检查", recorded_by=committee)
    return {"tips": tips, "hazards": len(HAZARDS), "disputes": len(DISPUTES)}


def _handler(tip):
    """Who works a demo case: the first person on its contact list with a login."""
    for level in services.LEVELS:
        users = services.contacts(tip, level)
        if users:
            return users[0]
    return None


def _work(case, stage, handler, arrived, i):
    """Move a demo case through the workflow up to `stage`, with timestamps after its arrival."""
    if stage >= 1:
        services.acknowledge(case, by=handler)
    if stage >= 2:
        services.start_investigation(case, by=handler)
        if case.tip.is_online:
            services.message_reporter(case, by=handler, body=REPLIES[0])
    if stage >= 3:
        outcome = {"conclusion": "bullying" if case.tip.is_bullying_kind else "not_bullying",
                   "committee_decided_on": timezone.localdate(arrived) + datetime.timedelta(days=3),
                   "response": "education", "parents_notified_on": timezone.localdate(arrived)
                   + datetime.timedelta(days=1), "counselling": True,
                   "decision": "经学校学生欺凌治理委员会认定，对涉事学生进行批评教育，通知双方家长，安排心理辅导。"}
        if case.tip.category == Category.DANGEROUS_ITEM:
            outcome["conclusion"] = "not_bullying"
            services.record_items(by=handler, school=case.tip.school, case=case, kind="controlled_knife", count=1,
                                  seized_on=timezone.localdate(arrived))
        if case.tip.category == Category.DISPUTE:
            outcome["conclusion"] = "dispute_resolved"
        services.decide(case, by=handler, **outcome)
        if case.tip.is_online:
            services.message_reporter(case, by=handler, body=REPLIES[1])
    if stage >= 4:
        services.close(case, by=handler)
    # Spread the steps over the days after arrival, so that the times to acknowledge and close look real.
    steps = list(CaseEvent.objects.filter(case=case).order_by("pk"))
    for n, event in enumerate(steps):
        CaseEvent.objects.filter(pk=event.pk).update(created_at=arrived + datetime.timedelta(hours=3 * n + i % 5))
    times = {}
    when = arrived + datetime.timedelta(hours=2 + i % 9)
    if stage >= 1:
        times["acknowledged_at"] = when
    if stage >= 2:
        times["investigation_started_at"] = when + datetime.timedelta(hours=4)
        times["investigation_due"] = when + datetime.timedelta(days=10, hours=4)
    if stage >= 3:
        times["decided_at"] = when + datetime.timedelta(days=3 + i % 6)
    if stage >= 4:
        times["closed_at"] = when + datetime.timedelta(days=5 + i % 6)
    if times:
        Case.objects.filter(pk=case.pk).update(**times)
    case.tip.messages.update(created_at=when + datetime.timedelta(hours=5))
