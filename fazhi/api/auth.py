"""`Authorization: Bearer <key>` for the JSON API. The session cookie does not count: a page open in the
browser cannot be made to call the API on its user's behalf (no CSRF through the API)."""

from ninja.security import HttpBearer

from fazhi.accounts.scope import scope_for
from fazhi.api.models import ApiToken


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        found = ApiToken.authenticate(token.strip())
        if found is None:
            return None
        user = found.user
        if scope_for(user).is_empty:  # no role left (the token page's rule): nothing the API could show
            return None
        # The pages' helpers (visible_to, the forms) read request.user: it is the token's user, never the
        # session's.
        request.user = user
        request.api_token = found
        return user
