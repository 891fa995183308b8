"""The questionnaire builder for staff: the list, one questionnaire with a preview of its questions and its
versions, and the pages that change it.

Who reads is `Questionnaire.visible_to` (the built-in ones and those of the user's scope), who changes is
`Questionnaire.editable_by` (never a built-in one); anything else does not exist for the user (404), and
read-only roles get 404 from the create and change pages as well. A questionnaire in use (frozen) or built
in is never changed: the change pages answer with `questionnaire_locked.html`, which offers a new version
(or a copy of one's own)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fazhi.accounts.scope import get_editable_or_404, get_visible_or_404, scope_for
from fazhi.lib.pagination import CappedPaginator
from fazhi.lib.text import CONTROL
from fazhi.surveys import builder
from fazhi.surveys.models import Audience, Question, Questionnaire
from fazhi.surveys.questionnaire_forms import QuestionForm, QuestionnaireForm

PAGE_SIZE = 25
MAX_QUERY = 100


def _require(allowed: bool):
    if not allowed:
        raise Http404


def _detail_url(questionnaire) -> str:
    return reverse("questionnaires:detail", args=[questionnaire.pk])


# ---- reading -------------------------------------------------------------------------------------

@login_required
@require_safe
def questionnaire_list(request):
    scope = scope_for(request.user)
    _require(builder.can_see(scope))
    questionnaires = Questionnaire.objects.visible_to(request.user)
    q = CONTROL.sub("", request.GET.get("q", "")).strip()[:MAX_QUERY]
    if q:
        questionnaires = questionnaires.filter(title__icontains=q)
    audience = request.GET.get("audience", "")
    if audience in Audience.values:
        questionnaires = questionnaires.filter(audience=audience)
    else:
        audience = ""
    questionnaires = (questionnaires.select_related("school", "region")
                      .annotate(question_count=Count("questions"),
                                is_builtin=ExpressionWrapper(~Q(builtin=""), output_field=BooleanField()))
                      .order_by("-is_builtin", "title", "-version", "pk"))
    return render(request, "surveys/questionnaire_list.html", {
        "page_obj": CappedPaginator(questionnaires, PAGE_SIZE).get_page(request.GET.get("page")),
        "q": q, "audience": audience, "audiences": Audience.choices, "filtered": bool(q or audience),
        "can_build": builder.can_build(scope) and bool(builder.owners_for(request.user)),
    })


@login_required
@require_safe
def questionnaire_detail(request, pk):
    scope = scope_for(request.user)
    _require(builder.can_see(scope))
    questionnaire = get_visible_or_404(Questionnaire, request.user, pk=pk)
    editable = (builder.can_build(scope)
                and Questionnaire.objects.editable_by(request.user).filter(pk=questionnaire.pk).exists())
    owners = builder.owners_for(request.user)
    versions = builder.family_of(questionnaire).filter(
        pk__in=Questionnaire.objects.visible_to(request.user).values("pk"))
    return render(request, "surveys/questionnaire_detail.html", {
        "object": questionnaire, "questions": list(questionnaire.questions.all()),
        "versions": list(versions.annotate(question_count=Count("questions"))),
        "can_change": editable and not questionnaire.frozen,
        "can_version": editable,
        "can_retire": editable,
        # Copying as one's own: built-in ones, and those of an owner the user cannot change.
        "can_copy": bool(owners) and not editable,
        "owners": owners,
    })


# ---- creating and changing -----------------------------------------------------------------------

def _locked(request, questionnaire, reason: str = "", status: int = 403):
    """The answer of every change page for a questionnaire in use or built in."""
    scope = scope_for(request.user)
    editable = Questionnaire.objects.editable_by(request.user).filter(pk=questionnaire.pk).exists()
    return render(request, "surveys/questionnaire_locked.html", {
        "object": questionnaire, "reason": reason, "can_version": editable,
        "can_copy": not editable and builder.can_build(scope), "owners": builder.owners_for(request.user),
    }, status=status)


def _changeable(request, pk):
    """(questionnaire, None) when the user may change it now; (None, response) for one in use or built in.
    Outside the user's reach, or for read-only roles: 404."""
    scope = scope_for(request.user)
    _require(builder.can_build(scope))
    questionnaire = get_visible_or_404(Questionnaire, request.user, pk=pk)
    if questionnaire.builtin:
        return None, _locked(request, questionnaire)
    questionnaire = get_editable_or_404(Questionnaire, request.user, pk=pk)
    try:
        questionnaire.check_editable()
    except ValidationError:
        return None, _locked(request, questionnaire)
    return questionnaire, None


