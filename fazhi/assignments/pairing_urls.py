"""Pairings (包校) and the start of a new school year; included at /pairings/."""

from django.urls import path

from fazhi.assignments import pairing_views as views

app_name = "pairings"
urlpatterns = [
    path("", views.pairing_list, name="list"),
    path("new/", views.pairing_create, name="create"),
    path("<int:pk>/delete/", views.pairing_delete, name="delete"),
    path("copy/", views.pairing_copy, name="copy"),
    path("import/", views.pairing_import, name="import"),
    path("template.xlsx", views.pairing_template, name="template"),
    path("export.xlsx", views.pairing_export, name="export"),
    path("rollover/", views.school_year_rollover, name="rollover"),
]
