from django.urls import reverse
from django.utils.translation import gettext as _

from fazhi.accounts import permissions as perms
from fazhi.accounts.scope import scope_for
from fazhi.confidential.permissions import can_see_confidential
from fazhi.oversight import permissions as oversight_perms


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_for(user)
    from fazhi.notices.models import Notification

    unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    # The menu in groups; a group with one page the user may open is a plain link.
    groups = [
        (None, [(_("Home"), "accounts:home", True)]),
        (_("Registry"), [
            (_("Units"), "org:unit_list", perms.can_see_units(scope)),
            (_("Schools"), "org:school_list", perms.can_see_schools(scope)),
            (_("Classes"), "org:class_list", perms.can_see_schools(scope)),
            (_("Officers"), "org:officer_list", perms.can_see_officers(scope)),
            (_("Roster"), "org:roster", perms.can_import_roster(scope)),
            (_("Accounts"), "accounts:user_list", perms.can_manage_users(scope)),
            (_("Change log"), "org:change_log", perms.can_see_history(scope)),
        ]),
        (_("Assignments"), [
            (_("Assignments"), "assignments:assignment_list", perms.can_see_assignments(scope)),
            (_("Coverage"), "assignments:coverage", perms.can_see_coverage(scope)),
            (_("Pairings"), "pairings:list", perms.can_see_coverage(scope)),
        ]),
        (_("Education work"), [
            (_("Activities"), "activities:list", perms.can_see_activities(scope)),
            (_("Progress"), "quotas:progress", perms.can_see_progress(scope)),
            (_("Ledgers"), "ledgers:index", perms.can_export_ledgers(scope)),
        ]),
        (_("Safety"), [
            (_("Cases"), "tips:list", perms.can_see_cases(scope)),
            (_("Registers"), "registers:hazard_list", perms.can_see_registers(scope)),
            (_("Surveys"), "surveys:list", perms.can_see_surveys(scope)),
            (_("Confidential registers"), "confidential:student_list", can_see_confidential(scope)),
        ]),
        (_("Oversight"), [
            (_("Dashboard"), "dashboards:region", perms.can_see_figures(scope)),
            (_("Figures"), "figures:page", perms.can_see_figures(scope)),
            (_("Inspections"), "oversight:inspection_list", oversight_perms.can_see_inspections(scope)),
            (_("Findings"), "oversight:finding_list", oversight_perms.can_see_findings(scope)),
            (_("Accountability"), "oversight:accountability_list", oversight_perms.can_see_accountability(scope)),
            (_("Work circulars"), "circulars:list", scope.has_role(*perms.REGION_READERS)),
        ]),
        (None, [(_("Alerts"), "alerts:list", True),
                (_("Notifications") + (f" ({unread})" if unread else ""), "notices:list", True)]),
    ]
    path = request.path
    nav = []
    for title, entries in groups:
        links = []
        for label, name, allowed in entries:
            if allowed:
                url = reverse(name)
                links.append({"label": label, "url": url, "current": path == url if url == "/" else
                              path.startswith(url)})
        if title is None or len(links) == 1:
            nav.extend(links)
        elif links:
            nav.append({"label": title, "children": links, "current": any(x["current"] for x in links)})
    return {"nav_items": nav, "scope": scope}
