"""Answering a survey from a mini-program: /api/v1/public/surveys/… (no login)."""

from django.urls import path

from fazhi.surveys import api

app_name = "api_surveys"
urlpatterns = [
    path("surveys/<str:code>", api.questionnaire, name="questionnaire"),
    path("surveys/<str:code>/responses", api.respond, name="respond"),
]
