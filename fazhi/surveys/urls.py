"""Survey windows for staff, at /surveys/."""

from django.urls import path

from fazhi.surveys import sheets, views

app_name = "surveys"
urlpatterns = [
    path("", views.survey_list, name="list"),
    path("new/", views.survey_create, name="create"),
    path("<int:pk>/", views.survey_detail, name="detail"),
    path("<int:pk>/close/", views.survey_close, name="close"),
    path("<int:pk>/results/", views.survey_results, name="results"),
    path("<int:pk>/results.xlsx", views.survey_export, name="export"),
    path("<int:pk>/sheets.pdf", sheets.sheets_pdf, name="sheets"),
]
