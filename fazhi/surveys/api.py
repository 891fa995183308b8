"""Surveys as JSON for a mini-program: the same rules as the pages (`public_views`).

GET  /api/v1/public/surveys/{code}            → 200 {"title", "introduction", "school", "class", "open",
        "questions": [{"id", "kind", "text", "help", "options"}]}
POST /api/v1/public/surveys/{code}/responses  JSON {"answers": {question id: option index | [indexes] | text}},
        header `Idempotency-Key` (22–100 of A–Z a–z 0–9 _ -, random per response)
        → 201 {"ok": true} (200 when the key was seen before); 400 {"errors": {question id: message}};
        404 unknown code; 409 survey not open; 429 too many answers from this network.
Every question may be skipped. "Once per device" is the mini-program's job (it has no identity to give us).
"""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from fazhi.lib.db import failed_write_status
from fazhi.surveys import services
from fazhi.surveys.public_views import survey_class_by_code
from fazhi.tips import ratelimit, receipts
from fazhi.tips.api import KEY_RE, BadBody, _body, _error, _json

log = logging.getLogger(__name__)


@require_GET
def questionnaire(request, code):
    entry = survey_class_by_code(code)
    if entry is None:
        return _error(_("No survey has this code."), 404)
    survey = entry.survey
    return _json({
        "title": survey.questionnaire.title, "introduction": survey.questionnaire.introduction,
        "school": entry.school_class.school.name, "class": entry.school_class.name, "open": survey.is_open,
        "opens_on": survey.opens_on.isoformat(), "closes_on": survey.closes_on.isoformat(),
        "questions": [{"id": q.pk, "kind": q.kind, "text": q.text, "help": q.help, "options": q.choices}
                      for q in survey.questionnaire.questions.all()],
    })


@csrf_exempt
@require_POST
def respond(request, code):
    entry = survey_class_by_code(code)
    if entry is None:
        return _error(_("No survey has this code."), 404)
    if not entry.survey.is_open:
        return _error(_("This survey is not open."), 409)
    try:
        data, _files = _body(request)
    except BadBody as e:
        return _error(e.message, e.status)
    key = request.headers.get("Idempotency-Key") or receipts.new_idempotency_key()
    if not KEY_RE.fullmatch(key):
        return _json({"errors": {"idempotency_key": [_("Use 22 to 100 letters, digits, '-' or '_', random for each "
                                                       "response.")]}}, 400)
    raw = data.get("answers")
    if not isinstance(raw, dict):
        return _json({"errors": {"answers": [_("Send the answers as an object: question id → answer.")]}}, 400)
    if ratelimit.exceeded("survey", request, settings.SURVEY_RESPONSES_PER_WINDOW):
        return _error(_("Too many answers from this network; wait a few minutes."), 429)
    try:
        answers = services.clean_answers(list(entry.survey.questionnaire.questions.all()), raw)
    except ValidationError as e:
        return _json({"errors": e.message_dict}, 400)
    try:
        _response, created = services.submit_response(survey_class=entry, answers=answers, idempotency_key=key)
    except DatabaseError as exc:
        return _error(_("The answers could not be saved; send them again in a moment."),
                      failed_write_status(exc, log, "survey response"))  # 503 when unreachable; 500 for a bug
    ratelimit.count("survey", request)
    return _json({"ok": True}, 201 if created else 200)
