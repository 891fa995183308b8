"""The user's alerts (only those addressed to them) and the weekly digest for committee administrators."""

import datetime

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from fazhi.accounts.scope import scope_for
from fazhi.alerts.models import Alert
from fazhi.alerts.services import week_of, week_start
from fazhi.lib.pagination import CappedPaginator


@login_required
@require_safe
def alert_list(request):
    kind = request.GET.get("kind", "")
    resolved = request.GET.get("resolved") == "1"
    alerts = Alert.objects.for_user(request.user)
    counts = dict(alerts.open().order_by().values_list("kind").annotate(n=Count("pk")))
    if kind in Alert.Kind.values:
        alerts = alerts.filter(kind=kind)
    else:
        kind = ""
    if not resolved:
        alerts = alerts.open()
    alerts = alerts.order_by("resolved_at", "-opened_at", "-pk") if resolved else alerts.order_by("-opened_at", "-pk")
    page = CappedPaginator(alerts, 25).get_page(request.GET.get("page"))
    kinds = [(value, label, counts.get(value, 0)) for value, label in Alert.Kind.choices]
    return render(request, "alerts/alert_list.html", {
        "page_obj": page, "kinds": kinds, "kind": kind, "resolved": resolved,
    })


@login_required
@require_safe
def alert_open(request, pk):
    """Follow an alert to the page that shows its subject (only an alert addressed to the user)."""
    alert = Alert.objects.for_user(request.user).filter(pk=pk).first()
    if alert is None:
        raise Http404
    return redirect(alert.safe_url)


def _week(request, now):
    """The week asked for (`?week=2026-W48`), else the current one: (label, start, end)."""
    start = week_start(now)
    value = request.GET.get("week", "")
    try:
        year, week = value.split("-W")
        if not 2000 <= int(year) <= 2100:  # far-off weeks overflow the date arithmetic below
            raise ValueError(year)
        monday = datetime.date.fromisocalendar(int(year), int(week), 1)
        start = timezone.make_aware(datetime.datetime.combine(monday, datetime.time()))
    except (ValueError, OverflowError):
        pass
    return week_of(timezone.localtime(start).date()), start, start + datetime.timedelta(days=7)


@login_required
@require_safe
def digest(request):
    """The committee's weekly view: open alerts of their region by kind, and the week's new and resolved."""
    scope = scope_for(request.user)
    if not (scope.superuser or scope.committee_prefixes):
        raise Http404
    alerts = Alert.objects.all() if scope.superuser else Alert.objects.in_regions(scope.committee_prefixes)
    label, start, end = _week(request, timezone.now())
    counts = dict(alerts.open().order_by().values_list("kind").annotate(n=Count("pk")))
    week = alerts.filter(Q(opened_at__gte=start, opened_at__lt=end) | Q(resolved_at__gte=start, resolved_at__lt=end))
    week_counts = week.order_by().values("kind").annotate(
        new=Count("pk", filter=Q(opened_at__gte=start, opened_at__lt=end)),
        resolved=Count("pk", filter=Q(resolved_at__gte=start, resolved_at__lt=end)))
    week_counts = {row["kind"]: row for row in week_counts}
    rows = [{"kind": value, "label": kind_label, "open": counts.get(value, 0),
             "new": week_counts.get(value, {}).get("new", 0),
             "resolved": week_counts.get(value, {}).get("resolved", 0)}
            for value, kind_label in Alert.Kind.choices]
    return render(request, "alerts/digest.html", {
        "week": label, "start": timezone.localtime(start).date(),
        "end": timezone.localtime(end).date() - datetime.timedelta(days=1),
        "rows": rows, "total_open": sum(counts.values()),
        "new": week.filter(opened_at__gte=start, opened_at__lt=end).order_by("kind", "-opened_at")[:200],
        "resolved": week.filter(resolved_at__gte=start, resolved_at__lt=end).order_by("kind", "-resolved_at")[:200],
        "open": alerts.open().order_by("kind", "opened_at")[:200],
    })
