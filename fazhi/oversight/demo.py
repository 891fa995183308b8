"""The demo city's oversight: a joint inspection last month with findings (one rectified, one overdue, one
open), an accountability record behind the overdue one, and a draft work circular for the semester."""

import datetime

from django.db import transaction
from django.utils import timezone

from fazhi.accounts.models import User
from fazhi.activities.models import Quota
from fazhi.org.demo import DEMO_REGION
from fazhi.org.models import Region, School, Unit
from fazhi.oversight.models import AccountabilityRecord, ChecklistTemplate, Finding, Inspection


@transaction.atomic
def seed_oversight() -> dict[str, int]:
    if Inspection.objects.filter(region_id=DEMO_REGION).exists():
        return {"inspections": 0}
    region = Region.objects.get(pk=DEMO_REGION)
    committee = User.objects.filter(username="committee").first()
    inspector = User.objects.filter(username="inspector").first() or committee
    template = ChecklistTemplate.objects.filter(region__isnull=True).first()
    schools = list(School.objects.filter(region=region).order_by("name")[:3])
    police = Unit.objects.filter(region=region, kind=Unit.Kind.PUBLIC_SECURITY).first()
    if template is None or len(schools) < 3 or police is None:
        return {"inspections": 0}
    day = timezone.localdate() - datetime.timedelta(days=30)
    inspection = Inspection.objects.create(region=region, title="秋季学期法治班主任工作联合检查", date=day,
                                           agencies=["committee", "education", "court", "public_security"],
                                           template=template, state=Inspection.State.DONE, created_by=committee)
    inspection.schools.set(schools)
    inspection.units.set([police])
    items = list(template.items.all())
    Finding.objects.create(inspection=inspection, school=schools[0], item=items[0] if items else None,
                           severity="minor", description="两个班级的公示牌未更新为本学年的法治班主任。",
                           requirement="一周内更换公示牌并拍照上传。", deadline=day + datetime.timedelta(days=7),
                           recorded_by=inspector, rectified_on=day + datetime.timedelta(days=5),
                           rectification="已更换全部公示牌。", rectified_by=committee)
    overdue = Finding.objects.create(
        inspection=inspection, school=schools[1], severity="serious",
        description="学生欺凌治理委员会未建立专门案件档案。", requirement="建立档案并补录本学期案件。",
        deadline=day + datetime.timedelta(days=14), recorded_by=inspector)
    Finding.objects.create(inspection=inspection, unit=police, severity="minor",
                           description="部分法治班主任本学期尚未开展班会活动。", requirement="月底前完成。",
                           deadline=timezone.localdate() + datetime.timedelta(days=10), recorded_by=inspector)
    AccountabilityRecord.objects.create(region=region, measure="talk", unit=police, date=timezone.localdate(),
                                        reason="督导检查发现问题逾期未整改，约谈单位负责人。", finding=overdue,
                                        recorded_by=committee)
    from fazhi.circulars import services as circulars

    year, semester = Quota.current_semester()
    start, end = Quota.semester_dates(year, semester)
    circulars.create_draft(by=committee, region=region, start=start, end=min(end, timezone.localdate()))
    return {"inspections": 1}
