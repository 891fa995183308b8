"""The anonymous tip line: report from the class page, get a receipt, follow up with it. No account.

What these views keep about the person using them: nothing. They are rendered without the request (no
session, no CSRF cookie, no user), send `Cache-Control: no-store` and `Referrer-Policy: no-referrer`, never
read or store the client's address or user agent, and count rate limits under a salted hash kept in memory
for minutes (`ratelimit.py`). Instead of a CSRF cookie, the report form carries a signed, timestamped
idempotency key: a form must come from this site, and sending it twice gives the same report and receipt.
"""

import logging

from django.db import DatabaseError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fazhi.assignments.noticeboard_views import _class_by_token, _public, _public_not_found
from fazhi.lib.db import database_unavailable, failed_write_status
from fazhi.lib.public_paths import PUBLIC_API_PREFIX, TIP_LINE_PREFIXES
from fazhi.tips import ratelimit, receipts, services
from fazhi.tips.forms import CATEGORY_HINTS, LookupForm, ReplyForm, TipForm, prepare_photos
from fazhi.tips.models import Channel, Tip

log = logging.getLogger(__name__)


def _page(template: str, context: dict, status: int = 200) -> HttpResponse:
    return _public(HttpResponse(render_to_string(template, context), status=status))


def _categories(form):
    """The category radio buttons with a short hint under each kind of bullying."""
    return [(choice, CATEGORY_HINTS.get(choice.data["value"], "")) for choice in form["category"]]


def _not_saved() -> str:
    return _("Your report could not be saved just now. Nothing was sent. Your text is kept below: send it again in "
             "a moment.")


@csrf_exempt  # no cookie on public pages: the signed form key stands in for the CSRF token (see above)
@require_http_methods(["GET", "POST"])
def report(request, token):
    try:
        klass, unavailable = _class_by_token(token), False
    except DatabaseError as exc:
        # A form opened (GET) gets the site's 503 page (fazhi.lib.middleware.DatabaseUnavailableMiddleware); any
        # other database error is a bug: the 500 page, its traceback logged by Django.
        if request.method != "POST" or not database_unavailable(exc):
            raise
        log.warning("tip form sent while the database is unavailable")
        klass, unavailable = None, True  # the form needs no database: it comes back with the text in place
    if klass is None and not unavailable:
        return _public_not_found()
    context = {"klass": klass, "school": klass.school if klass else None, "token": token}
    if request.method == "GET":
        form = TipForm()
        context.update(form=form, categories=_categories(form),
                       form_key=receipts.sign_form_key(receipts.new_idempotency_key()))
        return _page("tips/report.html", context)

    form = TipForm(request.POST)
    key = receipts.unsign_form_key(request.POST.get("form_key", ""))
    problems = []
    if key is None:
        key = receipts.new_idempotency_key()
        problems.append(_("This form was open for too long or did not come from this page. Your text is kept "
                          "below: check it and send it again."))
    photos, photo_errors = prepare_photos(request.FILES.getlist("photos"))
    status = 200
    if unavailable:
        problems.append(_not_saved())
        status = 503
    elif ratelimit.submissions_exceeded(request):
        problems.append(_("Too many reports were sent from this network in the last minutes. Your text is kept "
                          "below: wait ten minutes and send it again, or call the numbers on the class page."))
        status = 429
    elif form.is_valid() and not photo_errors and not problems:
        try:
            result = services.submit_tip(school_class=klass, channel=Channel.QR, idempotency_key=key, photos=photos,
                                         **form.cleaned_data)
        except DatabaseError as exc:
            status = failed_write_status(exc, log, "tip")  # 503 when unreachable; 500 (logged) for a bug
            problems.append(_not_saved())
        else:
            ratelimit.count("submit", request)
            return _page("tips/receipt.html", {**context, "receipt": receipts.grouped(result.receipt),
                                               "raw_receipt": result.receipt, "duplicate": result.duplicate,
                                               "in_danger": result.tip.in_danger})
    if photo_errors:
        problems.append(_("Photos: %(errors)s Choose the photos again (nothing was sent).")
                        % {"errors": " ".join(photo_errors)})
    elif any(request.FILES.getlist("photos")):  # the text comes back in the form; chosen files cannot
        problems.append(_("Photos: a page cannot keep the photos you chose. Choose the photos again (nothing was "
                          "sent)."))
    context.update(form=form, categories=_categories(form), problems=problems,
                   form_key=receipts.sign_form_key(key))
    return _page("tips/report.html", context, status=status)


