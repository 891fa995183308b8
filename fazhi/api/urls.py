"""The API's pages for staff, under /api/ (the API itself is mounted at /api/v1/ by fazhi.urls)."""

from django.urls import path

from fazhi.api import views

app_name = "api_pages"
urlpatterns = [
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("v1/docs", views.docs, name="docs"),
]
