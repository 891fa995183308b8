"""The public JSON endpoints for a mini-program: /api/v1/public/… (no login)."""

from django.urls import path

from fazhi.tips import api

app_name = "api_public"
urlpatterns = [
    path("classes/<str:token>/tips", api.submit, name="submit_tip"),
    path("tips/lookup", api.lookup, name="lookup_tip"),
    path("tips/reply", api.reply, name="reply_tip"),
]
