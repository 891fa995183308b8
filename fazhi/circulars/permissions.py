"""Who may see and who may write work circulars.

Committee admins of a region (or a region above it) draft, edit and publish its circulars; education staff
and inspectors of the region read them (drafts as well as published ones). Nobody else sees any: for them a
circular does not exist (404)."""

from django.db.models import QuerySet
from django.http import Http404

from fazhi.accounts.scope import scope_for
from fazhi.circulars.models import Circular
from fazhi.org.models import Region, _prefix_q


def readable(user) -> QuerySet:
    scope = scope_for(user)
    if scope.superuser:
        return Circular.objects.all()
    prefixes = scope.committee_prefixes + scope.education_prefixes + scope.inspector_prefixes
    return Circular.objects.filter(_prefix_q("region__code", prefixes)) if prefixes else Circular.objects.none()


def writable(user) -> QuerySet:
    """Circulars the user may change while they are drafts (and publish)."""
    scope = scope_for(user)
    if scope.superuser:
        return Circular.objects.all()
    if not scope.committee_prefixes:
        return Circular.objects.none()
    return Circular.objects.filter(_prefix_q("region__code", scope.committee_prefixes))


def may_read_any(user) -> bool:
    scope = scope_for(user)
    return scope.superuser or bool(scope.committee_prefixes or scope.education_prefixes or scope.inspector_prefixes)


def may_draft(user) -> bool:
    scope = scope_for(user)
    return scope.superuser or bool(scope.committee_prefixes)


def draft_regions(user) -> QuerySet:
    """Regions the user may draft circulars for: their committee regions and those below them."""
    scope = scope_for(user)
    if scope.superuser:
        return Region.objects.all()
    if not scope.committee_prefixes:
        return Region.objects.none()
    return Region.objects.filter(_prefix_q("code", scope.committee_prefixes))


def may_write(user, circular: Circular) -> bool:
    return not circular.is_published and writable(user).filter(pk=circular.pk).exists()


def readable_or_404(user, pk) -> Circular:
    circular = readable(user).select_related("region").filter(pk=pk).first()
    if circular is None:
        raise Http404
    return circular


def draft_or_404(user, pk) -> Circular:
    """For the edit views: a draft the user may change; anything else (published, read-only, unseen) → 404."""
    circular = writable(user).select_related("region").filter(pk=pk, status=Circular.Status.DRAFT).first()
    if circular is None:
        raise Http404
    return circular

