"""Encrypted at rest: the database holds "v1:<base64>" (AES-256-GCM, a fresh nonce per value), never the
plaintext — not in the column, not in the SQLite file, not in `dumpdata`. A value written under another key
shows a placeholder instead of breaking the page, and is kept as it was when the record is saved."""

import base64
import sqlite3

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core import serializers
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import connection
from django.urls import reverse

from fazhi.confidential import crypto
from fazhi.confidential.fields import Undecryptable
from fazhi.confidential.models import SpecialStudent, StaffConcern
from fazhi.confidential.tests.conftest import DAY, concern, hold_class, student, today

pytestmark = pytest.mark.django_db

REFERENCE = "QX7731"
PLAN = "每周三由心理老师谈心，联系在深圳务工的父亲"
RESPONSIBLE = "马老师"
OTHER_KEY = base64.b64encode(bytes(range(32))).decode()


def raw(table: str, pk: int, *columns: str) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()


def test_round_trip_and_format():
    token = crypto.encrypt(PLAN)
    assert token.startswith("v1:")
    blob = base64.b64decode(token[3:])
    assert len(blob) == 12 + len(PLAN.encode()) + 16  # nonce, ciphertext, tag
    assert crypto.decrypt(token) == PLAN
    assert crypto.encrypt(PLAN) != token  # a fresh nonce every time
    assert crypto.decrypt(crypto.encrypt("")) == ""


def test_the_key_is_derived_from_the_secret_key_unless_set(settings):
    settings.FIELD_ENCRYPTION_KEY = ""
    expected = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                    info=b"fazhi.confidential.v1").derive(settings.SECRET_KEY.encode())
    assert crypto.current_key() == expected
    settings.FIELD_ENCRYPTION_KEY = OTHER_KEY
    assert crypto.current_key() == bytes(range(32))


@pytest.mark.parametrize("bad", ["not base64!", base64.b64encode(b"short").decode()])
def test_a_malformed_key_is_a_configuration_error(settings, bad):
    settings.FIELD_ENCRYPTION_KEY = bad
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")


def test_damaged_or_foreign_values_do_not_decrypt(settings):
    token = crypto.encrypt("x")
    for value in ("x", "v1:", "v1:!!!", "v1:" + base64.b64encode(b"0" * 40).decode()):
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(value)
    settings.FIELD_ENCRYPTION_KEY = OTHER_KEY
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token)


def test_the_database_holds_no_plaintext(world):
    record = student(world.school, reference=REFERENCE, plan=PLAN, responsible=RESPONSIBLE)
    row = raw("confidential_specialstudent", record.pk, "reference", "plan", "responsible", "category")
    for stored, plain in zip(row[:3], (REFERENCE, PLAN, RESPONSIBLE), strict=True):
        assert stored.startswith("v1:") and plain not in stored
    assert row[3] == "left_behind"  # kept in clear for filters and counts
    staff = concern(world.school, reference="T9931", measures="停止其教学工作，由工会跟进")
    stored = raw("confidential_staffconcern", staff.pk, "reference", "measures")
    assert "T9931" not in stored[0] and "工会" not in stored[1]
    fresh = SpecialStudent.objects.get(pk=record.pk)
    assert (fresh.reference, fresh.plan, fresh.responsible) == (REFERENCE, PLAN, RESPONSIBLE)


@pytest.mark.django_db(transaction=True)  # committed rows: a backup cannot read past the test's open transaction
def test_the_sqlite_file_holds_no_plaintext(world, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the file test is for SQLite")
    student(world.school, reference=REFERENCE, plan=PLAN, responsible=RESPONSIBLE)
    concern(world.school, reference="T9931", measures="停止其教学工作，由工会跟进")
    path = tmp_path / "dump.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)  # the test database lives in memory: copy it to a file
    target.close()
    data = path.read_bytes()
    assert "敦煌市第二中学".encode() in data  # the copy worked: clear columns are there
    for plain in (REFERENCE, PLAN, RESPONSIBLE, "T9931", "停止其教学工作"):
        assert plain.encode() not in data, plain


def test_dumpdata_writes_ciphertext_and_loaddata_reads_it(world):
    record = student(world.school, reference=REFERENCE, plan=PLAN)
    dumped = serializers.serialize("json", SpecialStudent.objects.all())
    assert REFERENCE not in dumped and "深圳" not in dumped and '"v1:' in dumped
    SpecialStudent.objects.all().delete()
    for obj in serializers.deserialize("json", dumped):
        obj.save()
    again = SpecialStudent.objects.get(pk=record.pk)
    assert (again.reference, again.plan) == (REFERENCE, PLAN)


def test_text_that_looks_like_a_token_is_still_encrypted(world):
    record = student(world.school, plan="v1:not really a token")
    assert raw("confidential_specialstudent", record.pk, "plan")[0] != "v1:not really a token"
    assert SpecialStudent.objects.get(pk=record.pk).plan == "v1:not really a token"


def test_encrypted_fields_cannot_be_searched(world):
    student(world.school)
    with pytest.raises(FieldError):
        list(SpecialStudent.objects.filter(reference="2024031"))
    with pytest.raises(FieldError):
        list(StaffConcern.objects.filter(measures__icontains="约谈"))
    assert SpecialStudent.objects.filter(plan__isnull=False).count() == 1


def test_a_wrong_key_shows_a_placeholder_and_keeps_the_ciphertext(client, world, settings):
    hold_class(world)
    record = student(world.school, school_class=world.klass, reference=REFERENCE, plan=PLAN)
    before = raw("confidential_specialstudent", record.pk, "reference", "plan", "responsible")
    settings.FIELD_ENCRYPTION_KEY = OTHER_KEY  # the server now runs with another key
    loaded = SpecialStudent.objects.get(pk=record.pk)
    assert isinstance(loaded.plan, Undecryptable) and loaded.plan.undecryptable

    client.force_login(world.school_admin)
    for name in ("student_list", "student_export"):
        assert client.get(reverse(f"confidential:{name}")).status_code == 200
    for view in ("detail", "delete"):
        response = client.get(reverse(f"confidential:student_{view}", args=[record.pk]))
        assert response.status_code == 200
        assert '<span class="bad">' in response.content.decode()  # the placeholder, marked
    page = client.get(reverse("confidential:student_edit", args=[record.pk]))
    assert set(page.context["form"].locked) == {"reference", "plan", "responsible"}
    new_date = (today() + 10 * DAY).isoformat()
    response = client.post(reverse("confidential:student_edit", args=[record.pk]), {
        "school": world.school.pk, "school_class": world.klass.pk, "category": "hardship",
        "next_review": new_date})
    assert response.status_code == 302
    after = raw("confidential_specialstudent", record.pk, "reference", "plan", "responsible")
    assert after == before  # the ciphertext was kept, not replaced by the placeholder
    settings.FIELD_ENCRYPTION_KEY = ""
    restored = SpecialStudent.objects.get(pk=record.pk)
    assert (restored.reference, restored.plan, restored.category) == (REFERENCE, PLAN, "hardship")
