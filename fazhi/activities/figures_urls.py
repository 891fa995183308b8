from django.urls import path

from fazhi.activities import figures_views

app_name = "figures"
urlpatterns = [
    path("", figures_views.figures_page, name="page"),
]
