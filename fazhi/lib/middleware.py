from django.conf import settings
from django.http import HttpResponseBadRequest


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
