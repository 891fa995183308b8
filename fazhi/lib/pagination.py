"""Pagination that costs the same for a county and a province: the total is counted up to a cap.

Counting a million activities takes longer than showing a page of them, and nobody pages through them
all: lists count at most `COUNT_CAP` records (`SELECT COUNT(*) FROM (… LIMIT cap + 1)`), say "more than N,
narrow the filters" beyond it, and page up to the cap."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

COUNT_CAP = 10_000
CHOICES_MAX = 300  # a filter's drop-down lists at most this many choices; more are found by searching


class CappedPaginator(Paginator):
    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @cached_property
    def _counted(self) -> int:
        items = self.object_list
        if hasattr(items, "order_by"):
            return items.order_by().values("pk")[: self.cap + 1].count()
        return len(items)

    @property
    def more(self) -> bool:
        """More records than the cap: the count shown is a lower bound."""
        return self._counted > self.cap


def few(queryset, limit: int = CHOICES_MAX) -> list:
    """The queryset as a list for a drop-down, or [] when it has more than `limit` rows (search instead)."""
    if queryset.order_by()[limit:limit + 1].exists():  # without sorting them all first
        return []
    return list(queryset)
