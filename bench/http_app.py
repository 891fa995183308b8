"""The WSGI app that bench/bench_http.py serves with gunicorn: the project's settings and URLs plus one
bench-only view (bench/bench_urls.py). Run with bench/ on sys.path:

    gunicorn -c gunicorn.conf.py --chdir . --pythonpath bench http_app:application
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fazhi.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

settings.ROOT_URLCONF = "bench_urls"
application = get_wsgi_application()
