"""Quota pages: progress against the quotas (classes, schools, officers), its lagging list in Excel, and
the region's quota settings per semester. The figures come from `fazhi.activities.progress`."""

import io
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fazhi.accounts import permissions as perms
from fazhi.accounts.scope import get_visible_or_404, scope_for
from fazhi.activities import progress
from fazhi.activities.models import Quota
from fazhi.assignments.models import Assignment
from fazhi.lib import excel
from fazhi.lib.params import is_id
from fazhi.org.models import Region, School, SchoolClass, Unit
from fazhi.org.views import _page, _require

SCHOOL_CHOICES_MAX = 300  # above this many schools the filter is a region or unit, not a long select


def _period(request) -> progress.Period:
    """The semester asked for in ?year= and ?semester=, by default the current one."""
    year = request.GET.get("year", "")
    semester = request.GET.get("semester", "")
    return progress.Period.of(
        school_year=int(year) if is_id(year) and 2000 <= int(year) <= 2100 else None,
        semester=semester if semester in Quota.Semester.values else None)


def _own_regions(user):
    """Regions a user may pick: their own and everything below them (not the ancestors that
    `Region.visible_to` adds for names: a county's page must not be titled with the city's name)."""
    scope = scope_for(user)
    if scope.superuser:
        return Region.objects.all()
    q = Q(pk__in=[])
    for prefix in scope.region_prefixes:
        q |= Q(code__startswith=prefix)
    return Region.objects.filter(q)


def _progress(request):
    """The user's progress lists for the filters in the query string. A region, unit or school outside the
    user's scope is a 404."""
    user = request.user
    scope = scope_for(user)
    tabs = perms.progress_tabs(scope)
    _require(bool(tabs))
    period = _period(request)
    region = request.GET.get("region", "").strip()
    unit = request.GET.get("unit", "").strip()
    school = request.GET.get("school", "").strip()
    region_obj = unit_obj = school_obj = None
    if is_id(region):
        region_obj = _own_regions(user).filter(pk=region).first()
        if region_obj is None:
            raise Http404
    else:
        region = ""
    if is_id(unit):
        unit_obj = get_visible_or_404(Unit, user, pk=int(unit))
    else:
        unit = ""
    if is_id(school):
        school_obj = get_visible_or_404(School, user, pk=int(school))
    else:
        school = ""
    p = progress.Progress(
        period, region=region or None, unit_id=unit_obj.pk if unit_obj else None,
        school_id=school_obj.pk if school_obj else None,
        classes=SchoolClass.objects.visible_to(user), schools=School.objects.visible_to(user),
        assignments=Assignment.objects.visible_to(user))
    title = (school_obj.name if school_obj else unit_obj.name if unit_obj else region_obj.full_name if region_obj
             else _("All of your scope"))
    tab = request.GET.get("tab", "")
    if tab not in tabs:
        tab = tabs[0]
    return p, {
        "period": period, "tabs": tabs, "tab": tab, "region": region, "unit": unit, "school": school,
        "region_obj": region_obj, "unit_obj": unit_obj, "school_obj": school_obj, "title": title,
        "lagging_only": request.GET.get("show") == "lagging",
    }


def _focus_quota(p: progress.Progress, ctx, scope) -> Quota | None:
    """The quota shown above the lists: of the chosen region or school, or of the user's only region."""
    code = (ctx["school_obj"].region_id if ctx["school_obj"] else ctx["region"]
            or (scope.region_prefixes[0] if len(scope.region_prefixes) == 1 else ""))
    return p.quota_for(code) if code else None


TAB_LABELS = {
    "classes": gettext_lazy("Classes"),
    "schools": gettext_lazy("Schools"),
    "officers": gettext_lazy("Officers"),
}


@login_required
def progress_page(request):
    p, ctx = _progress(request)
    scope = scope_for(request.user)
    tab = ctx["tab"]
    rows = p.rows(tab)
    listed = progress.lagging(rows) if ctx["lagging_only"] else rows
    page = _page(request, listed)
    for row in page.object_list:
        row.status = progress.status_of(row.done, row.target, row.expected)
    tab_totals = []
    for t in ctx["tabs"]:
        base = {"classes": p.classes, "schools": p.schools, "officers": p.officers}[t]()
        tab_totals.append({"tab": t, "label": str(TAB_LABELS[t]), "totals": progress.totals(base)})
    totals = next(x["totals"] for x in tab_totals if x["tab"] == tab)
    units = schools = None
    regions = list(_own_regions(request.user).only("code", "name").order_by("code")[:SCHOOL_CHOICES_MAX])
    if scope.has_role(*perms.REGION_READERS):  # the others see one unit, school or officer anyway
        units = Unit.objects.visible_to(request.user).exclude(
            kind__in=[Unit.Kind.COMMITTEE, Unit.Kind.EDUCATION]).only("pk", "name").order_by("name")
        candidates = School.objects.visible_to(request.user).only("pk", "name").order_by("name")
        if ctx["region"]:
            candidates = candidates.filter(region__code__startswith=ctx["region"])
        schools = list(candidates[:SCHOOL_CHOICES_MAX + 1])
        if len(schools) > SCHOOL_CHOICES_MAX or len(schools) < 2:
            schools = None
    return render(request, "activities/quota_progress.html", {
        **ctx, "page_obj": page, "totals": totals, "tab_totals": tab_totals,
        "quota": _focus_quota(p, ctx, scope), "regions": regions if len(regions) > 1 else None, "units": units,
        "schools": schools, "semesters": Quota.Semester.choices, "can_set": perms.can_set_quotas(scope),
        "settings_url": _settings_url(ctx),
    })


