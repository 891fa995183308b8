from django.urls import path

from fazhi.activities import ledger_views as views

app_name = "ledgers"
urlpatterns = [
    path("", views.ledger_page, name="index"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("export.pdf", views.export_pdf, name="export_pdf"),
]
