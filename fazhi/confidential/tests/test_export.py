"""The Excel export of the special-group student register: the list's filters, text that looks like a formula
stays text, and the export itself is logged (test_access_log.py)."""

import io
import zipfile

import openpyxl
import pytest
from django.urls import reverse

from fazhi.confidential.export import HEADER_ROW
from fazhi.confidential.tests.conftest import hold_class, student

pytestmark = pytest.mark.django_db

FORMULAS = {"reference": "=1+1", "plan": '=HYPERLINK("http://evil.example","点击")', "responsible": "@SUM(A1)"}


def export(client, **params):
    response = client.get(reverse("confidential:student_export"), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    return response.content


def rows(content: bytes) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [tuple(c.value for c in row) for row in sheet.iter_rows(min_row=HEADER_ROW + 2)]


def test_the_workbook_lists_the_users_records(client, world):
    hold_class(world)
    student(world.school, school_class=world.klass, reference="ZS", category="hardship")
    student(world.school, reference="LW")
    student(world.school2, reference="XX")
    client.force_login(world.school_admin)
    data = rows(export(client))
    assert [(r[0], r[1], r[3], r[4]) for r in data] == [(1, "敦煌市第二中学", "家庭经济困难", "ZS"),
                                                       (2, "敦煌市第二中学", "留守儿童", "LW")]
    assert data[0][2] == world.klass.name and data[1][2] is None
    assert [r[4] for r in rows(export(client, category="hardship"))] == ["ZS"]


def test_formulas_stay_text(client, world):
    student(world.school, **FORMULAS)
    student(world.school, reference="-2+3", responsible="+8613800000000")
    client.force_login(world.school_admin)
    content = export(client)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no formula anywhere
    book = openpyxl.load_workbook(io.BytesIO(content))
    cells = [c for row in book.active.iter_rows(min_row=HEADER_ROW + 2) for c in row[4:7]]
    risky = [c for c in cells if str(c.value or "").startswith(("=", "+", "-", "@"))]
    assert {c.value for c in risky} == {*FORMULAS.values(), "-2+3", "+8613800000000"}
    for cell in risky:
        assert cell.data_type == "s" and cell.quotePrefix, cell.value


def test_an_empty_export_is_a_valid_workbook(client, world):
    client.force_login(world.school_admin)
    assert rows(export(client)) == []
