from django.contrib.auth import views as auth_views
from django.urls import path

from fazhi.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/", views.user_list, name="user_list"),
    path("accounts/new/", views.user_create, name="user_create"),
    path("accounts/<int:pk>/", views.user_detail, name="user_detail"),
    path("accounts/<int:pk>/edit/", views.user_edit, name="user_edit"),
    path("accounts/<int:pk>/reset-password/", views.user_reset_password, name="user_reset_password"),
    path("accounts/<int:pk>/toggle-active/", views.user_toggle_active, name="user_toggle_active"),
    path("accounts/<int:pk>/revoke-tokens/", views.user_revoke_tokens, name="user_revoke_tokens"),
    path("accounts/roles/<int:pk>/delete/", views.membership_delete, name="membership_delete"),
]
