"""Noticeboard pages: the class's public QR page (no login), the printed boards, and the school's
confirmation that the current board is on the wall.

The public pages store and log nothing about the visitor: they are rendered without the request (no
session is read or written, no CSRF cookie is set), and answer with `Cache-Control: no-store` and
`Referrer-Policy: no-referrer`.
"""

import io
import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotFound
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from fazhi.accounts.scope import get_editable_or_404, get_visible_or_404
from fazhi.assignments import noticeboard as nb
from fazhi.assignments.models import NoticeboardPosting
from fazhi.lib.forms import DateInput
from fazhi.lib.images import without_metadata
from fazhi.lib.params import is_id
from fazhi.org.models import Region, School, SchoolClass, current_school_year

# One web request prints at most this many classes (about 30 s and 500 MB on a small server); a larger
# region is printed by school or county, or with `manage.py print_noticeboards`.
MAX_PRINT_CLASSES = 800
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}

PUBLIC_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}


def _public(response):
    for key, value in PUBLIC_HEADERS.items():
        response[key] = value
    return response


TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{8,32}")


def _class_by_token(token: str) -> SchoolClass | None:
    if not TOKEN_RE.fullmatch(token):  # tokens are URL-safe base64; anything else cannot be one
        return None
    return SchoolClass.objects.select_related("school").filter(public_token=token).first()


def _public_not_found():
    # The site's 404 page carries the staff layout (and its language form sets a CSRF cookie): not here.
    html = render_to_string("assignments/class_public.html", {"missing": True})
    return _public(HttpResponseNotFound(html))


# ---- public (no login) -------------------------------------------------------------------------

@require_GET
def class_public(request, token):
    """The page behind the class's QR code, for students and parents on a phone."""
    klass = _class_by_token(token)
    if klass is None:
        return _public_not_found()
    board = nb.board_for(klass)
    officer = board["officer"]
    context = {
        "board": board,
        "officer": officer,
        "has_photo": bool(officer and nb.print_photo(officer["photo"])),
        "officer_phone": nb.format_phone(officer["phone"]) if officer else "",
        "officer_tel": nb.tel_digits(officer["phone"]) if officer else "",
        "unit_phone": nb.format_phone(board["unit_phone"]),
        "unit_tel": nb.tel_digits(board["unit_phone"]),
        "hotline": nb.format_phone(board["hotline"]),
        "hotline_tel": nb.tel_digits(board["hotline"]),
        "current_year": klass.school_year >= current_school_year(),
        "surveys": _open_surveys(klass),
    }
    # Rendered without the request: no context processor reads the session or the user, no cookie is set.
    return _public(HttpResponse(render_to_string("assignments/class_public.html", context)))


def _open_surveys(klass) -> list:
    from fazhi.surveys.models import Survey, SurveyClass

    return list(SurveyClass.objects.filter(school_class=klass, survey__in=Survey.objects.open_on())
                .select_related("survey__questionnaire"))


@require_GET
def class_photo(request, token):
    """The current officer's photo (the print copy: downscaled, without EXIF), or 404."""
    klass = _class_by_token(token)
    officer = nb.board_for(klass)["officer"] if klass else None
    path = nb.print_photo(officer["photo"]) if officer else None
    if path is None:
        return _public(HttpResponseNotFound())
    return _public(FileResponse(open(path, "rb"), content_type="image/jpeg", filename="photo.jpg"))


# ---- printing ----------------------------------------------------------------------------------

def _int_param(request, name: str) -> int | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    if not is_id(raw):
        raise Http404
    return int(raw)


@login_required
@require_GET
def print_pdf(request):
    """?class=ID, ?school=ID or ?region=CODE (with ?year=, the current school year by default): one PDF with
    one A4 page per class the user may see."""
    year = _int_param(request, "year") or current_school_year()
    user = request.user
    visible = SchoolClass.objects.visible_to(user).select_related("school")
    class_id, school_id = _int_param(request, "class"), _int_param(request, "school")
    region_code = request.GET.get("region", "").strip()
    if class_id is not None:
        klass = get_visible_or_404(SchoolClass, user, pk=class_id)
        classes, label, year = visible.filter(pk=klass.pk), f"{klass.school.name}{klass.name}", klass.school_year
    elif school_id is not None:
        school = get_visible_or_404(School, user, pk=school_id)
        classes, label = visible.filter(school=school, school_year=year), school.name
    elif region_code:
        if not is_id(region_code):
            raise Http404
        region = get_visible_or_404(Region, user, code=region_code)
        classes = visible.filter(school__region__code__startswith=region.code, school_year=year)
        label = region.name
    else:
        raise Http404
    classes = classes.order_by("school__region_id", "school__name", "grade", "number", "pk")
    count = classes.count()
    if count == 0:
        return render(request, "assignments/noticeboard_message.html", {
            "title": _("Nothing to print"),
            "message": _("There are no classes of %(year)s here that you may see.") % {"year": year},
        }, status=404)
    if count > MAX_PRINT_CLASSES:
        return render(request, "assignments/noticeboard_message.html", {
            "title": _("Too many classes for one print"),
            "message": _("%(label)s has %(count)s classes; one print takes at most %(max)s. Print one county or "
                         "school at a time, or ask an administrator to run the print_noticeboards command.")
            % {"label": label, "count": count, "max": MAX_PRINT_CLASSES},
        }, status=400)
    buffer = io.BytesIO()
    nb.render_pdf(classes, buffer)
    response = HttpResponse(buffer.getvalue(), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, nb.print_filename(label, year))
    response["Cache-Control"] = "private, no-store"
    return response


