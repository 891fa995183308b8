"""Pages carry no inline scripts, event handlers or styles, so that a strict Content-Security-Policy
(script-src 'self'; style-src 'self') can be switched on. PDF templates are rendered by WeasyPrint, not a
browser (any template named *_pdf.html), and the 500 page must work with nothing else loaded: they are exempt."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
EXEMPT = {"500.html", "noticeboard_pdf.html", "ledger_pdf.html"}
PATTERNS = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "event handler": re.compile(r"\son[a-z]+\s*=", re.I),
    "style element": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
}


def test_templates_have_no_inline_code_or_styles():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if path.name in EXEMPT or path.name.endswith("_pdf.html"):
            continue
        text = path.read_text(encoding="utf-8")
        for what, pattern in PATTERNS.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(TEMPLATES)}:{line}: {what}")
    assert found == []
