"""URLs of the bench-only WSGI app (bench/http_app.py): one bare insert view, then every URL of the project.

Never part of the project: fazhi.urls does not include this, and only bench/bench_http.py serves it.

POST /bench/insert/  → one row into `bench_insert` (created by the benchmark) with raw SQL → 201 JSON.
It is the floor for the anonymous submissions: the same gunicorn, the same middleware, the same database
connection settings, but no forms, no idempotency look-up, no case workflow.
"""

from django.db import connection
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from fazhi.urls import urlpatterns as project_urlpatterns


@csrf_exempt
@require_POST
def insert_view(request):
    body = request.body.decode("utf-8", "replace")
    with connection.cursor() as cursor:  # autocommit: one INSERT, one commit
        cursor.execute("INSERT INTO bench_insert (body) VALUES (%s) RETURNING id", [body])
        (row_id,) = cursor.fetchone()
    return JsonResponse({"id": row_id}, status=201)


urlpatterns = [path("bench/insert/", insert_view), *project_urlpatterns]
handler404 = "fazhi.tips.public_views.page_not_found"
