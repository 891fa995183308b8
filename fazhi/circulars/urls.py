from django.urls import path

from fazhi.circulars import views

app_name = "circulars"

urlpatterns = [
    path("", views.circular_list, name="list"),
    path("new/", views.circular_new, name="new"),
    path("<int:pk>/", views.circular_detail, name="detail"),
    path("<int:pk>/edit/", views.circular_edit, name="edit"),
    path("<int:pk>/refresh/", views.circular_refresh, name="refresh"),
    path("<int:pk>/publish/", views.circular_publish, name="publish"),
    path("<int:pk>/circular.pdf", views.circular_pdf, name="pdf"),
    path("<int:pk>/circular.docx", views.circular_docx, name="docx"),
]
