"""Administrators create logins, grant roles within their scope and nowhere else."""

import pytest

from fazhi.accounts.models import Membership, Role, User

pytestmark = pytest.mark.django_db


def create(client, **data):
    payload = {"user-username": "newliaison", "user-full_name": "马红", "user-phone": "13712345678",
               "m-role": Role.LIAISON}
    payload.update(data)
    return client.post("/accounts/new/", payload)


def test_committee_admin_creates_a_liaison_login_with_a_one_time_password(client, world):
    client.force_login(world.committee_admin)
    response = create(client, **{"m-unit": world.police.pk})
    assert response.status_code == 200 and "password" in response.context
    user = User.objects.get(username="newliaison")
    assert user.must_change_password and user.check_password(response.context["password"])
    assert user.memberships.get().unit == world.police


def test_a_role_needs_its_scope(client, world):
    client.force_login(world.committee_admin)
    response = create(client)
    assert response.status_code == 200
    assert "unit" in response.context["membership_form"].errors
    assert not User.objects.filter(username="newliaison").exists()


def test_committee_admin_cannot_grant_in_another_county(client, world):
    client.force_login(world.committee_admin)
    response = create(client, **{"m-unit": world.other_court.pk})
    assert response.status_code == 200
    assert not User.objects.filter(username="newliaison").exists()
    response = create(client, **{"m-role": Role.COMMITTEE_ADMIN, "m-region": world.jiuquan.pk})
    assert not User.objects.filter(username="newliaison").exists()


def test_education_staff_grants_only_school_roles(client, world):
    client.force_login(world.education_staff)
    response = create(client, **{"m-unit": world.police.pk})
    assert "role" in response.context["membership_form"].errors
    response = create(client, **{"m-role": Role.SCHOOL_ADMIN, "m-school": world.school2.pk})
    assert User.objects.get(username="newliaison").memberships.get().school == world.school2
    page = client.get("/accounts/").content.decode()
    assert "newliaison" in page and ">liaison</a>" not in page


def test_duplicate_mobile_number_is_refused(client, world):
    world.liaison.phone = "13712345678"
    world.liaison.save()
    client.force_login(world.committee_admin)
    response = create(client, **{"m-unit": world.police.pk})
    assert "phone" in response.context["user_form"].errors


def test_granting_and_removing_roles(client, world):
    client.force_login(world.committee_admin)
    response = client.post(f"/accounts/{world.teacher.pk}/", {"m-role": Role.INSPECTOR, "m-region": world.dunhuang.pk})
    assert response.status_code == 302
    assert world.teacher.memberships.filter(role=Role.INSPECTOR).exists()
    response = client.post(f"/accounts/{world.teacher.pk}/", {"m-role": Role.INSPECTOR, "m-region": world.dunhuang.pk})
    assert response.status_code == 200  # duplicate refused with a message
    membership = world.teacher.memberships.get(role=Role.INSPECTOR)
    client.post(f"/accounts/roles/{membership.pk}/delete/")
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_disabled_account_cannot_log_in(client, world):
    admin = client.__class__()
    admin.force_login(world.committee_admin)
    admin.post(f"/accounts/{world.liaison.pk}/toggle-active/")
    world.liaison.refresh_from_db()
    assert not world.liaison.is_active
    from fazhi.conftest import PASSWORD

    assert client.post("/login/", {"username": "liaison", "password": PASSWORD}).status_code == 200


def test_membership_scope_must_match_role_in_the_database(world):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=world.nobody, role=Role.LIAISON, region=world.dunhuang)


def test_a_login_with_a_role_outside_your_scope_cannot_be_taken_over(client, world):
    from fazhi.conftest import make_user

    city_admin = make_user("cityadmin", Role.COMMITTEE_ADMIN, region=world.jiuquan)
    Membership.objects.create(user=city_admin, role=Role.TEACHER, school_class=world.klass2)
    client.force_login(world.education_staff)
    page = client.get(f"/accounts/{city_admin.pk}/")
    assert page.status_code == 200 and "甘肃省酒泉市</td>" not in page.content.decode()
    assert client.post(f"/accounts/{city_admin.pk}/reset-password/").status_code == 404
    assert client.post(f"/accounts/{city_admin.pk}/edit/", {"username": "x", "phone": "13900000000"}).status_code == 404
    assert client.post(f"/accounts/{city_admin.pk}/toggle-active/").status_code == 404
    city_admin.refresh_from_db()
    assert city_admin.is_active and city_admin.username == "cityadmin" and city_admin.phone is None
    # the teacher role itself, which education staff manage, can still be removed
    role = city_admin.memberships.get(role=Role.TEACHER)
    client.post(f"/accounts/roles/{role.pk}/delete/")
    assert not Membership.objects.filter(pk=role.pk).exists()
