"""Work circulars: list, draft, read, edit (drafts only), refresh the figures, publish, download."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fazhi.circulars import documents, permissions, services
from fazhi.circulars.compile import default_period
from fazhi.circulars.forms import EditCircularForm, NewCircularForm
from fazhi.circulars.models import Circular, CircularFrozen
from fazhi.lib.pagination import CappedPaginator


@login_required
@require_safe
def circular_list(request):
    if not permissions.may_read_any(request.user):
        raise Http404
    rows = permissions.readable(request.user).select_related("region").order_by("-start", "-pk")
    status = request.GET.get("status")
    if status in Circular.Status.values:
        rows = rows.filter(status=status)
    page = CappedPaginator(rows, 25).get_page(request.GET.get("page"))
    return render(request, "circulars/circular_list.html", {
        "page_obj": page, "may_draft": permissions.may_draft(request.user), "status": status})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def circular_new(request):
    regions = permissions.draft_regions(request.user)
    if not permissions.may_draft(request.user) or not regions.exists():
        raise Http404
    if request.method == "POST":
        form = NewCircularForm(request.POST, regions=regions)
        if form.is_valid():
            d = form.cleaned_data
            try:
                with transaction.atomic():
                    circular = services.create_draft(by=request.user, region=d["region"], start=d["start"],
                                                     end=d["end"], title=d["title"].strip(),
                                                     number=d["number"].strip())
            except IntegrityError:
                form.add_error("number", _("This document number is already used in the region."))
            else:
                messages.success(request, _("The draft circular has been compiled from the records."))
                return redirect("circulars:detail", pk=circular.pk)
    else:
        start, end = default_period()
        form = NewCircularForm(regions=regions, initial={"region": regions.order_by("code").first(),
                                                         "start": start, "end": end})
    return render(request, "circulars/circular_new.html", {"form": form})


@login_required
@require_safe
def circular_detail(request, pk):
    circular = permissions.readable_or_404(request.user, pk)
    return render(request, "circulars/circular_detail.html", {
        "c": circular, "s": circular.snapshot or {}, "may_write": permissions.may_write(request.user, circular)})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def circular_edit(request, pk):
    circular = permissions.draft_or_404(request.user, pk)
    form = EditCircularForm(request.POST or None, circular=circular)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        circular.title, circular.number, circular.issuer = d["title"].strip(), d["number"], d["issuer"].strip()
        circular.sections = form.sections()
        try:
            with transaction.atomic():
                circular.save()
        except CircularFrozen:
            raise Http404 from None
        except IntegrityError:
            form.add_error("number", _("This document number is already used in the region."))
        else:
            messages.success(request, _("The circular has been saved."))
            return redirect("circulars:detail", pk=circular.pk)
    return render(request, "circulars/circular_edit.html", {"c": circular, "form": form})


@login_required
@require_POST
def circular_refresh(request, pk):
    circular = permissions.draft_or_404(request.user, pk)
    try:
        services.refresh(circular, rewrite_text=request.POST.get("rewrite") == "1")
    except CircularFrozen:
        raise Http404 from None
    messages.success(request, _("The figures have been compiled again from the records."))
    return redirect("circulars:detail", pk=circular.pk)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def circular_publish(request, pk):
    circular = permissions.draft_or_404(request.user, pk)
    if request.method == "POST":
        if request.POST.get("confirm") != "1":
            messages.error(request, _("Tick the box to confirm that the circular is final."))
        elif circular.publish(by=request.user):
            messages.success(request, _("The circular has been published. It can no longer be changed."))
            return redirect("circulars:detail", pk=circular.pk)
        else:
            raise Http404
    return render(request, "circulars/circular_publish.html", {"c": circular})


def _download(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def circular_pdf(request, pk):
    circular = permissions.readable_or_404(request.user, pk)
    return _download(documents.render_pdf(circular), "application/pdf", documents.filename(circular, "pdf"))


@login_required
@require_safe
def circular_docx(request, pk):
    circular = permissions.readable_or_404(request.user, pk)
    return _download(documents.render_docx(circular),
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                     documents.filename(circular, "docx"))