def _settings_url(ctx) -> str:
    region = ctx["region"] or (ctx["school_obj"].region_id if ctx["school_obj"] else "")
    query = f"year={ctx['period'].school_year}&semester={ctx['period'].semester}"
    return f"{reverse('quotas:settings')}?{query}" + (f"&region={region}" if region else "")


# ---- Excel -------------------------------------------------------------------------------------

EXPORT_SHEETS = {
    "classes": ("班级", ["区划代码", "学校", "班级", "法治班主任", "主题班会目标", "已开展", "按进度应完成", "尚差"]),
    "schools": ("学校", ["区划代码", "学校", "预防教育目标", "已开展", "按进度应完成", "尚差"]),
    "officers": ("法治班主任", ["姓名", "单位", "电话", "所带班级", "活动目标", "已开展", "按进度应完成", "尚差"]),
}


def _export_values(tab, row) -> list:
    figures = [row.target, row.done, row.expected, row.target - row.done]
    if tab == "classes":
        officer = row.holding[0].officer.name if row.holding else ""
        return [row.school.region_id, row.school.name, row.name, officer, *figures]
    if tab == "schools":
        return [row.region_id, row.name, *figures]
    held = "、".join(f"{a.school.name}{a.school_class.name}" for a in row.held_in_period)
    return [row.name, row.unit.name, row.phone, held, *figures]


@login_required
def progress_export(request):
    """The lagging list (behind the pro-rata pace) with the page's filters: one sheet per list the user sees."""
    p, ctx = _progress(request)
    buf = io.BytesIO()
    wb = excel.workbook(buf, constant_memory=True)
    for tab in ctx["tabs"]:
        name, headers = EXPORT_SHEETS[tab]
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, headers)
        for i, row in enumerate(progress.lagging(p.rows(tab)).iterator(chunk_size=2000), start=1):
            for col, value in enumerate(_export_values(tab, row)):
                if isinstance(value, int):
                    ws.write_number(i, col, value)
                else:
                    ws.write_string(i, col, value)
    wb.close()
    response = HttpResponse(buf.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    filename = f"进度滞后名单-{ctx['period'].school_year}-{ctx['period'].semester}.xlsx"
    response["Content-Disposition"] = (f"attachment; filename=lagging-{ctx['period'].school_year}-"
                                       f"{ctx['period'].semester}.xlsx; filename*=UTF-8''{quote(filename)}")
    return response


# ---- settings ----------------------------------------------------------------------------------

class QuotaForm(forms.ModelForm):
    class Meta:
        model = Quota
        fields = list(progress.QUOTA_FIELDS)


def _settable_regions(user):
    scope = scope_for(user)
    if scope.superuser:
        return Region.objects.all()
    q = Q(pk__in=[])
    for prefix in scope.committee_prefixes + scope.education_prefixes:
        q |= Q(code__startswith=prefix)
    return Region.objects.filter(q)


@login_required
def quota_settings(request):
    scope = scope_for(request.user)
    _require(perms.can_set_quotas(scope))
    data = request.POST if request.method == "POST" else request.GET
    regions = _settable_regions(request.user).order_by("code")
    code = data.get("region", "").strip()
    region = regions.filter(pk=code).first() if code else regions.first()
    if region is None:
        raise Http404
    year = data.get("year", "")
    semester = data.get("semester", "")
    period = progress.Period.of(school_year=int(year) if is_id(year) and 2000 <= int(year) <= 2100 else None,
                                semester=semester if semester in Quota.Semester.values else None)
    own = Quota.objects.filter(region=region, school_year=period.school_year, semester=period.semester).first()
    source = None
    if own is None:
        source = Quota.for_region(region.code, period.school_year, period.semester)
        own = Quota(region=region, school_year=period.school_year, semester=period.semester,
                    **{f: getattr(source, f) for f in progress.QUOTA_FIELDS})
    form = QuotaForm(request.POST or None, instance=own)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                form.save()
        except IntegrityError:  # saved by someone else at the same moment: theirs stands, show it
            messages.error(request, _("Someone else saved these rules at the same moment; check them and save again."))
            return redirect(f"{request.path}?region={region.code}&year={period.school_year}&semester={period.semester}")
        messages.success(request, _("Quotas saved for %(region)s, %(semester)s.") % {
            "region": region.full_name, "semester": period.label})
        return redirect(f"{request.path}?region={region.code}&year={period.school_year}&semester={period.semester}")
    inherited_from = None
    if source is not None and source.pk:
        inherited_from = Region.objects.filter(pk=source.region_id).first()
    # The quotas set for this semester up the tree (what inherits) and below the region (what overrides it).
    related = Q(region__code__startswith=region.code) | Q(region_id__in=progress.ancestors(region.code))
    set_here = (Quota.objects.filter(related, school_year=period.school_year, semester=period.semester)
                .select_related("region").order_by("region_id"))
    return render(request, "activities/quota_settings.html", {
        "form": form, "region": region, "regions": regions if regions.count() <= SCHOOL_CHOICES_MAX else None,
        "period": period, "semesters": Quota.Semester.choices, "inherited": source is not None,
        "inherited_from": inherited_from, "set_here": set_here,
        "progress_url": f"{reverse('quotas:progress')}?region={region.code}&year={period.school_year}"
                        f"&semester={period.semester}",
    })
