"""The tip line as JSON, for a mini-program. The same rules as the pages (`public_views`): no account, no
cookie, nothing about the client kept; an idempotency key makes a retried submission safe.

POST /api/v1/public/classes/{token}/tips   JSON (or multipart with `photos`): category, description,
        occurred, place, people, in_danger (bool), reporter_role; header `Idempotency-Key` (or field
        `idempotency_key`): 22–100 characters of A–Z a–z 0–9 _ -, random per report (a UUID4 will do).
        → 201 {"receipt": "…"} (200 with the same receipt when the key was seen before)
POST /api/v1/public/tips/lookup   {"receipt"} → 200 {"status", "status_label", "received_on", "category",
        "messages": [{"from": "reporter"|"handler", "body", "at"}]}
POST /api/v1/public/tips/reply    {"receipt", "message"}, optional `Idempotency-Key` (as above): the same key and text
        again store the message once → 201 {"ok": true}
Errors: 400 {"errors": {field: [..]}} or {"error": "…"}, 404 unknown class or receipt, 413 body too large,
429 too many attempts, 503 try again.
"""

import json
import logging
import re

from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from fazhi.assignments.noticeboard_views import _class_by_token, _public
from fazhi.lib.db import failed_write_status
from fazhi.tips import ratelimit, receipts, services
from fazhi.tips.forms import ReplyForm, TipForm, prepare_photos
from fazhi.tips.models import Category, Channel
from fazhi.tips.public_views import find_tip

log = logging.getLogger(__name__)
KEY_RE = re.compile(r"[A-Za-z0-9_-]{22,100}")


def _json(data, status=200):
    return _public(JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False}))


def _error(message, status):
    return _json({"error": str(message)}, status)


def _bad_key():
    return _json({"errors": {"idempotency_key": [_("Use 22 to 100 letters, digits, '-' or '_', random for each "
                                                   "report.")]}}, 400)


class BadBody(Exception):
    def __init__(self, status, message):
        self.status, self.message = status, message


def _body(request) -> tuple[dict, list]:
    """The fields (and uploaded photos) of a JSON or multipart request."""
    try:
        if request.content_type == "multipart/form-data":
            return request.POST.dict(), request.FILES.getlist("photos")
        data = json.loads(request.body or b"{}")
    except RequestDataTooBig:
        raise BadBody(413, _("The request is too large.")) from None
    except (ValueError, UnicodeDecodeError):
        raise BadBody(400, _("The body must be a JSON object.")) from None
    if not isinstance(data, dict):
        raise BadBody(400, _("The body must be a JSON object."))
    return data, []


def _as_form_data(data: dict) -> dict:
    """JSON values as the form expects them: text fields as strings, in_danger as yes/no."""
    out = {}
    for field in ("category", "description", "occurred", "place", "people", "reporter_role"):
        value = data.get(field)
        if value is not None:
            out[field] = value if isinstance(value, str) else json.dumps(value)
    danger = data.get("in_danger")
    out["in_danger"] = "yes" if danger in (True, "true", "yes", "1", 1) else "no"
    return out


@csrf_exempt
@require_POST
def submit(request, token):
    klass = _class_by_token(token)
    if klass is None:
        return _error(_("No class has this code."), 404)
    try:
        data, files = _body(request)
    except BadBody as e:
        return _error(e.message, e.status)
    key = request.headers.get("Idempotency-Key") or data.get("idempotency_key") or receipts.new_idempotency_key()
    if not isinstance(key, str) or not KEY_RE.fullmatch(key):
        return _bad_key()
    if ratelimit.submissions_exceeded(request):
        return _error(_("Too many reports from this network; wait ten minutes."), 429)
    form = TipForm(_as_form_data(data))
    photos, photo_errors = prepare_photos(files)
    if not form.is_valid() or photo_errors:
        errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
        if photo_errors:
            errors["photos"] = photo_errors
        return _json({"errors": errors, "categories": Category.values}, 400)
    try:
        result = services.submit_tip(school_class=klass, channel=Channel.APP, idempotency_key=key, photos=photos,
                                     **form.cleaned_data)
    except DatabaseError as exc:
        return _error(_("The report could not be saved; send it again in a moment."),
                      failed_write_status(exc, log, "tip"))  # 503 when unreachable; 500 (logged) for a bug
    ratelimit.count("submit", request)
    return _json({"receipt": result.receipt}, 200 if result.duplicate else 201)


def _tip_of(request, data):
    """(tip, None) for a good receipt, or (None, the error response)."""
    text = data.get("receipt")
    text = text if isinstance(text, str) else ""
    tip, problem = find_tip(request, text)
    if tip is not None:
        return tip, None
    if ratelimit.lookups_exceeded(request):
        return None, _error(problem, 429)
    return None, _error(problem, 400 if receipts.normalise(text) is None else 404)


@csrf_exempt
@require_POST
def lookup(request):
    try:
        data, _files = _body(request)
    except BadBody as e:
        return _error(e.message, e.status)
    tip, refused = _tip_of(request, data)
    if refused:
        return refused
    return _json({
        "status": tip.case.status, "status_label": str(tip.case.reporter_status),
        "received_on": timezone.localdate(tip.created_at).isoformat(), "category": tip.category,
        "messages": [{"from": "reporter" if m.from_reporter else "handler", "body": m.body,
                      "at": timezone.localtime(m.created_at).isoformat(timespec="minutes")}
                     for m in tip.messages.all()],
    })


@csrf_exempt
@require_POST
def reply(request):
    try:
        data, _files = _body(request)
    except BadBody as e:
        return _error(e.message, e.status)
    tip, refused = _tip_of(request, data)
    if refused:
        return refused
    message = data.get("message")
    form = ReplyForm({"receipt": data.get("receipt"), "body": message if isinstance(message, str) else ""})
    if not form.is_valid():
        return _json({"errors": {("message" if k == "body" else k): [str(m) for m in v]
                                 for k, v in form.errors.items()}}, 400)
    key = request.headers.get("Idempotency-Key") or data.get("idempotency_key")  # optional for a reply
    if key is not None and (not isinstance(key, str) or not KEY_RE.fullmatch(key)):
        return _bad_key()
    try:
        services.reporter_reply(tip, body=form.cleaned_data["body"], idempotency_key=key)
    except DatabaseError as exc:
        return _error(_("The message could not be saved; send it again in a moment."),
                      failed_write_status(exc, log, "reporter message"))
    return _json({"ok": True}, 201)
