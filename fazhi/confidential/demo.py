"""A few confidential register entries at the demo officer's school, so that the pages have something to show.
References are numbers or initials, as the register requires."""

import datetime

from django.db import transaction
from django.utils import timezone

from fazhi.accounts.models import User
from fazhi.confidential.models import SpecialStudent, StaffConcern
from fazhi.org.demo import DEMO_OFFICER
from fazhi.org.models import SchoolClass

STUDENTS = [
    ("left_behind", "2026-07", "父母在外务工，与祖父母同住。班主任每两周谈心一次，法治班主任每月家访。", "班主任"),
    ("single_parent", "ZXY", "关注情绪变化，安排心理老师每月辅导。", "心理老师"),
    ("hardship", "2026-12", "已申请助学金；学校减免餐费。", "德育处"),
    ("behaviour", "LH", "多次与同学冲突：签订行为约定，每周与家长沟通。", "班主任、法治班主任"),
]


@transaction.atomic
def seed_confidential() -> dict[str, int]:
    klass = SchoolClass.objects.filter(assignments__officer__phone=DEMO_OFFICER["phone"],
                                       assignments__status__in=["confirmed", "active"]).first()
    if klass is None or SpecialStudent.objects.filter(school=klass.school).exists():
        return {"register_entries": 0}
    by = User.objects.filter(username="school").first()
    today = timezone.localdate()
    for i, (category, reference, plan, responsible) in enumerate(STUDENTS):
        SpecialStudent.objects.create(school=klass.school, school_class=klass, category=category,
                                      reference=reference, plan=plan, responsible=responsible,
                                      next_review=today + datetime.timedelta(days=30 * (i + 1)), created_by=by)
    StaffConcern.objects.create(school=klass.school, category="verbal_abuse", reference="T-03",
                                measures="校长约谈，纳入师德考核，每月回访学生。", responsible="副校长",
                                next_review=today + datetime.timedelta(days=60), created_by=by)
    return {"register_entries": len(STUDENTS) + 1}
