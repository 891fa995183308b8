"""Tokens: made on a staff page and shown once, kept only as a hash, refused once revoked or expired or when
their user is disabled; the login cookie alone never opens the API."""

import datetime
import hashlib
import re

import pytest
from django.utils import timezone

from fazhi.activities.models import Activity
from fazhi.api.models import ApiToken
from fazhi.api.tests.conftest import bearer, issue_key

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def make_token_on_page(client, user, name="小程序") -> str:
    client.force_login(user)
    response = client.post("/api/tokens/", {"name": name, "lifetime": "30"}, **EN)
    assert response.status_code == 200
    page = response.content.decode()
    keys = set(re.findall(r"fz_[A-Za-z0-9_-]{40,}", page))
    assert len(keys) == 1, keys
    return keys.pop()


def test_a_token_made_on_the_page_is_shown_once_and_stored_as_a_hash(client, world):
    key = make_token_on_page(client, world.committee_admin)
    token = ApiToken.objects.get(user=world.committee_admin)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:10] and key not in (token.name, token.prefix, token.key_hash)
    assert token.name == "小程序"
    assert timezone.now() + datetime.timedelta(days=29) < token.expires_at < timezone.now() + datetime.timedelta(
        days=31)
    listing = client.get("/api/tokens/", **EN).content.decode()
    assert token.prefix in listing and key not in listing
    client.logout()
    response = client.get("/api/v1/schools", **bearer(key))
    assert response.status_code == 200
    assert {s["id"] for s in response.json()["items"]} == {world.school.pk, world.school2.pk}
    assert response["Cache-Control"] == "no-store"
    assert "敦煌市第二中学".encode() in response.content  # UTF-8, not \u escapes
    token.refresh_from_db()
    assert token.last_used is not None


def test_revoked_token_is_refused(client, world):
    key = make_token_on_page(client, world.liaison)
    token = ApiToken.objects.get(user=world.liaison)
    assert client.get("/api/v1/officers", **bearer(key)).status_code == 200
    response = client.post(f"/api/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    client.logout()
    response = client.get("/api/v1/officers", **bearer(key))
    assert response.status_code == 401 and response.json() == {"detail": "Unauthorized"}


def test_nobody_revokes_another_users_token(client, world):
    key = issue_key(world.committee_admin)
    token = ApiToken.objects.get(user=world.committee_admin)
    client.force_login(world.outsider)
    assert client.post(f"/api/tokens/{token.pk}/revoke/").status_code == 404
    assert client.get("/api/v1/schools", **bearer(key)).status_code == 200


def test_expired_token_is_refused(client, world):
    key = issue_key(world.committee_admin)
    assert client.get("/api/v1/schools", **bearer(key)).status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get("/api/v1/schools", **bearer(key)).status_code == 401


def test_token_of_a_disabled_user_is_refused(client, world):
    key = issue_key(world.committee_admin)
    world.committee_admin.is_active = False
    world.committee_admin.save()
    assert client.get("/api/v1/schools", **bearer(key)).status_code == 401


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer fz_not-a-key", "Token {key}", "Basic {key}",
                                    "Bearer {key}x", "Bearer " + "fz_" + "a" * 300])
def test_malformed_or_unknown_keys_are_refused(client, world, header):
    key = issue_key(world.committee_admin)
    response = client.get("/api/v1/schools", HTTP_AUTHORIZATION=header.format(key=key))
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")


def test_the_login_cookie_alone_does_not_open_the_api(client, world):
    """A page open in the browser cannot call the API on its user's behalf: no CSRF through the API."""
    client.force_login(world.officer_user)
    assert client.get("/api/v1/schools").status_code == 401
    before = Activity.objects.count()
    response = client.post("/api/v1/activities", {"kind": "class_meeting", "date": timezone.localdate().isoformat(),
                                                  "classes": [world.klass.pk]})
    assert response.status_code == 401
    assert Activity.objects.count() == before


def test_the_bearer_decides_who_calls_not_the_cookie(client, world):
    """Logged in as the Suzhou committee, calling with the Dunhuang committee's key: Dunhuang's schools."""
    key = issue_key(world.committee_admin)
    client.force_login(world.outsider)
    ids = {s["id"] for s in client.get("/api/v1/schools", **bearer(key)).json()["items"]}
    assert ids == {world.school.pk, world.school2.pk}


def test_token_page_needs_a_login_with_a_role(client, world):
    assert client.get("/api/tokens/")["Location"].startswith("/login/")
    client.force_login(world.nobody)
    assert client.get("/api/tokens/").status_code == 404
    assert client.post("/api/tokens/", {"name": "x", "lifetime": "30"}).status_code == 404
    assert not ApiToken.objects.exists()


def test_token_page_refuses_a_bad_form(client, world):
    client.force_login(world.teacher)
    response = client.post("/api/tokens/", {"name": "", "lifetime": "9999"}, **EN)
    assert response.status_code == 400
    assert not ApiToken.objects.exists()
    assert "fz_" not in response.content.decode()


def test_the_user_menu_links_the_token_page(client, world):
    client.force_login(world.teacher)
    assert 'href="/api/tokens/"' in client.get("/").content.decode()


