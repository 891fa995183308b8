"""A user's own notifications: the list, opening one (marks it read), marking all read."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from fazhi.lib.pagination import CappedPaginator
from fazhi.notices.models import Notification


@login_required
@require_safe
def notice_list(request):
    notices = Notification.objects.filter(user=request.user).order_by("-created_at", "-pk")
    page = CappedPaginator(notices, 25).get_page(request.GET.get("page"))
    return render(request, "notices/notice_list.html", {"page_obj": page,
                                                        "unread": notices.filter(read_at__isnull=True).exists()})


@login_required
@require_safe
def notice_open(request, pk):
    notice = Notification.objects.filter(user=request.user, pk=pk).first()
    if notice is None:
        raise Http404
    if notice.read_at is None:
        Notification.objects.filter(pk=notice.pk).update(read_at=timezone.now())
    # Only links inside this site (they are made by fazhi, but a stored link is never followed elsewhere).
    return redirect(notice.url if notice.url.startswith("/") and not notice.url.startswith("//") else "/")


@login_required
@require_POST
def read_all(request):
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("notices:list")
