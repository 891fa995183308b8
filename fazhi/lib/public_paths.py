"""The addresses used without an account (class page, tip line, surveys, their JSON API). Pages under them
set no cookie, keep nothing about the client and send `Referrer-Policy: no-referrer`. One list for the site:
the 503 page (fazhi/lib/middleware.py) and the 404 handler (fazhi/tips/public_views.py) read it."""

# The class page with its tip form (/c/<token>/…) and the tip line's follow-up pages (/report/…).
TIP_LINE_PREFIXES = ("/c/", "/report/")
# Answering a survey with the code on the class's sheet.
SURVEY_PREFIXES = ("/s/",)
# HTML pages whose forms are sent without an account or a CSRF cookie.
PUBLIC_PAGE_PREFIXES = TIP_LINE_PREFIXES + SURVEY_PREFIXES
# The public JSON endpoints for a mini-program.
PUBLIC_API_PREFIX = "/api/v1/public/"
PUBLIC_PREFIXES = (*PUBLIC_PAGE_PREFIXES, PUBLIC_API_PREFIX)