def test_openapi_document_for_staff_and_tokens_only(client, world):
    assert client.get("/api/v1/openapi.json").status_code == 401
    key = issue_key(world.inspector)
    document = client.get("/api/v1/openapi.json", **bearer(key)).json()
    assert "/api/v1/activities" in document["paths"]
    assert document["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    client.force_login(world.inspector)
    assert client.get("/api/v1/openapi.json").status_code == 200
    client.force_login(world.nobody)
    assert client.get("/api/v1/openapi.json").status_code == 401


def test_docs_page_lists_every_operation_from_the_openapi_document(client, world):
    from django.utils.html import escape

    from fazhi.api.api import api

    assert client.get("/api/v1/docs")["Location"].startswith("/login/")
    client.force_login(world.teacher)
    response = client.get("/api/v1/docs", **EN)
    assert response.status_code == 200
    page = response.content.decode()
    document = api.get_openapi_schema(path_prefix="/api/v1")
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert f"{method.upper()} {path}" in page
            assert escape(operation["summary"]) in page
    assert "Authorization: Bearer" in page and 'href="/api/v1/openapi.json"' in page
    assert 'href="/api/tokens/"' in page
    assert "<code>items[].school_name</code>" in page  # response fields of a list, nested
    assert "class_meeting" in page  # the choices of an enum
    assert "<script" not in page.split("</head>", 1)[1]


def _works(client, key) -> bool:
    return client.get("/api/v1/assignments", **bearer(key)).status_code == 200


def test_an_administrators_password_reset_revokes_the_users_tokens(client, world):
    key, other = issue_key(world.liaison), issue_key(world.officer_user)
    expired = ApiToken.objects.get(key_hash=hashlib.sha256(issue_key(world.liaison).encode()).hexdigest())
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - datetime.timedelta(days=1))
    assert _works(client, key)
    admin = client.__class__()
    admin.force_login(world.committee_admin)
    response = admin.post(f"/accounts/{world.liaison.pk}/reset-password/")
    assert response.status_code == 200
    assert not _works(client, key)
    assert client.get("/api/v1/assignments", **bearer(key)).status_code == 401
    token = ApiToken.objects.get(key_hash=hashlib.sha256(key.encode()).hexdigest())
    assert token.revoked_at is not None
    # An expired token stays expired (not marked revoked); another user's token is untouched.
    expired.refresh_from_db()
    assert expired.revoked_at is None
    assert _works(client, other)


def test_an_administrator_sees_a_users_tokens_and_revokes_them_all(client, world):
    key, other = issue_key(world.liaison), issue_key(world.officer_user)
    admin = client.__class__()
    admin.force_login(world.committee_admin)
    page = admin.get(f"/accounts/{world.liaison.pk}/", **EN).content.decode()
    assert key[:10] in page and "Revoke all API tokens" in page
    assert key not in page  # only the prefix is ever shown again
    response = admin.post(f"/accounts/{world.liaison.pk}/revoke-tokens/", follow=True, **EN)
    assert "1 API token revoked." in response.content.decode()
    assert "No valid API tokens." in response.content.decode()
    assert not _works(client, key)
    assert _works(client, other)
    # The password is unchanged (unlike a reset): the user goes on working and may make a new token.
    world.liaison.refresh_from_db()
    assert world.liaison.check_password("Fazhi-test-2026!") and not world.liaison.must_change_password
    assert admin.post(f"/accounts/{world.liaison.pk}/revoke-tokens/", follow=True, **EN).status_code == 200


def test_an_administrator_outside_the_users_scope_cannot_revoke_their_tokens(client, world):
    key = issue_key(world.liaison)
    client.force_login(world.outsider)
    assert client.post(f"/accounts/{world.liaison.pk}/revoke-tokens/").status_code == 404
    client.logout()
    assert _works(client.__class__(), key)


def test_a_temporary_password_blocks_tokens_until_it_is_changed(client, world):
    key = issue_key(world.liaison)
    world.liaison.must_change_password = True  # e.g. set in the Django admin, without the reset page
    world.liaison.save(update_fields=["must_change_password"])
    assert client.get("/api/v1/assignments", **bearer(key)).status_code == 401
    world.liaison.must_change_password = False
    world.liaison.save(update_fields=["must_change_password"])
    assert _works(client, key)


def test_changing_ones_own_password_revokes_ones_tokens(client, world):
    from fazhi.conftest import PASSWORD

    key, other = issue_key(world.liaison), issue_key(world.officer_user)
    client.force_login(world.liaison)
    response = client.post("/password/", {"old_password": PASSWORD, "new_password1": "Dunhuang-2026-new",
                                          "new_password2": "Dunhuang-2026-new"})
    assert response.status_code == 302
    client.logout()
    assert client.get("/api/v1/assignments", **bearer(key)).status_code == 401
    assert _works(client, other)
    # A token made after the change works.
    assert _works(client, issue_key(world.liaison))


def test_a_user_without_any_role_left_is_refused(client, world):
    key = issue_key(world.liaison)
    assert _works(client, key)
    world.liaison.memberships.all().delete()
    assert client.get("/api/v1/assignments", **bearer(key)).status_code == 401
    assert client.get("/api/v1/openapi.json", **bearer(key)).status_code == 401
