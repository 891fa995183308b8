"""Drafting, refreshing and publishing circulars."""

import datetime

from django.db import transaction
from django.utils import timezone

from fazhi.circulars.compile import compile_snapshot, draft_sections
from fazhi.circulars.models import Circular, CircularFrozen
from fazhi.org.models import Region, Unit, region_chain


def issuer_for(region: Region) -> str:
    """The political-legal committee of the region (nearest up the tree)."""
    for code in region_chain(region.code):
        unit = Unit.objects.filter(kind=Unit.Kind.COMMITTEE, region_id=code).order_by("pk").first()
        if unit:
            return unit.name
    return f"{region.name}委政法委"


def suggest_number(region: Region, year: int) -> str:
    """敦政法〔2026〕3号: the region's first character, the year and the next free number."""
    prefix = f"{region.name[:1]}政法〔{year}〕"
    used = set(Circular.objects.filter(region=region, number__startswith=prefix).values_list("number", flat=True))
    n = len(used) + 1
    while f"{prefix}{n}号" in used:
        n += 1
    return f"{prefix}{n}号"


def default_title(region: Region, start: datetime.date, end: datetime.date) -> str:
    return f"关于{start.year}年{start.month}月至{end.year}年{end.month}月{region.name}法治班主任工作情况的通报"


def create_draft(*, by, region: Region, start: datetime.date, end: datetime.date, title: str = "",
                 number: str = "") -> Circular:
    snapshot = compile_snapshot(region, start, end)
    circular = Circular(region=region, start=start, end=end, created_by=by, snapshot=snapshot,
                        sections=draft_sections(snapshot), issuer=issuer_for(region),
                        title=title or default_title(region, start, end),
                        number=number or suggest_number(region, timezone.localdate().year),
                        compiled_at=timezone.now())
    circular.full_clean()
    circular.save()
    return circular


def refresh(circular: Circular, *, rewrite_text: bool = False) -> Circular:
    """Re-compile the figures of a draft (and, if asked, rewrite its text from them)."""
    with transaction.atomic():
        locked = Circular.objects.select_for_update().get(pk=circular.pk)
        if locked.is_published:
            raise CircularFrozen(f"circular {circular.pk} is published")
        locked.snapshot = compile_snapshot(locked.region, locked.start, locked.end)
        locked.compiled_at = timezone.now()
        if rewrite_text:
            locked.sections = draft_sections(locked.snapshot)
        locked.save()
    return locked
