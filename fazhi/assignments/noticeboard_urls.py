"""Noticeboards: the class's public QR page (no login) and the staff pages. Included at the site root."""

from django.urls import path

from fazhi.assignments import noticeboard_views as views

app_name = "noticeboards"
urlpatterns = [
    # Public, no login: the page behind the class's QR code and its officer's photo.
    path("c/<str:token>/", views.class_public, name="class_public"),
    path("c/<str:token>/photo", views.class_photo, name="class_photo"),
    # Staff.
    path("noticeboards/print.pdf", views.print_pdf, name="print"),
    path("noticeboards/<int:pk>/", views.noticeboard_detail, name="board"),
    path("noticeboards/<int:pk>/posted/", views.noticeboard_posted, name="posted"),
    path("noticeboards/postings/<int:pk>/photo", views.posting_photo, name="posting_photo"),
]
