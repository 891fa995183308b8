"""Counts of the confidential registers for the dashboards: numbers only, never a reference, plan or name,
computed in the database from the columns kept in clear (school, category, review date). Nothing here is
decrypted, and nothing here is logged (no record is shown)."""

from django.db.models import Count, Q
from django.utils import timezone

from fazhi.confidential.models import SpecialStudent, StaffConcern


def counts(region: str | None = None, *, schools=None) -> dict:
    """The region's figures (a GB/T 2260 prefix; None for everything): special-group students by category
    and in all, staff concerns in all, and the records of both registers past their review date."""
    today = timezone.localdate()
    students = SpecialStudent.objects.all()
    staff = StaffConcern.objects.all()
    if region:
        students = students.filter(school__region__code__startswith=region)
        staff = staff.filter(school__region__code__startswith=region)
    if schools is not None:
        students = students.filter(school__in=schools)
        staff = staff.filter(school__in=schools)
    student_figures = students.aggregate(
        total=Count("pk"), overdue=Count("pk", filter=Q(next_review__lt=today)),
        **{c: Count("pk", filter=Q(category=c)) for c in SpecialStudent.Category.values})
    staff_figures = staff.aggregate(total=Count("pk"), overdue=Count("pk", filter=Q(next_review__lt=today)))
    return {
        "special_students_by_category": {c: student_figures[c] for c in SpecialStudent.Category.values},
        "special_students_total": student_figures["total"],
        "staff_concerns_total": staff_figures["total"],
        "reviews_overdue": student_figures["overdue"] + staff_figures["overdue"],
    }
