"""Small helpers every Excel export shares."""

import re

ZERO_WIDTH_SPACE = "\u200b"


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
