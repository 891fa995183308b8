"""Answering surveys (no login). Included at the site root."""

from django.urls import path

from fazhi.surveys import public_views as views

app_name = "survey_public"
urlpatterns = [
    path("s/", views.enter, name="enter"),
    path("s/<str:code>/", views.take, name="take"),
]
