"""Assignment facts for the registry's pages (the org app knows nothing of assignments)."""

from django import template

from fazhi.accounts import permissions as perms
from fazhi.accounts.scope import scope_for
from fazhi.assignments.models import Assignment, Handover

register = template.Library()
A = Assignment


@register.simple_tag(takes_context=True)
def class_assignments(context, klass):
    user = context["request"].user
    scope = scope_for(user)
    rows = list(A.objects.filter(school_class=klass, status__in=[A.Status.PROPOSED, *A.HOLDING])
                .select_related("officer__unit"))
    return {
        "current": next((a for a in rows if a.status in A.HOLDING), None),
        "proposal": next((a for a in rows if a.status == A.Status.PROPOSED), None),
        "handover": Handover.objects.filter(school_class=klass, closed_on__isnull=True).first(),
        "can_propose": perms.can_propose(scope),
        "past": A.objects.filter(school_class=klass, status=A.Status.ENDED).select_related("officer").order_by(
            "-ended_on")[:5],
    }


@register.simple_tag
def school_vice_principals(school):
    return list(A.objects.filter(school=school, role=A.Role.VICE_PRINCIPAL, status__in=A.HOLDING)
                .select_related("officer__unit"))


@register.simple_tag(takes_context=True)
def officer_assignments(context, officer):
    """The officer's classes and posts that the viewer may see."""
    return list(A.objects.visible_to(context["request"].user)
                .filter(officer=officer, status__in=[A.Status.PROPOSED, *A.HOLDING])
                .select_related("school", "school_class").order_by("role", "school__name"))
