from django.urls import path

from fazhi.activities import views

app_name = "activities"
urlpatterns = [
    path("", views.activity_list, name="list"),
    path("new/", views.record, name="record"),
    path("new/classes/", views.class_choices, name="class_choices"),
    path("<int:pk>/", views.activity_detail, name="detail"),
    path("<int:pk>/edit/", views.activity_edit, name="edit"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence"),
    path("evidence/<int:pk>/thumb", views.evidence_thumbnail, name="evidence_thumbnail"),
]
