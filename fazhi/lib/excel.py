"""Small helpers every Excel export shares.

Every workbook the platform writes is made by `workbook()`: text never becomes a formula, a link or a
number, and text that a spreadsheet would take for a formula when someone edits the cell (it starts with
= + - @, a tab or a carriage return: CSV/formula injection, see OWASP) is written as quoted text, the
spreadsheet's own form of a leading apostrophe, so the cell shows the text exactly and stays text. The
text itself is not changed, so an exported roster re-imports unchanged. A deliberate formula of the
export's own goes through `write_formula`.
"""

import re

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

ZERO_WIDTH_SPACE = "\u200b"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SAFE_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def cell_text(value) -> str:
    """A cell's text, safe to hand to xlsxwriter's `write_string`: xlsxwriter writes a string that looks like
    "<r>…</r>" as raw rich-text XML (a user's note could make the file unreadable); a zero-width space after it
    keeps it plain text. Importers strip it again (`clean_cell`)."""
    text = "" if value is None else str(value)
    if text.startswith("<r>") and text.endswith("</r>"):
        text += ZERO_WIDTH_SPACE
    return text


def clean_cell(text: str) -> str:
    """The inverse of `cell_text` for importers: drop zero-width spaces."""
    return text.replace(ZERO_WIDTH_SPACE, "")


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


class SafeWorksheet(Worksheet):
    """A worksheet whose every string cell (`write_string`, `write`, `write_row`, `merge_range`) goes
    through `cell_text` and, when it starts like a formula, gets the quote-prefixed twin of its format."""

    book: "SafeWorkbook"

    def _write_string(self, row, col, string, cell_format=None):
        string = cell_text(string)
        if looks_like_formula(string):
            cell_format = self.book.quoted(cell_format)
        return super()._write_string(row, col, string, cell_format)


class SafeWorkbook(xlsxwriter.Workbook):
    worksheet_class = SafeWorksheet

    def __init__(self, filename, options: dict | None = None):
        super().__init__(filename, {**(options or {}), **SAFE_OPTIONS})
        self._quoted: dict[int, object] = {}

    def add_format(self, properties=None):
        fmt = super().add_format(properties)
        fmt.fazhi_properties = dict(properties or {})
        return fmt

    def add_worksheet(self, name=None, worksheet_class=None):
        ws = super().add_worksheet(name, worksheet_class)
        ws.book = self
        return ws

    def quoted(self, fmt):
        """`fmt` with the quote prefix (made once per format); text format "@" when the cell had none."""
        key = id(fmt)
        if key not in self._quoted:
            base = getattr(fmt, "fazhi_properties", None) if fmt is not None else {"num_format": "@"}
            self._quoted[key] = super().add_format({**(base or {}), "quote_prefix": True})
        return self._quoted[key]


def workbook(out, **options) -> SafeWorkbook:
    """The one way fazhi opens an xlsxwriter workbook (`out`: a path or a binary file object); `options`
    are xlsxwriter's (constant_memory=True, in_memory=True); the text-safety options cannot be turned off."""
    return SafeWorkbook(out, options)


class WorkbookTooLarge(ValueError):
    """The workbook is larger than an import accepts (checked before it is opened)."""


MAX_UNCOMPRESSED_BYTES = 100 * 2**20
_CELL_REF = re.compile(rb'<(?:c|row)\b[^>]*?\sr="([A-Z]{0,3})([0-9]{1,7})"')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def check_xlsx_bounds(source, *, max_rows: int, max_columns: int = 100) -> None:
    """Refuse a workbook that would take the reader gigabytes before it could tell the file is too big: a
    crafted 5 KB .xlsx naming cell XFD1048576 makes the reader allocate half a terabyte and abort the process.
    Checks the uncompressed size, then streams each sheet's XML for its highest row and column."""
    import zipfile

    if hasattr(source, "seek"):
        source.seek(0)
    try:
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
            if sum(m.file_size for m in members) > MAX_UNCOMPRESSED_BYTES:
                raise WorkbookTooLarge("uncompressed size")
            for member in members:
                if not (member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml")):
                    continue
                with archive.open(member) as sheet:
                    carry = b""
                    while chunk := sheet.read(1 << 20):
                        data = carry + chunk
                        for letters, digits in _CELL_REF.findall(data):
                            if int(digits) > max_rows or (letters and _column_number(letters) > max_columns):
                                raise WorkbookTooLarge(member.filename)
                        carry = data[-200:]
    except zipfile.BadZipFile as exc:
        raise ValueError("not a zip file") from exc
    finally:
        if hasattr(source, "seek"):
            source.seek(0)
