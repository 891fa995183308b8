"""Small helpers every Excel export shares."""

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
