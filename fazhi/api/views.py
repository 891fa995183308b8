"""Staff pages of the API: one's own tokens (make, list, revoke) and the API's documentation, rendered on the
server from the OpenAPI document (no CDN, no inline script)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from fazhi.accounts.scope import scope_for
from fazhi.api.forms import TokenForm
from fazhi.api.models import MAX_ACTIVE_PER_USER, ApiToken


def _require_staff(request):
    """Any role (or a superuser): a login without a role has nothing the API could show."""
    if scope_for(request.user).is_empty:
        raise Http404


@login_required
@never_cache
def tokens(request):
    _require_staff(request)
    own = ApiToken.objects.filter(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if own.active().count() >= MAX_ACTIVE_PER_USER:
            form.add_error(None, _("You have %(n)s valid tokens already: revoke one you no longer use.")
                           % {"n": MAX_ACTIVE_PER_USER})
        else:
            token, key = ApiToken.issue(user=request.user, name=form.cleaned_data["name"],
                                        expires_at=form.expires_at())
            # The key is rendered into this one response and never stored: no redirect, no message.
            return render(request, "api/token_created.html", {"token": token, "key": key})
    return render(request, "api/tokens.html", {"form": form, "tokens": own[:100]},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def revoke(request, pk):
    _require_staff(request)
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    token.revoke()
    messages.success(request, _("Token “%(name)s” revoked: it no longer works.") % {"name": token.name})
    return redirect("api_pages:tokens")


@login_required
@require_safe
def docs(request):
    _require_staff(request)
    from fazhi.api.api import api
    from fazhi.api.openapi import operations

    schema = api.get_openapi_schema(path_prefix="/api/v1")
    return render(request, "api/docs.html", {"info": schema["info"], "operations": operations(schema)})
