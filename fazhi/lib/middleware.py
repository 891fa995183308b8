import logging
import sys

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.core.signals import got_request_exception
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from fazhi.lib.db import database_unavailable
from fazhi.lib.public_paths import PUBLIC_PAGE_PREFIXES, PUBLIC_PREFIXES


class RejectNulBytesMiddleware:
    """A NUL byte in a query string is never meaningful; PostgreSQL refuses it in text, which would turn a
    mistyped or hostile link into a server error. Such requests get a plain 400 and reach no view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any("\x00" in value for values in request.GET.lists() for value in values[1]):
            return HttpResponseBadRequest("Bad request: NUL byte in the address.", content_type="text/plain")
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Adds `settings.CONTENT_SECURITY_POLICY` to every response that does not set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class DatabaseUnavailableMiddleware:
    """When the database cannot be reached, every page answers 503 "temporarily unavailable, try again" with a
    `Retry-After` header instead of the 500 page, whether a view met the error (`process_exception`) or a
    middleware did (the session, the logged-in user: see `note_database_down`). The page needs no database: no
    request context, no user. A form sent to a public page (tip line, survey) comes back on it, ready to be sent
    again, so nothing written is lost; the tip form itself does better (its own form, text in place). The JSON
    API gets JSON. Connections recover by themselves: `CONN_HEALTH_CHECKS` (settings) drops a dead persistent
    connection before a request uses it. Only an unreachable database counts (`fazhi.lib.db.database_unavailable`):
    any other database error (a missing table, a timeout, a deadlock) stays a 500 with its traceback logged."""

    RETRY_AFTER_SECONDS = 30
    NOT_SHOWN_BACK = frozenset({"form_key", "receipt", "code", "csrfmiddlewaretoken"})

    def __init__(self, get_response):
        self.get_response = get_response
        got_request_exception.connect(self.note_database_down, weak=False,
                                      dispatch_uid="fazhi.lib.middleware.database_down")

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, "fazhi_database_down", False):
            return self.unavailable(request)
        return response

    def process_exception(self, request, exception):
        if not database_unavailable(exception):
            return None
        first_line = (str(exception).strip().splitlines() or [type(exception).__name__])[0]
        logging.getLogger(__name__).warning("database unavailable (%s %s): %s", request.method, request.path,
                                            first_line)
        return self.unavailable(request)

    @classmethod
    def note_database_down(cls, sender, request=None, **kwargs):
        """Django turns an exception raised in a middleware into its 500 page before an outer middleware sees
        it; this receiver of `got_request_exception` marks the request so that `__call__` makes the 500 a 503."""
        if request is not None and database_unavailable(sys.exc_info()[1]):
            request.fazhi_database_down = True

    @classmethod
    def unavailable(cls, request) -> HttpResponse:
        message = _("The service is temporarily unavailable. Please try again in a moment.")
        public = request.path.startswith(PUBLIC_PREFIXES)
        if request.path.startswith("/api/"):  # the staff API as well as the public one: JSON
            response = JsonResponse({"error": str(message)}, status=503, json_dumps_params={"ensure_ascii": False})
        else:
            kept = []
            # Public pages' forms are sent without an account or a CSRF cookie: what was sent can be offered back.
            if request.method == "POST" and request.path.startswith(PUBLIC_PAGE_PREFIXES):
                try:
                    kept = [(name, value) for name, values in request.POST.lists() for value in values]
                except (ValueError, SuspiciousOperation):  # an unreadable body: nothing to give back
                    kept = []
            # What the person wrote is shown back; option numbers (digits) and keys are only sent again.
            written = [value for name, value in kept
                       if name not in cls.NOT_SHOWN_BACK and value.strip() and not value.strip().isdigit()]
            html = render_to_string("503.html", {"message": message, "kept": kept, "written": written,
                                                 "action": request.path, "public": public})
            response = HttpResponse(html, status=503)
        response["Retry-After"] = str(cls.RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        if public:
            response["Referrer-Policy"] = "no-referrer"
            response["X-Robots-Tag"] = "noindex, nofollow"
        return response
