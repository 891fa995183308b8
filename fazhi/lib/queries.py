"""Query helpers shared by the lists and the dashboards."""

from django.db.models import F, Func, IntegerField, Subquery
from django.db.models.functions import Coalesce


def count_of(qs, *, distinct: str | None = None):
    """A correlated `SELECT COUNT(…)` subquery (filter `qs` on `OuterRef`): a plain function, not an aggregate,
    so there is no GROUP BY over the outer query, exactly one row (0 when nothing matches), and a paginated list
    counts only for the rows of its page."""
    template = "COUNT(DISTINCT %(expressions)s)" if distinct else "COUNT(%(expressions)s)"
    sub = qs.order_by().annotate(n=Func(F(distinct or "pk"), template=template, output_field=IntegerField()))
    return Coalesce(Subquery(sub.values("n")[:1], output_field=IntegerField()), 0)