def _question(request, pk):
    """(question, None) or (None, response), as `_changeable` for the question's questionnaire."""
    _require(builder.can_build(scope_for(request.user)))
    question = get_object_or_404(Question.objects.select_related("questionnaire"), pk=pk,
                                 questionnaire__in=Questionnaire.objects.visible_to(request.user))
    questionnaire, refused = _changeable(request, question.questionnaire_id)
    if refused:
        return None, refused
    question.questionnaire = questionnaire
    return question, None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def questionnaire_create(request):
    _require(builder.can_build(scope_for(request.user)))
    owners = builder.owners_for(request.user)
    _require(bool(owners))
    form = QuestionnaireForm(request.POST or None, owners=owners)
    if request.method == "POST":
        if form.is_valid():
            questionnaire = builder.create_questionnaire(
                by=request.user, owner=form.owner, title=form.cleaned_data["title"],
                audience=form.cleaned_data["audience"], introduction=form.cleaned_data["introduction"])
            messages.success(request, _("Questionnaire created. Now add its questions."))
            return redirect(_detail_url(questionnaire))
        status = 400
    else:
        status = 200
    return render(request, "surveys/questionnaire_form.html", {
        "form": form, "title": _("New questionnaire"), "cancel": reverse("questionnaires:list")}, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def questionnaire_edit(request, pk):
    questionnaire, refused = _changeable(request, pk)
    if refused:
        return refused
    form = QuestionnaireForm(request.POST or None, instance=questionnaire)
    if request.method == "POST":
        if form.is_valid():
            try:
                builder.update_details(questionnaire, title=form.cleaned_data["title"],
                                       audience=form.cleaned_data["audience"],
                                       introduction=form.cleaned_data["introduction"])
            except ValidationError:
                return _locked(request, questionnaire)
            messages.success(request, _("Changes saved."))
            return redirect(_detail_url(questionnaire))
        status = 400
    else:
        status = 200
    return render(request, "surveys/questionnaire_form.html", {
        "form": form, "object": questionnaire, "title": _("Change the questionnaire"),
        "cancel": _detail_url(questionnaire)}, status=status)


def _question_page(request, form, questionnaire, *, title, save):
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                question = save(kind=data["kind"], text=data["text"], help=data["help"], options=data["options"])
            except ValidationError:
                return _locked(request, questionnaire)
            messages.success(request, _("Question saved."))
            return redirect(f"{_detail_url(questionnaire)}#q{question.pk}")
        status = 400
    else:
        status = 200
    return render(request, "surveys/question_form.html", {
        "form": form, "object": questionnaire, "title": title, "cancel": _detail_url(questionnaire),
        "with_options": list(builder.WITH_OPTIONS)}, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def question_create(request, pk):
    questionnaire, refused = _changeable(request, pk)
    if refused:
        return refused
    form = QuestionForm(request.POST or None)
    return _question_page(request, form, questionnaire, title=_("Add a question"),
                          save=lambda **data: builder.add_question(questionnaire, **data))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def question_edit(request, pk):
    question, refused = _question(request, pk)
    if refused:
        return refused

    def save(**data):
        builder.change_question(question, **data)
        return question

    form = QuestionForm(request.POST or None, instance=question)
    return _question_page(request, form, question.questionnaire, title=_("Change the question"), save=save)


@login_required
@require_POST
def question_delete(request, pk):
    question, refused = _question(request, pk)
    if refused:
        return refused
    try:
        builder.delete_question(question)
    except ValidationError:
        return _locked(request, question.questionnaire)
    messages.success(request, _("Question deleted."))
    return redirect(_detail_url(question.questionnaire))


@login_required
@require_POST
def question_move(request, pk):
    question, refused = _question(request, pk)
    if refused:
        return refused
    direction = request.POST.get("direction", "")
    if direction not in ("up", "down"):
        return HttpResponseBadRequest(_("Move the question up or down."))
    try:
        builder.move_question(question, direction)
    except ValidationError:
        return _locked(request, question.questionnaire)
    return redirect(f"{_detail_url(question.questionnaire)}#q{question.pk}")


# ---- versions, copies, retiring ------------------------------------------------------------------

@login_required
@require_POST
def questionnaire_copy(request, pk):
    """`mode=version`: the next version of an owned questionnaire (same owner). `mode=own`: a copy that
    belongs to one of the user's owners (`owner`), e.g. a school adapting a built-in questionnaire."""
    scope = scope_for(request.user)
    _require(builder.can_build(scope))
    mode = request.POST.get("mode", "")
    if mode == "version":
        questionnaire = get_editable_or_404(Questionnaire, request.user, pk=pk)
        copy = builder.new_version(questionnaire, by=request.user)
        messages.success(request, _("Version %(n)s made with the same questions: change it as you need.")
                         % {"n": copy.version})
        return redirect(_detail_url(copy))
    questionnaire = get_visible_or_404(Questionnaire, request.user, pk=pk)
    if mode != "own":
        return HttpResponseBadRequest(_("Choose a new version or a copy of your own."))
    owners = builder.owners_for(request.user)
    _require(bool(owners))
    owner = owners[0] if len(owners) == 1 else builder.owner_by_key(request.user, request.POST.get("owner", ""))
    if owner is None:
        messages.error(request, _("Choose whom the copy belongs to."))
        return redirect(_detail_url(questionnaire))
    copy = builder.copy_as_own(questionnaire, by=request.user, owner=owner)
    messages.success(request, _("Copied as a questionnaire of %(owner)s: change it as you need.")
                     % {"owner": owner.label})
    return redirect(_detail_url(copy))


@login_required
@require_POST
def questionnaire_retire(request, pk):
    """Retire (no longer offered for new surveys) or bring back; `retired=0` brings it back."""
    _require(builder.can_build(scope_for(request.user)))
    questionnaire = get_editable_or_404(Questionnaire, request.user, pk=pk)
    retired = request.POST.get("retired", "1") != "0"
    builder.set_retired(questionnaire, retired)
    messages.success(request, _("Retired: it is no longer offered for new surveys.") if retired
                     else _("It is offered for new surveys again."))
    return redirect(_detail_url(questionnaire))