# ---- staff page and posting --------------------------------------------------------------------

class PostingForm(forms.Form):
    fingerprint = forms.CharField(widget=forms.HiddenInput, max_length=64)
    posted_on = forms.DateField(label=gettext_lazy("Posted on"), initial=timezone.localdate,
                                widget=DateInput())
    photo = forms.ImageField(
        label=gettext_lazy("Photo of the posted board (optional)"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=gettext_lazy("JPEG, PNG or WebP. Location and camera data are removed."))

    def __init__(self, *args, current_fingerprint: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_fingerprint = current_fingerprint
        self.fields["fingerprint"].initial = current_fingerprint

    def clean_fingerprint(self):
        value = self.cleaned_data["fingerprint"]
        if value != self.current_fingerprint:
            raise forms.ValidationError(_("The noticeboard changed after this page was loaded. Print the "
                                          "current one, post it, and confirm again."))
        return value

    def clean_posted_on(self):
        value = self.cleaned_data["posted_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        if value.year < 2000:
            raise forms.ValidationError(_("Enter a date after 2000."))
        return value

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if not photo:
            return None
        if photo.size > settings.MAX_PHOTO_BYTES:
            raise forms.ValidationError(_("The photo is larger than %(mb)s MB.") % {
                "mb": settings.MAX_PHOTO_BYTES // (1024 * 1024)})
        if getattr(photo, "image", None) is None or photo.image.format not in PHOTO_FORMATS:
            raise forms.ValidationError(_("Upload a JPEG, PNG or WebP photo."))
        return without_metadata(photo, "board")  # no GPS position or camera data is kept


def _can_confirm(user, klass) -> bool:
    return SchoolClass.objects.editable_by(user).filter(pk=klass.pk).exists()


def _detail_context(request, klass, form=None) -> dict:
    board = nb.board_for(klass)
    state = nb.posting_details([klass], boards=[board])[klass.pk]
    can_confirm = _can_confirm(request.user, klass)
    if can_confirm and form is None:
        form = PostingForm(current_fingerprint=board["fingerprint"])
    officer = board["officer"]
    return {
        "klass": klass, "board": board, "state": state["state"], "latest": state["posting"],
        "postings": klass.noticeboard_postings.select_related("confirmed_by")[:10],
        "chat_intro": nb.chat_intro(klass, board=board),
        "officer_phone": nb.format_phone(officer["phone"]) if officer else "",
        "unit_phone": nb.format_phone(board["unit_phone"]),
        "hotline": nb.format_phone(board["hotline"]),
        "code": board["fingerprint"][:8].upper(),
        "qr": nb.qr_data_uri(board["url"]),
        "form": form if can_confirm else None,
        "can_print_school": School.objects.visible_to(request.user).filter(pk=klass.school_id).exists(),
    }


@login_required
@require_GET
def noticeboard_detail(request, pk):
    klass = get_visible_or_404(SchoolClass, request.user, pk=pk)
    return render(request, "assignments/noticeboard_detail.html", _detail_context(request, klass))


@login_required
@require_POST
def noticeboard_posted(request, pk):
    """A school admin of the school, a teacher of the class, or the region's education or committee staff
    confirm that the current board is posted; others get 404."""
    klass = get_editable_or_404(SchoolClass, request.user, pk=pk)
    board = nb.board_for(klass)
    form = PostingForm(request.POST, request.FILES, current_fingerprint=board["fingerprint"])
    if not form.is_valid():
        return render(request, "assignments/noticeboard_detail.html",
                      _detail_context(request, klass, form=form), status=400)
    posting = NoticeboardPosting(school_class=klass, fingerprint=board["fingerprint"],
                                 posted_on=form.cleaned_data["posted_on"], confirmed_by=request.user)
    if form.cleaned_data["photo"]:
        posting.photo = form.cleaned_data["photo"]
    posting.save()
    messages.success(request, _("Recorded: the current noticeboard of %(klass)s is posted.") % {
        "klass": f"{klass.school.name} {klass.name}"})
    return redirect(reverse("noticeboards:board", args=[klass.pk]))


@login_required
@require_GET
def posting_photo(request, pk):
    """The photo a school took of a posted board (staff who may see the class)."""
    try:
        posting = NoticeboardPosting.objects.get(
            pk=pk, school_class__in=SchoolClass.objects.visible_to(request.user))
    except NoticeboardPosting.DoesNotExist:
        raise Http404 from None
    if not posting.photo:
        raise Http404
    try:
        return FileResponse(posting.photo.open("rb"))
    except FileNotFoundError:
        raise Http404 from None
