from django.contrib import admin
from django.urls import include, path

from fazhi.api.api import api

urlpatterns = [
    path("", include("fazhi.accounts.urls")),
    path("", include("fazhi.org.urls")),
    path("", include("fazhi.assignments.urls")),
    path("", include("fazhi.assignments.noticeboard_urls")),
    path("pairings/", include("fazhi.assignments.pairing_urls")),
    path("activities/", include("fazhi.activities.urls")),
    path("quotas/", include("fazhi.activities.quota_urls")),
    path("ledgers/", include("fazhi.activities.ledger_urls")),
    path("figures/", include("fazhi.activities.figures_urls")),
    path("", include("fazhi.tips.public_urls")),
    path("api/v1/public/", include("fazhi.tips.api_urls")),
    path("cases/", include("fazhi.tips.urls")),
    path("registers/", include("fazhi.tips.register_urls")),
    path("notices/", include("fazhi.notices.urls")),
    path("", include("fazhi.surveys.public_urls")),
    path("api/v1/public/", include("fazhi.surveys.api_urls")),
    path("api/", include("fazhi.api.urls")),  # the API's pages: tokens, documentation
    path("api/v1/", api.urls),  # the staff JSON API (OpenAPI document at /api/v1/openapi.json)
    path("surveys/questionnaires/", include("fazhi.surveys.questionnaire_urls")),
    path("surveys/", include("fazhi.surveys.urls")),
    path("confidential/", include("fazhi.confidential.urls")),
    path("oversight/", include("fazhi.oversight.urls")),
    path("alerts/", include("fazhi.alerts.urls")),
    path("circulars/", include("fazhi.circulars.urls")),
    path("dashboard/", include("fazhi.dashboards.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
]

handler404 = "fazhi.tips.public_views.page_not_found"
