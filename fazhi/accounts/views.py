from axes.utils import reset as axes_reset
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from fazhi.accounts import permissions as perms
from fazhi.accounts.forms import LoginForm, MembershipForm, UserCreateForm, UserForm, temporary_password
from fazhi.accounts.home import home_sections
from fazhi.accounts.models import Membership, Role, User, can_grant
from fazhi.accounts.scope import scope_for
from fazhi.lib.pagination import CappedPaginator


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        self.request.user.password_changed()  # also revokes the user's API tokens
        update_session_auth_hash(self.request, self.request.user)
        messages.success(self.request, _("Your password has been changed."))
        return response

    def get_success_url(self):
        from django.urls import reverse

        return reverse("accounts:home")


@login_required
def home(request):
    return render(request, "accounts/home.html", {"sections": home_sections(request.user)})


def _require_user_admin(request):
    if not perms.can_manage_users(scope_for(request.user)):
        raise Http404


def _managed_user_or_404(request, pk):
    """For changing a login (edit, password reset, disable): the administrator must manage all its roles."""
    return get_object_or_404(User.objects.managed_entirely_by(request.user), pk=pk)


@login_required
def user_list(request):
    _require_user_admin(request)
    scope = scope_for(request.user)
    users = User.objects.visible_to(request.user).order_by("username")
    q = request.GET.get("q", "").strip()
    if q:
        users = users.filter(Q(username__icontains=q) | Q(full_name__icontains=q) | Q(phone__icontains=q))
    role = request.GET.get("role", "")
    if role in Role.values:
        users = users.filter(memberships__role=role).distinct()
    users = users.prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.managed_by(scope).select_related(
                "region", "unit", "officer__unit", "school", "school_class__school"
            ),
        )
    )
    page = CappedPaginator(users, 25).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {
        "page_obj": page, "q": q, "role": role, "roles": Role.choices,
    })


@login_required
def user_create(request):
    _require_user_admin(request)
    user_form = UserCreateForm(request.POST or None, prefix="user")
    membership_form = MembershipForm(request.POST or None, prefix="m", granted_by=request.user,
                                     initial={"role": request.GET.get("role"), "unit": request.GET.get("unit"),
                                              "school": request.GET.get("school")})
    if request.method == "POST" and user_form.is_valid() and membership_form.is_valid():
        password = temporary_password()
        with transaction.atomic():
            new_user = user_form.save(commit=False)
            new_user.set_password(password)
            new_user.must_change_password = True
            new_user.save()
            membership = membership_form.save(commit=False)
            membership.user = new_user
            membership.save()
        return render(request, "accounts/password_issued.html", {"account": new_user, "password": password})
    return render(request, "accounts/user_form.html", {
        "user_form": user_form, "membership_form": membership_form, "creating": True,
    })


@login_required
def user_detail(request, pk):
    _require_user_admin(request)
    account = get_object_or_404(User.objects.visible_to(request.user), pk=pk)
    scope = scope_for(request.user)
    membership_form = MembershipForm(request.POST or None, prefix="m", granted_by=request.user)
    membership_form.instance.user = account
    if request.method == "POST" and membership_form.is_valid():
        membership = membership_form.save(commit=False)
        membership.user = account
        try:
            with transaction.atomic():
                membership.save()
        except IntegrityError:  # the same role granted twice at the same moment
            messages.error(request, _("This user already has this role for this scope."))
            return redirect("accounts:user_detail", pk=account.pk)
        messages.success(request, _("Role granted."))
        return redirect("accounts:user_detail", pk=account.pk)
    memberships = Membership.objects.managed_by(scope).filter(user=account).select_related(
        "region", "unit", "officer__unit", "school", "school_class__school")
    return render(request, "accounts/user_detail.html", {
        "account": account,
        "memberships": [(m, can_grant(scope, m)) for m in memberships],
        "membership_form": membership_form,
        "roles_elsewhere": account.memberships.count() - len(memberships),
        "can_change_login": User.objects.managed_entirely_by(request.user).filter(pk=account.pk).exists(),
        "api_tokens": account.api_tokens.active(),
    })


@login_required
def user_edit(request, pk):
    _require_user_admin(request)
    account = _managed_user_or_404(request, pk)
    form = UserForm(request.POST or None, instance=account)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("accounts:user_detail", pk=account.pk)
    return render(request, "accounts/user_form.html", {"user_form": form, "account": account})


@login_required
@require_POST
def user_reset_password(request, pk):
    _require_user_admin(request)
    account = _managed_user_or_404(request, pk)
    password = temporary_password()
    account.reset_password(password)  # temporary, and the user's API tokens are revoked
    axes_reset(username=account.username)
    return render(request, "accounts/password_issued.html", {"account": account, "password": password, "reset": True})


@login_required
@require_POST
def user_toggle_active(request, pk):
    _require_user_admin(request)
    account = _managed_user_or_404(request, pk)
    if account == request.user:
        messages.error(request, _("You cannot disable your own account."))
    else:
        account.is_active = not account.is_active
        account.save(update_fields=["is_active"])
        messages.success(request, _("Account enabled.") if account.is_active else _("Account disabled."))
    return redirect("accounts:user_detail", pk=account.pk)


@login_required
@require_POST
def user_revoke_tokens(request, pk):
    """The administrator's kill switch for a login's API tokens (a lost phone, a leaked key)."""
    _require_user_admin(request)
    account = _managed_user_or_404(request, pk)
    revoked = account.revoke_api_tokens()
    messages.success(request, ngettext("%(n)d API token revoked.", "%(n)d API tokens revoked.", revoked)
                     % {"n": revoked})
    return redirect("accounts:user_detail", pk=account.pk)


@login_required
@require_POST
def membership_delete(request, pk):
    _require_user_admin(request)
    membership = get_object_or_404(Membership.objects.managed_by(scope_for(request.user)), pk=pk)
    user_pk = membership.user_id
    if membership.user_id == request.user.pk:
        messages.error(request, _("You cannot remove your own role."))
    else:
        membership.delete()
        messages.success(request, _("Role removed."))
    return redirect("accounts:user_detail", pk=user_pk)
