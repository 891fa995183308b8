from django.urls import path

from fazhi.alerts import views

app_name = "alerts"
urlpatterns = [
    path("", views.alert_list, name="list"),
    path("<int:pk>/", views.alert_open, name="open"),
    path("digest/", views.digest, name="digest"),
]
