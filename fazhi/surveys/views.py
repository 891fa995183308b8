"""Survey windows for staff: the list, opening one, its classes and codes, closing early, the suppressed results
and their Excel export."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from fazhi.accounts import permissions as perms
from fazhi.accounts.scope import get_editable_or_404, get_visible_or_404, scope_for
from fazhi.lib.pagination import CappedPaginator
from fazhi.lib.params import is_id
from fazhi.lib.queries import count_of
from fazhi.surveys import results, services
from fazhi.surveys.forms import SurveyForm
from fazhi.surveys.models import Response, Survey, SurveyClass


def _require(allowed: bool):
    if not allowed:
        raise Http404


@login_required
@require_safe
def survey_list(request):
    scope = scope_for(request.user)
    _require(perms.can_see_surveys(scope))
    surveys = Survey.objects.visible_to(request.user)
    q = request.GET.get("q", "").strip()[:100]
    surveys = surveys.search(q)
    state = request.GET.get("state", "")
    today = timezone.localdate()
    if state == "open":
        surveys = surveys.open_on(today)
    elif state == "closed":
        surveys = surveys.exclude(pk__in=Survey.objects.open_on(today).values("pk")).filter(opens_on__lte=today)
    surveys = (surveys.select_related("questionnaire", "region", "school")
               .annotate(classes_n=count_of(SurveyClass.objects.filter(survey=OuterRef("pk"))))
               .order_by("-opens_on", "-pk"))
    page = CappedPaginator(surveys, 25).get_page(request.GET.get("page"))
    # The page's answers in one grouped query: a province's surveys have hundreds of thousands.
    answered = dict(Response.objects.filter(survey_class__survey__in=[s.pk for s in page])
                    .values_list("survey_class__survey").annotate(n=Count("pk")).order_by())
    for survey in page:
        survey.responses_n = answered.get(survey.pk, 0)
    return render(request, "surveys/survey_list.html", {
        "page_obj": page, "q": q, "state": state, "filtered": bool(q or state),
        "can_run": perms.can_run_surveys(scope),
    })


@login_required
def survey_create(request):
    _require(perms.can_run_surveys(scope_for(request.user)))
    form = SurveyForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            survey = services.open_survey(
                by=request.user, questionnaire=data["questionnaire"], title=data["title"], opens_on=data["opens_on"],
                closes_on=data["closes_on"], classes=data["class_list"], min_group=data["min_group"],
                flag_percent=data["flag_percent"], **data["owner"])
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("Survey opened for %(n)s classes. Print the sheets with each class's QR code.")
                             % {"n": len(data["class_list"])})
            return redirect("surveys:detail", survey.pk)
    return render(request, "surveys/survey_form.html", {"form": form})


def _visible_entries(request, survey):
    return results.visible_entries(request.user, survey)


@login_required
@require_safe
def survey_detail(request, pk):
    survey = get_visible_or_404(Survey, request.user, pk=pk)
    entries = list(_visible_entries(request, survey))
    can_edit = Survey.objects.editable_by(request.user).filter(pk=survey.pk).exists()
    return render(request, "surveys/survey_detail.html", {
        "survey": survey, "entries": entries, "can_edit": can_edit,
        "respondents": sum(e.n for e in entries), "students": sum(e.school_class.student_count for e in entries),
        "schools": sorted({(e.school_class.school_id, e.school_class.school.name) for e in entries},
                          key=lambda s: s[1]),
    })


@login_required
@require_POST
def survey_close(request, pk):
    survey = get_editable_or_404(Survey, request.user, pk=pk)
    if survey.is_open:
        Survey.objects.filter(pk=survey.pk).update(closed_early=True)
        messages.success(request, _("The survey is closed; no more answers are taken."))
    return redirect("surveys:detail", survey.pk)


def _results_context(request, survey):
    """`?school=` or `?class=` (which wins) as `results.results_for` takes them; another value is a 404."""
    school_param, class_param = request.GET.get("school", ""), request.GET.get("class", "")
    school_id = int(school_param) if is_id(school_param) else None
    class_id = int(class_param) if is_id(class_param) else None
    if class_id is None and school_id is None and (school_param or class_param):
        raise Http404
    return results.results_for(request.user, survey, school_id=school_id, class_id=class_id)


@login_required
@require_safe
def survey_results(request, pk):
    survey = get_visible_or_404(Survey, request.user, pk=pk)
    return render(request, "surveys/survey_results.html", _results_context(request, survey))


@login_required
@require_safe
def survey_export(request, pk):
    """The results in Excel, with the same suppression: hidden groups have no answer figures at all."""
    from fazhi.surveys.export import workbook

    survey = get_visible_or_404(Survey, request.user, pk=pk)
    visible = set(_visible_entries(request, survey).values_list("school_class_id", flat=True))
    data = workbook(survey, visible)
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(True, f"survey-{survey.pk}-results.xlsx")
    return response
