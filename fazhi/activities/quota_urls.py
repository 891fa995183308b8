from django.urls import path

from fazhi.activities import quota_views as views

app_name = "quotas"
urlpatterns = [
    path("", views.progress_page, name="progress"),
    path("export.xlsx", views.progress_export, name="export"),
    path("settings/", views.quota_settings, name="settings"),
]
