from django.urls import path

from fazhi.dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.region_dashboard, name="region"),
    path("unit/<int:pk>/", views.unit_dashboard, name="unit"),
    path("school/<int:pk>/", views.school_dashboard, name="school"),
]
