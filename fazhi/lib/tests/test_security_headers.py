"""Security headers on every kind of page, and `check --deploy` clean with production settings."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


def _directives(header: str) -> dict[str, str]:
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


@pytest.fixture
def pages(world):
    return {
        "login": (None, "/login/"),
        "class page (public)": (None, f"/c/{world.klass.public_token}/"),
        "tip privacy (public)": (None, "/report/privacy/"),
        "not found (public)": (None, "/c/no-such-class/"),
        "home": (world.committee_admin, "/"),
        "dashboard": (world.committee_admin, "/dashboard/"),
        "activities": (world.committee_admin, "/activities/"),
    }


def test_every_kind_of_page_forbids_inline_scripts_and_framing(pages):
    for name, (user, url) in pages.items():
        client = Client()
        if user:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code in (200, 404), (name, response.status_code)
        csp = _directives(response["Content-Security-Policy"])
        assert csp["script-src"] == "script-src 'self'", name  # no 'unsafe-inline', no eval, no other origin
        assert csp["frame-ancestors"] == "frame-ancestors 'none'" and csp["object-src"] == "object-src 'none'", name
        assert response["X-Frame-Options"] == "DENY", name
        assert response["X-Content-Type-Options"] == "nosniff", name
        assert response["Referrer-Policy"] in ("same-origin", "no-referrer"), name


def test_hsts_on_https_only():
    with override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True, SECURE_HSTS_PRELOAD=True):
        client = Client()
        assert "Strict-Transport-Security" not in client.get("/login/")
        hsts = client.get("/login/", secure=True)["Strict-Transport-Security"]
    assert hsts == "max-age=31536000; includeSubDomains; preload"


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {**os.environ, "DEBUG": "0", "HTTPS": "1", "SECRET_KEY": secrets.token_urlsafe(60),
           "ALLOWED_HOSTS": "fazhi.example.cn", "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
           "DJANGO_SETTINGS_MODULE": "fazhi.settings"}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],  # noqa: S603
                            cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
