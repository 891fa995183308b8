"""The public tip line (no login). Included at the site root."""

from django.urls import path

from fazhi.tips import public_views as views

app_name = "tipline"
urlpatterns = [
    path("c/<str:token>/report/", views.report, name="report"),
    path("report/followup/", views.followup, name="followup"),
    path("report/reply/", views.reply, name="reply"),
    path("report/privacy/", views.privacy, name="privacy"),
]
