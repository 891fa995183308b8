from django.urls import path

from fazhi.org import roster_views, views

app_name = "org"
urlpatterns = [
    path("units/", views.unit_list, name="unit_list"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("schools/", views.school_list, name="school_list"),
    path("schools/new/", views.school_create, name="school_create"),
    path("schools/<int:pk>/", views.school_detail, name="school_detail"),
    path("schools/<int:pk>/edit/", views.school_edit, name="school_edit"),
    path("classes/", views.class_list, name="class_list"),
    path("classes/new/", views.class_create, name="class_create"),
    path("classes/<int:pk>/", views.class_detail, name="class_detail"),
    path("classes/<int:pk>/edit/", views.class_edit, name="class_edit"),
    path("officers/", views.officer_list, name="officer_list"),
    path("officers/new/", views.officer_create, name="officer_create"),
    path("officers/<int:pk>/", views.officer_detail, name="officer_detail"),
    path("officers/<int:pk>/edit/", views.officer_edit, name="officer_edit"),
    path("officers/<int:pk>/status/", views.officer_status, name="officer_status"),
    path("officers/<int:pk>/photo/", views.officer_photo, name="officer_photo"),
    path("history/<str:kind>/<int:pk>/", views.object_history, name="object_history"),
    path("changes/", views.change_log, name="change_log"),
    path("roster/", roster_views.roster, name="roster"),
    path("roster/template.xlsx", roster_views.roster_template, name="roster_template"),
    path("roster/export.xlsx", roster_views.roster_export, name="roster_export"),
]
