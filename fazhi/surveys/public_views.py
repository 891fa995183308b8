"""Answering a survey on a phone, without an account: `/s/` (type the class's code) and `/s/<code>/`.

Like the tip line, these pages are rendered without the request (no session, no CSRF cookie), keep nothing
about the client, and carry a signed idempotency key instead of a CSRF token. "Once per device" is a cookie
whose value is the same for every device ("1", named after the class's code): it says that this browser has
answered, and nothing about who.
"""

import logging
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.http import HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from fazhi.assignments.noticeboard_views import _public
from fazhi.lib.db import failed_write_status
from fazhi.surveys import services
from fazhi.surveys.models import Question, SurveyClass
from fazhi.tips import ratelimit, receipts

log = logging.getLogger(__name__)
CODE_RE = re.compile(r"[2-9A-HJ-NP-Z]{8}")


def _page(template: str, context: dict, status: int = 200) -> HttpResponse:
    return _public(HttpResponse(render_to_string(template, context), status=status))


def survey_class_by_code(code: str) -> SurveyClass | None:
    code = (code or "").strip().upper().replace(" ", "")
    if not CODE_RE.fullmatch(code):
        return None
    return (SurveyClass.objects.select_related("survey__questionnaire", "school_class__school")
            .filter(code=code).first())


def done_cookie(entry: SurveyClass) -> str:
    return f"fz_done_{entry.code}"


@csrf_exempt
@require_http_methods(["GET", "POST"])
def enter(request):
    """Type the code from the class's survey sheet."""
    if request.method == "POST":
        entry = survey_class_by_code(request.POST.get("code", ""))
        if entry is not None:
            return _public(HttpResponseRedirect(reverse("survey_public:take", args=[entry.code])))
        return _page("surveys/public_enter.html", {"problem": _("No survey has this code. Check the 8 characters "
                                                                 "on your class's sheet and try again.")}, 404)
    return _page("surveys/public_enter.html", {})


def _rows(questions, data=None, errors=None):
    """What the template needs for each question: its options with their checked state, and its error."""
    rows = []
    for q in questions:
        name = f"q{q.pk}"
        picked = set(data.getlist(name)) if data is not None else set()
        rows.append({
            "q": q, "name": name, "error": (errors or {}).get(str(q.pk), ""),
            "text": data.get(name, "") if data is not None and q.kind == Question.Kind.TEXT else "",
            "options": [(str(i), label, str(i) in picked) for i, label in enumerate(q.choices)],
            "input": "checkbox" if q.kind == Question.Kind.MULTIPLE else "radio",
        })
    return rows


@csrf_exempt
@require_http_methods(["GET", "POST"])
def take(request, code):
    entry = survey_class_by_code(code)
    if entry is None:
        return _page("surveys/public_enter.html", {"problem": _("No survey has this code.")}, 404)
    survey = entry.survey
    context = {"entry": entry, "survey": survey, "klass": entry.school_class, "school": entry.school_class.school,
               "questionnaire": survey.questionnaire}
    if not survey.is_open:
        context["state"] = "closed" if survey.closed_early or survey.closes_on < timezone.localdate() else "later"
        return _page("surveys/public_message.html", context)
    if request.COOKIES.get(done_cookie(entry)) == "1":
        context["state"] = "done"
        return _page("surveys/public_message.html", context)
    questions = list(survey.questionnaire.questions.all())
    if request.method == "GET":
        context.update(rows=_rows(questions), form_key=receipts.sign_form_key(receipts.new_idempotency_key()))
        return _page("surveys/public_take.html", context)

    key = receipts.unsign_form_key(request.POST.get("form_key", ""))
    raw = {str(q.pk): (request.POST.getlist(f"q{q.pk}") if q.kind == Question.Kind.MULTIPLE
                       else request.POST.get(f"q{q.pk}", "")) for q in questions}
    errors, problem, status = {}, "", 200
    try:
        answers = services.clean_answers(questions, raw)
    except ValidationError as e:
        errors, answers = {k: v[0] for k, v in e.message_dict.items()}, None
        problem = _("Some answers need another look (marked below).")
    if key is None:
        key, problem = receipts.new_idempotency_key(), _("This page was open for too long. Your answers are kept "
                                                         "below: send them again.")
    elif answers is not None and ratelimit.exceeded("survey", request, settings.SURVEY_RESPONSES_PER_WINDOW):
        problem, status = _("Too many answers were sent from this network just now. Wait a few minutes and send "
                            "again."), 429
    elif answers is not None:
        try:
            services.submit_response(survey_class=entry, answers=answers, idempotency_key=key)
        except DatabaseError as exc:
            problem = _("Your answers could not be saved just now. They are kept below: send them again in a "
                        "moment.")
            status = failed_write_status(exc, log, "survey response")  # 503 when unreachable; 500 for a bug
        else:
            ratelimit.count("survey", request)
            context["state"] = "thanks"
            response = _page("surveys/public_message.html", context)
            days = (survey.closes_on - timezone.localdate()).days + 1
            response.set_cookie(done_cookie(entry), "1", max_age=max(days, 1) * 86400, httponly=True,
                                samesite="Lax", path=f"/s/{entry.code}/", secure=request.is_secure())
            return response
    context.update(rows=_rows(questions, request.POST, errors), problem=problem,
                   form_key=receipts.sign_form_key(key))
    return _page("surveys/public_take.html", context, status)
