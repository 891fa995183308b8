"""Logging in by username or mobile number, lockout, administrator resets and forced password change."""

import pytest
from django.conf import settings as project_settings

from fazhi.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, username, password=PASSWORD):
    return client.post("/login/", {"username": username, "password": password})


def test_opening_the_site_shows_the_chinese_login_page(client, world):
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/login/")
    page = response.content.decode()
    assert "登录" in page and 'lang="zh-hans"' in page


def test_english_can_be_chosen(client, world):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"}, follow=True)
    assert "Log in" in response.content.decode()


def test_login_with_username_or_mobile_number(client, world):
    world.liaison.phone = "13812345678"
    world.liaison.save()
    assert login(client, "liaison").status_code == 302
    client.logout()
    assert login(client, "138 1234 5678").status_code == 302
    assert client.get("/").context["user"] == world.liaison


def test_wrong_password_gives_a_clear_message_and_no_session(client, world):
    response = login(client, "liaison", "wrong")
    assert response.status_code == 200
    assert "密码" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_account_even_with_the_right_password(client, world):
    for _ in range(project_settings.AXES_FAILURE_LIMIT):
        login(client, "liaison", "wrong")
    response = login(client, "liaison")
    assert response.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


def test_failures_by_mobile_number_count_for_the_same_account(client, world):
    world.liaison.phone = "13812345678"
    world.liaison.save()
    for name in ["liaison", "13812345678"] * 3:
        login(client, name, "wrong")
    assert login(client, "liaison").status_code in (403, 429)


def test_administrator_reset_unlocks_and_forces_a_new_password(client, world):
    for _ in range(project_settings.AXES_FAILURE_LIMIT):
        login(client, "liaison", "wrong")
    admin = client.__class__()
    admin.force_login(world.committee_admin)
    response = admin.post(f"/accounts/{world.liaison.pk}/reset-password/")
    temporary = response.context["password"]
    assert len(temporary) == 12
    assert login(client, "liaison", temporary).status_code == 302
    assert client.get("/officers/").url == "/password/"
    response = client.post("/password/", {"old_password": temporary, "new_password1": "Dunhuang-2026-new",
                                          "new_password2": "Dunhuang-2026-new"})
    assert response.status_code == 302
    assert client.get("/officers/").status_code == 200


def test_production_hashes_passwords_with_argon2_and_sessions_expire():
    from importlib import import_module

    module = import_module("fazhi.settings")
    assert module.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert module.SESSION_COOKIE_AGE <= 12 * 3600 and module.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_a_session_older_than_its_age_is_refused(client, world, settings):
    import datetime

    import time_machine
    from django.utils import timezone

    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        assert login(client, "liaison").status_code == 302
        assert client.get("/officers/").status_code == 200
        traveller.shift(datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60))
        assert client.get("/officers/").status_code == 200  # still within the session's age
        traveller.move_to(start + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE + 60))
        response = client.get("/officers/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_production_hasher_stores_argon2_hashes_that_log_in(client, world, settings):
    from importlib import import_module

    from fazhi.accounts.models import User

    settings.PASSWORD_HASHERS = import_module("fazhi.settings").PASSWORD_HASHERS
    user = User.objects.get(username="liaison")
    user.set_password("Dunhuang-argon2-2026")
    user.save()
    stored = User.objects.filter(pk=user.pk).values_list("password", flat=True).get()
    assert stored.startswith("argon2$argon2id$")
    assert "Dunhuang-argon2-2026" not in stored
    assert login(client, "liaison", "Dunhuang-argon2-2026").status_code == 302


def test_an_old_hash_is_upgraded_to_argon2_at_the_next_login(client, world, settings):
    from importlib import import_module

    from fazhi.accounts.models import User

    # The test hasher (MD5) stands for an older algorithm: logging in rehashes the password with Argon2.
    settings.PASSWORD_HASHERS = [*import_module("fazhi.settings").PASSWORD_HASHERS,
                                 "django.contrib.auth.hashers.MD5PasswordHasher"]
    assert User.objects.get(username="liaison").password.startswith("md5$")
    assert login(client, "liaison").status_code == 302
    assert User.objects.get(username="liaison").password.startswith("argon2$")


def test_a_locked_out_account_gets_the_lockout_page(client, world):
    for _ in range(project_settings.AXES_FAILURE_LIMIT):
        login(client, "liaison", "wrong")
    response = client.post("/login/", {"username": "liaison", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == getattr(project_settings, "AXES_HTTP_RESPONSE_CODE", 429)
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    assert "Account locked" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account is not affected.
    assert login(client.__class__(), "officer").status_code == 302


def test_logging_out_ends_the_session_on_the_server(client, world):
    from importlib import import_module

    from django.conf import settings
    from django.contrib.sessions.backends.base import SessionBase
    from django.test import Client

    assert login(client, "liaison").status_code == 302
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    store: SessionBase = import_module(settings.SESSION_ENGINE).SessionStore()
    assert store.exists(key)
    assert client.post("/logout/").status_code in (200, 302)
    assert not store.exists(key)
    # Replaying the old cookie from another browser does not sign anyone in.
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = key
    response = replay.get("/officers/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
