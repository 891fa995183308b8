from django.urls import path

from fazhi.oversight import views

app_name = "oversight"
urlpatterns = [
    path("", views.inspection_list, name="inspection_list"),
    path("new/", views.inspection_create, name="inspection_create"),
    path("<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("<int:pk>/edit/", views.inspection_edit, name="inspection_edit"),
    path("<int:pk>/findings/new/", views.finding_create, name="finding_create"),
    path("findings/", views.finding_list, name="finding_list"),
    path("findings/overdue/", views.overdue_list, name="overdue_list"),
    path("findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("findings/<int:pk>/rectify/", views.finding_rectify, name="finding_rectify"),
    path("photos/<int:pk>/", views.photo_file, name="photo_file"),
    path("photos/<int:pk>/thumb/", views.photo_thumbnail, name="photo_thumbnail"),
    path("checklists/", views.template_list, name="template_list"),
    path("checklists/<int:pk>/", views.template_detail, name="template_detail"),
    path("checklists/<int:pk>/copy/", views.template_copy, name="template_copy"),
    path("checklists/<int:pk>/edit/", views.template_edit, name="template_edit"),
    path("accountability/", views.accountability_list, name="accountability_list"),
    path("accountability/new/", views.accountability_create, name="accountability_create"),
    path("accountability/<int:pk>/", views.accountability_detail, name="accountability_detail"),
    path("accountability/unit/<int:pk>/", views.unit_ledger, name="unit_ledger"),
    path("accountability/officer/<int:pk>/", views.officer_ledger, name="officer_ledger"),
]
