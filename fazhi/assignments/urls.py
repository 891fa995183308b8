from django.urls import path

from fazhi.assignments import views

app_name = "assignments"
urlpatterns = [
    path("assignments/", views.assignment_list, name="assignment_list"),
    path("assignments/new/", views.assignment_create, name="assignment_create"),
    path("assignments/confirm/", views.assignment_confirm_many, name="assignment_confirm_many"),
    path("assignments/propose-all/", views.propose_all, name="propose_all"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment_detail"),
    path("assignments/<int:pk>/confirm/", views.assignment_confirm, name="assignment_confirm"),
    path("assignments/<int:pk>/reject/", views.assignment_reject, name="assignment_reject"),
    path("assignments/<int:pk>/end/", views.assignment_end, name="assignment_end"),
    path("coverage/", views.coverage_page, name="coverage"),
    path("coverage/export.xlsx", views.coverage_export, name="coverage_export"),
    path("handovers/", views.handover_list, name="handover_list"),
    path("trainings/", views.training_list, name="training_list"),
    path("trainings/new/", views.training_create, name="training_create"),
    path("rules/", views.policy_edit, name="policy_edit"),
]
