"""Case handling for staff, at /cases/."""

from django.urls import path

from fazhi.tips import views

app_name = "tips"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.register, name="register"),
    path("deadlines/", views.policy_edit, name="policy"),
    path("photos/<int:pk>", views.photo, name="photo"),
    path("<int:pk>/", views.case_detail, name="case"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:pk>/investigate/", views.investigate, name="investigate"),
    path("<int:pk>/urgent/", views.mark_urgent, name="urgent"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/appeal/", views.appeal, name="appeal"),
    path("<int:pk>/note/", views.note, name="note"),
    path("<int:pk>/message/", views.message, name="message"),
    path("<int:pk>/handover/", views.handover, name="handover"),
    path("<int:pk>/items/", views.items, name="items"),
]
