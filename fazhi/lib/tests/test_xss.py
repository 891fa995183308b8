"""Cross-site scripting and formula injection: a payload in every user-writable text field is shown escaped on
every page, stays literal text in every PDF and Word document, and never becomes a formula in an Excel export.

The fields are found generically: every CharField and TextField of every fazhi model (history tables included)
that is not a key, a token, a hash or a choice gets the payload, so a new field is covered without touching
this file. The pages are found generically too: every URL pattern is opened, and every export link the pages
carry (.xlsx, .pdf, .docx, ?export=) is followed.
"""

import io
import re
from urllib.parse import urljoin

import pytest
from django.apps import apps
from django.db import IntegrityError, models, transaction

from fazhi.accounts.tests.test_url_access import all_routes, dunhuang_objects, fill
from fazhi.lib import excel

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>"\'&'
SHORT = "<x-1>\"'&"  # for fields too short for XSS
# Each field's value starts like a spreadsheet formula (one of these, in turn) and carries the HTML payload.
FORMULAS = ('=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1")
RAW = ('<script>alert("x")', "<img src=x onerror=alert(1)>", "<x-1>", "onerror=alert(1)>\"'&")
ESCAPED = ("&lt;script&gt;alert(", "&lt;x-1&gt;")
# Fields whose value is a key the code relies on, not text a person writes.
NOT_TEXT = {"password", "username", "url", "key", "builtin", "fingerprint", "subject_type", "region", "public_token",
            "history_type", "content_type", "original_name"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
OWN_FORMULA = re.compile(r"^=SUM\([A-Z]{1,3}[0-9]+:[A-Z]{1,3}[0-9]+\)$")  # the ledger's totals row


def text_fields(model) -> list:
    return [f for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField) and not (
                f.primary_key or f.unique or f.choices or f.name in NOT_TEXT or (f.max_length or 99) < 12)]


def payload(n: int, max_length: int | None) -> str:
    prefix = FORMULAS[n % len(FORMULAS)]
    value = f"{prefix}{XSS} {n}"
    if max_length and len(value) > max_length:
        value = f"{prefix[0]}{SHORT}{n}"
    return value


def taint_everything() -> dict[str, int]:
    """Every text field of every fazhi row gets a payload (unique per row: unique-together constraints hold).
    Through `update()`: no form cleaning, no model validation, as if the value came from an import or an API.
    Only what a database constraint refuses is left as it was."""
    from fazhi.circulars.models import Circular

    tainted, n = {}, 0
    for model in apps.get_models():
        if not model.__module__.startswith("fazhi."):
            continue
        fields = text_fields(model)
        if not fields:
            continue
        for pk in model._base_manager.values_list("pk", flat=True):
            values = {}
            for field in fields:
                n += 1
                values[field.name] = payload(n, field.max_length)
            rows = model._base_manager.filter(pk=pk)
            try:
                with transaction.atomic():
                    rows.update(**values)
            except IntegrityError:  # a check constraint (an online tip has no reporter name): field by field
                for name, value in values.items():
                    try:
                        with transaction.atomic():
                            rows.update(**{name: value})
                    except IntegrityError:
                        continue
        tainted[model._meta.label] = len(fields)
    for circular in Circular.objects.all():
        sections = [{k: (f"{XSS} {i}" if isinstance(v, str) else v) for k, v in s.items()}
                    for i, s in enumerate(circular.sections)]
        Circular.objects.filter(pk=circular.pk).update(sections=sections)
    return tainted


def build(world):
    """The world with one of everything (the URL-access fixture's objects), an online tip with messages both
    ways, five free-text survey answers, then every text field tainted."""
    from fazhi.surveys.models import Answer, Question, Response, SurveyClass
    from fazhi.tips import services as tips

    # Account pages take a user's id (the URL-access fixture leaves accounts to their own tests).
    targets = {"accounts/": {"pk": world.liaison.pk}, **dunhuang_objects(world)}
    submitted = tips.submit_tip(school_class=world.klass, channel="qr", category="physical",
                                description="x", idempotency_key="xss-test", place="x", people="x")
    tips.message_reporter(submitted.tip.case, by=world.committee_admin, body="x")
    tips.reporter_reply(submitted.tip, body="x")
    entry = SurveyClass.objects.get(survey_id=targets["surveys/"]["pk"], school_class=world.klass)
    question = Question.objects.filter(questionnaire=entry.survey.questionnaire, kind="text").first()
    for _ in range(5):
        response = Response.objects.create(survey_class=entry)
        Answer.objects.create(response=response, question=question, text="x")
    tainted = taint_everything()
    return targets, submitted.receipt, entry, tainted


def html_problems(page: str) -> list[str]:
    return [raw for raw in RAW if raw in page]


class _Values(dict):
    def __missing__(self, key):
        return 1  # an id parameter no fixture names (the staff API's): any id will do


def route_url(route: str, targets: dict, base: dict) -> str:
    prefix = next((p for p in targets if route.startswith(p)), None)
    return fill(route, _Values({**base, **(targets[prefix] if prefix else {})}))


def content_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def squash(text: str) -> str:
    return re.sub(r"[\s\x00]+", "", text)


def check_xlsx(data: bytes, where: str) -> int:
    """No cell is a formula unless it is the export's own; text that starts like a formula is quoted.
    Returns the number of tainted cells."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data))
    tainted = 0
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if value is None:
                    continue
                if cell.data_type == "f":
                    assert OWN_FORMULA.match(str(value)), (where, ws.title, cell.coordinate, value)
                    continue
                if isinstance(value, str):
                    value = value.replace("_x000D_", "\r")  # how openpyxl reads back a carriage return
                    if value.startswith(excel.FORMULA_STARTS):
                        assert cell.quotePrefix, (where, ws.title, cell.coordinate, value)
                    tainted += "alert(" in value or "<x-1>" in value
    return tainted


def check_pdf(data: bytes, where: str) -> bool:
    """The payload is printed as literal text (escaped), never taken for markup; True when it is on a page."""
    from pypdf import PdfReader

    text = squash("".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages))
    return squash("<img src=x onerror=alert(1)>") in text or squash(SHORT) in text


def check_docx(data: bytes, where: str) -> bool:
    import docx

    document = docx.Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return any(XSS in t for t in texts)


EXPORT_LINK = re.compile(r'href="([^"#]*(?:\.xlsx|\.pdf|\.docx|[?&](?:amp;)?export=)[^"#]*)"')


def walk(client, targets, base, *, extra=()):
    """Open every GET page and every export linked from them. Returns what was seen."""
    seen = {"pages": {}, "xlsx": {}, "pdf": {}, "docx": {}}
    links = set(extra)
    for name, route, _ in all_routes():
        url = route_url(route, targets, base)
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        kind = response.get("Content-Type", "").split(";")[0]
        if response.status_code != 200:
            continue
        if kind == "text/html":
            page = response.content.decode()
            assert html_problems(page) == [], (name, url, html_problems(page))
            seen["pages"][name] = page
            links.update(urljoin(url, m.replace("&amp;", "&")) for m in EXPORT_LINK.findall(page))
        elif kind in (XLSX, "application/pdf", DOCX):
            links.add(url)
    for url in sorted(links):
        response = client.get(url)
        if response.status_code != 200:
            continue
        kind = response.get("Content-Type", "").split(";")[0]
        data = content_of(response)
        if kind == XLSX:
            seen["xlsx"][url] = check_xlsx(data, url)
        elif kind == "application/pdf":
            seen["pdf"][url] = check_pdf(data, url)
        elif kind == DOCX:
            seen["docx"][url] = check_docx(data, url)
    return seen


def test_every_text_field_is_tainted_and_main_records_are_covered(world):
    _targets, _receipt, _entry, tainted = build(world)
    for label in ("org.School", "org.SchoolClass", "org.Unit", "org.Officer", "activities.Activity", "tips.Tip",
                  "tips.Message", "tips.CaseEvent", "tips.Hazard", "tips.Dispute", "surveys.Answer",
                  "surveys.Questionnaire", "surveys.Question", "oversight.Finding", "oversight.Inspection",
                  "circulars.Circular", "confidential.SpecialStudent", "confidential.StaffConcern",
                  "accounts.User"):
        assert tainted.get(label), label
    from fazhi.org.models import School

    assert School.objects.filter(name__contains="<script>alert").exists()


def test_payloads_are_escaped_on_every_page_and_literal_in_every_export(client, world):
    targets, _receipt, entry, _tainted = build(world)
    client.force_login(world.superuser)
    base = {"pk": world.klass.pk, "kind": "officer", "token": world.klass.public_token, "code": entry.code}
    extra = [f"/noticeboards/print.pdf?class={world.klass.pk}", f"/noticeboards/print.pdf?school={world.school.pk}"]
    seen = walk(client, targets, base, extra=extra)

    pages = seen["pages"]
    assert len(pages) > 60
    # The main records show the payload, escaped (not merely absent).
    for name in ("org:school_list", "org:school_detail", "org:class_detail", "org:officer_list", "org:officer_detail",
                 "org:unit_detail", "activities:detail", "tips:case", "registers:hazard_detail",
                 "registers:dispute_detail", "oversight:finding_detail", "oversight:inspection_detail",
                 "circulars:detail", "confidential:student_detail", "confidential:staff_detail",
                 "questionnaires:detail", "accounts:user_detail", "noticeboards:class_public",
                 "survey_public:take", "dashboards:region"):
        assert name in pages, name
        assert any(e in pages[name] for e in ESCAPED), name

    # Every Excel export: nothing became a formula, formula-like text is quoted, user text is there.
    by_path: dict[str, int] = {}
    for url, tainted in seen["xlsx"].items():
        path = url.split("?")[0]
        by_path[path] = by_path.get(path, 0) + tainted
    # A school's dashboard charts count kinds and states only: no names in them.
    no_user_text = {f"/dashboard/school/{world.school.pk}/"}
    assert {p for p, tainted in by_path.items() if not tainted and "template" not in p} <= no_user_text, by_path
    for path in ("/roster/export.xlsx", "/pairings/export.xlsx", "/coverage/export.xlsx", "/quotas/export.xlsx",
                 "/ledgers/export.xlsx", "/confidential/students/export/", f"/surveys/{entry.survey_id}/results.xlsx",
                 "/dashboard/", f"/dashboard/unit/{world.court.pk}/"):
        assert path in by_path, (path, sorted(by_path))
    # PDFs print the payload as text; the Word circular carries it verbatim.
    assert len(seen["pdf"]) >= 4, sorted(seen["pdf"])
    assert all(seen["pdf"].values()), seen["pdf"]
    assert seen["docx"] and all(seen["docx"].values()), seen["docx"]


def test_persona_pages_escape_the_payload(client, world):
    """The same walk for the roles whose pages differ from an administrator's (an officer's own classes, a
    teacher's class, a school's registers)."""
    targets, _receipt, entry, _tainted = build(world)
    base = {"pk": world.klass.pk, "kind": "officer", "token": world.klass.public_token, "code": entry.code}
    for persona in (world.officer_user, world.school_admin, world.teacher):
        client.force_login(persona)
        for name, route, _ in all_routes():
            if route.endswith((".xlsx", ".pdf", ".docx")):
                continue
            url = route_url(route, targets, base)
            response = client.get(url)
            if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
                problems = html_problems(response.content.decode())
                assert problems == [], (persona.username, name, url, problems)


def test_reporter_follow_up_page_escapes_handler_messages(client, world):
    _targets, receipt, _entry, _tainted = build(world)
    response = client.post("/report/followup/", {"receipt": receipt})
    page = response.content.decode()
    assert response.status_code == 200
    assert html_problems(page) == []
    assert "&lt;script&gt;alert(" in page  # the handler's message, escaped


def test_survey_free_text_answers_are_escaped_on_the_results_page(client, world):
    _targets, _receipt, entry, _tainted = build(world)
    client.force_login(world.superuser)
    response = client.get(f"/surveys/{entry.survey_id}/results/?class={world.klass.pk}")
    page = response.content.decode()
    assert response.status_code == 200
    assert html_problems(page) == []
    assert "&lt;script&gt;alert(" in page


@pytest.mark.parametrize("start", excel.FORMULA_STARTS)
def test_shared_workbook_quotes_formula_like_text_on_every_write_path(start):
    import openpyxl

    out = io.BytesIO()
    wb = excel.workbook(out, constant_memory=True)
    ws = wb.add_worksheet("x")
    bold = wb.add_format({"bold": True})
    text = f"{start}HYPERLINK(\"http://evil\",\"x\")"
    ws.write_string(0, 0, text, bold)
    ws.write(0, 1, text)
    ws.write_row(1, 0, [text, "plain"])
    ws.merge_range(2, 0, 2, 2, text, bold)
    ws.write_formula(3, 0, "=SUM(A5:A6)")
    wb.close()
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    for ref in ("A1", "B1", "A2", "A3"):
        cell = sheet[ref]
        assert cell.data_type == "s" and cell.quotePrefix, ref
        assert cell.value.replace("_x000D_", "\r") == text, ref  # OOXML's escape of a carriage return
    assert sheet["A1"].font.b and sheet["A3"].font.b  # the quoted twin keeps the cell's own format
    assert sheet["B2"].value == "plain" and not sheet["B2"].quotePrefix
    assert sheet["A4"].data_type == "f"  # an export's own formula is still a formula


@pytest.mark.parametrize("payload", FORMULAS)
def test_the_export_check_catches_an_unquoted_formula_like_cell(payload):
    """check_xlsx (the export walk's) fails on a formula-like cell written without the quote prefix, a carriage
    return included (openpyxl reads it back as "_x000D_"), and passes the same cell from the shared helper."""
    import xlsxwriter

    def book(opener) -> bytes:
        out = io.BytesIO()
        wb = opener(out)
        wb.add_worksheet("x").write_string(0, 0, payload)
        wb.close()
        return out.getvalue()

    bare = book(lambda out: xlsxwriter.Workbook(out, {"in_memory": True, **excel.SAFE_OPTIONS}))
    with pytest.raises(AssertionError):
        check_xlsx(bare, "bare")
    check_xlsx(book(excel.workbook), "helper")


def workbook_bypasses(source: str) -> list[str]:
    """What in a module opens a workbook other than through fazhi.lib.excel.workbook: any xlsxwriter import but
    its cell-reference helpers (xlsxwriter.utility), and any openpyxl Workbook( call."""
    import ast

    found, uses_openpyxl = [], False
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            continue
        for name in names:
            if name.split(".")[0] == "xlsxwriter" and name != "xlsxwriter.utility":
                found.append(f"line {node.lineno}: imports {name}")
            uses_openpyxl |= name.split(".")[0] == "openpyxl"
    if uses_openpyxl:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and "Workbook" in (getattr(node.func, "id", None),
                                                             getattr(node.func, "attr", None)):
                found.append(f"line {node.lineno}: openpyxl Workbook(")
    return found


@pytest.mark.parametrize(("source", "caught"), [
    ("import xlsxwriter\nxlsxwriter.Workbook(out)", True),
    ("from xlsxwriter import Workbook\nWorkbook(out)", True),
    ("from xlsxwriter.workbook import Workbook as W\nW(out)", True),
    ("import xlsxwriter.workbook", True),
    ("from openpyxl import Workbook\nWorkbook(write_only=True)", True),
    ("import openpyxl\nopenpyxl.Workbook()", True),
    ("from openpyxl.workbook.workbook import Workbook as W\nWorkbook = W\nWorkbook()", True),
    ("from xlsxwriter.utility import xl_rowcol_to_cell", False),
    ("import openpyxl\nopenpyxl.load_workbook(f)", False),
    ("from fazhi.lib import excel\nexcel.workbook(out)", False),
])
def test_the_workbook_guard_sees_every_way_in(source, caught):
    assert bool(workbook_bypasses(source)) is caught


def test_every_workbook_is_opened_through_the_shared_helper():
    """A new export must use fazhi.lib.excel.workbook (whose options cannot be turned off), not xlsxwriter or
    openpyxl directly."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in root.rglob("*.py"):
        if ("tests" in path.parts or "migrations" in path.parts or path.name.startswith("test_")
                or path.name == "conftest.py" or path == root / "lib" / "excel.py"):
            continue
        offenders += [f"{path.relative_to(root)} {problem}"
                      for problem in workbook_bypasses(path.read_text(encoding="utf-8"))]
    assert offenders == []

