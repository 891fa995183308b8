"""The printed survey sheets: one A4 page per class of a survey, with the class's QR code and its code to type
at `/s/`, to hand out or project in the classroom.

The sheets are printed in the site's language (zh-hans), whatever language the person printing uses: they
are read by the pupils. Every font stack names "Noto Sans CJK SC" (WeasyPrint has no other CJK font to fall
back on). The page's styles live here and not in the template (`SHEET_CSS`), so that the template holds no
inline styles; the QR codes are PNG data URIs and nothing else is fetched.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from fazhi.accounts.scope import get_visible_or_404
from fazhi.assignments.noticeboard import qr_data_uri
from fazhi.lib.params import is_id
from fazhi.org.models import SchoolClass
from fazhi.surveys.models import Survey, SurveyClass

MAX_SHEETS = 400  # pages in one PDF made while the user waits; print one school at a time beyond that

SHEET_CSS = """
@page { size: A4 portrait; margin: 12mm; }
html, body { margin: 0; padding: 0; }
body { font-family: "Noto Sans CJK SC", sans-serif; color: #1a1a1a; font-size: 12pt; line-height: 1.45; }
section { position: relative; box-sizing: border-box; width: 186mm; height: 273mm; overflow: hidden;
  break-after: page; text-align: center; }
section:last-child { break-after: auto; }
.kicker { margin: 4mm 0 0; font-size: 11pt; color: #b71c1c; letter-spacing: 2pt; }
h1 { margin: 1mm 0 0; font-family: "Noto Sans CJK SC", sans-serif; font-size: 22pt; font-weight: 700;
  line-height: 1.25; }
.questionnaire { margin: 1mm 0 0; font-size: 12pt; color: #555; }
.place { margin: 5mm 0 0; font-size: 26pt; font-weight: 700; line-height: 1.25; }
.place small { display: block; font-size: 15pt; font-weight: 400; color: #333; }
img.qr { display: block; margin: 6mm auto 0; width: 88mm; height: 88mm; image-rendering: pixelated; }
.scan { margin: 3mm 0 0; font-size: 13pt; }
.type { margin: 5mm 0 0; font-size: 11pt; color: #555; }
.type b { font-weight: 400; color: #1a1a1a; }
.code { margin: 1mm 0 0; font-family: "Noto Sans CJK SC", monospace; font-size: 44pt; font-weight: 700;
  letter-spacing: 6pt; color: #b71c1c; line-height: 1.15; }
.dates { margin: 3mm 0 0; font-size: 13pt; font-weight: 700; }
ul { margin: 5mm 10mm 0; padding: 3mm 6mm 3mm 12mm; text-align: left; font-size: 11.5pt; line-height: 1.6;
  border-left: 1.2mm solid #b71c1c; background: #fbf3f3; font-family: "Noto Sans CJK SC", sans-serif; }
.footer { position: absolute; left: 0; right: 0; bottom: 0; font-size: 8.5pt; color: #888; }
"""


def survey_url(entry: SurveyClass) -> str:
    return settings.PUBLIC_BASE_URL + reverse("survey_public:take", args=[entry.code])


def grouped(code: str) -> str:
    """ABCD2345 → "ABCD 2345", easier to read out and type."""
    return f"{code[:4]} {code[4:]}"


def _context(survey: Survey, entries) -> dict:
    pages = []
    for entry in entries:
        klass = entry.school_class
        url = survey_url(entry)
        pages.append({"school": klass.school.name, "class_name": klass.name, "code": grouped(entry.code),
                      "url": url, "qr": qr_data_uri(url)})
    return {"survey": survey, "questionnaire": survey.questionnaire, "pages": pages,
            "enter_url": settings.PUBLIC_BASE_URL + reverse("survey_public:enter"),
            "printed_on": timezone.localdate()}


def _fetcher():
    from weasyprint.urls import URLFetcher

    class DataOnlyFetcher(URLFetcher):
        """The sheets need nothing but their data: URIs; nothing from the disk or the network."""

        def __init__(self):
            super().__init__(allowed_protocols=("data",), allow_redirects=False, timeout=5)

        def fetch(self, url, headers=None):
            if not url.lower().startswith("data:"):
                raise ValueError(f"not allowed in a survey sheet: {url[:60]}")
            return super().fetch(url, headers)

    return DataOnlyFetcher()


def render_sheets(survey: Survey, entries) -> bytes:
    """The PDF of the survey's sheets for these entries (SurveyClass, with school_class and its school
    loaded), one A4 page per class, in the order given."""
    from weasyprint import CSS, HTML

    entries = list(entries)
    if not entries:
        raise ValueError("no classes to print")
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string("surveys/sheets_pdf.html", _context(survey, entries))
    fetcher = _fetcher()
    return HTML(string=html, url_fetcher=fetcher).write_pdf(
        stylesheets=[CSS(string=SHEET_CSS, url_fetcher=fetcher)])


@login_required
@require_safe
def sheets_pdf(request, pk):
    """The sheets of a survey's classes that the user can see; `?school=<id>` for one school's classes."""
    survey = get_visible_or_404(Survey, request.user, pk=pk)
    entries = SurveyClass.objects.filter(survey=survey,
                                         school_class__in=SchoolClass.objects.visible_to(request.user))
    school = request.GET.get("school", "")
    if school:
        if not is_id(school):
            raise Http404
        entries = entries.filter(school_class__school_id=int(school))
    entries = entries.select_related("school_class__school")
    count = entries.count()
    if count == 0:
        raise Http404
    if count > MAX_SHEETS:
        return render(request, "assignments/noticeboard_message.html", {
            "title": _("Too many classes for one print"),
            "message": _("This survey has %(count)s classes; one print takes at most %(max)s. Print one school "
                         "at a time.") % {"count": count, "max": MAX_SHEETS},
        }, status=400)
    response = HttpResponse(render_sheets(survey, entries), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"survey-{survey.pk}-sheets.pdf")
    response["Cache-Control"] = "private, no-store"
    return response