def find_tip(request, text: str) -> tuple[Tip | None, str]:
    """The tip behind a typed receipt, or None with the reason. The same work is done whether or not the
    code exists (one hash, one indexed query), and failures count towards the client's limit."""
    if ratelimit.lookups_exceeded(request):
        return None, _("Too many wrong codes were tried from this network. Wait ten minutes and try again.")
    receipt = receipts.normalise(text)
    tip = Tip.objects.select_related("case", "school_class").filter(
        receipt_hash=receipts.receipt_hash(receipt or "-")).first()
    if receipt is None:
        ratelimit.count("lookup", request)
        return None, _("This is not a valid receipt code: it has 16 digits. Check each digit and try again.")
    if tip is None:
        ratelimit.count("lookup", request)
        return None, _("No report was found with this code. Check each digit and try again.")
    return tip, ""


def _status_context(tip: Tip, receipt: str, reply_form=None, sent=False, form_key=None) -> dict:
    """The follow-up page. `form_key`: the reply form's signed key when the same message is shown again to be
    re-sent (sending it twice stores it once); a fresh one for a new message."""
    return {
        "tip": tip, "status": tip.case.reporter_status, "thread": list(tip.messages.all()),
        "reply_form": reply_form or ReplyForm(initial={"receipt": receipt}), "sent": sent,
        "receipt": receipts.grouped(receipt),
        "form_key": form_key or receipts.sign_form_key(receipts.new_idempotency_key()),
    }


@csrf_exempt
@require_http_methods(["GET", "POST"])
def followup(request):
    """Type the receipt code; see the status and the messages, and write back."""
    if request.method == "GET":
        return _page("tips/followup.html", {"lookup": LookupForm()})
    lookup = LookupForm(request.POST)
    tip, problem = (None, _("Type your receipt code.")) if not lookup.is_valid() else find_tip(
        request, lookup.cleaned_data["receipt"])
    if tip is None:
        status = 429 if ratelimit.lookups_exceeded(request) else 200
        return _page("tips/followup.html", {"lookup": lookup, "problem": problem}, status=status)
    return _page("tips/followup.html", _status_context(tip, receipts.normalise(lookup.cleaned_data["receipt"])))


@csrf_exempt
@require_POST
def reply(request):
    form = ReplyForm(request.POST)
    tip, problem = find_tip(request, request.POST.get("receipt", ""))
    if tip is None:
        return _page("tips/followup.html", {"lookup": LookupForm(), "problem": problem}, status=400)
    receipt = receipts.normalise(request.POST.get("receipt"))
    signed = request.POST.get("form_key", "")
    key = receipts.unsign_form_key(signed)  # None for a page older than a day: the message is still taken
    kept = signed if key else None
    if not form.is_valid():
        return _page("tips/followup.html", _status_context(tip, receipt, reply_form=form, form_key=kept))
    try:
        services.reporter_reply(tip, body=form.cleaned_data["body"], idempotency_key=key)
    except DatabaseError as exc:
        status = failed_write_status(exc, log, "reporter message")  # 503 when unreachable; 500 (logged) for a bug
        context = _status_context(tip, receipt, reply_form=form, form_key=kept)
        context["problem"] = _("Your message could not be saved just now. It is kept below: send it again in a "
                               "moment.")
        return _page("tips/followup.html", context, status=status)
    return _page("tips/followup.html", _status_context(tip, receipt, sent=True))


@require_GET
def privacy(request):
    """What the tip line keeps and what it does not, in plain words."""
    return _page("tips/privacy.html", {})


def page_not_found(request, exception=None):
    """The site's 404 handler: under the public prefixes a page without the staff layout (whose language form
    would set a CSRF cookie) and, for the JSON endpoints, a JSON answer; the usual page elsewhere. Only the tip
    line's prefixes, not the surveys' (/s/): this not-found page is the class page's ("this class page does not
    exist"), which would be wrong for a survey address."""
    from django.views.defaults import page_not_found as default

    if request.path.startswith(PUBLIC_API_PREFIX):
        from fazhi.tips.api import _error

        return _error(_("Not found."), 404)
    if request.path.startswith(TIP_LINE_PREFIXES):
        return _public_not_found()
    return default(request, exception)
