"""The circular as an official document (公文): PDF (WeasyPrint) and Word (python-docx).

Both carry the same content: the red header with the issuer (红头), the document number and the date, the
centred title, the sections and the unit ranking table; a draft is marked 草稿 throughout. The documents are
in Chinese whatever the user's language. Every PDF font stack names "Noto Sans CJK SC" (WeasyPrint has no
other CJK font); the styles live here (`PDF_CSS`), so that the template holds no inline style."""

import io

from django.template.loader import render_to_string
from django.utils import timezone

from fazhi.circulars.compile import zh_date
from fazhi.circulars.models import Circular

PDF_CSS = """
@page { size: A4 portrait; margin: 30mm 26mm 28mm 28mm;
  @bottom-center { content: "— " counter(page) " —"; font-family: "Noto Sans CJK SC", sans-serif; font-size: 10pt; }
}
html, body { margin: 0; padding: 0; }
body { font-family: "Noto Sans CJK SC", sans-serif; color: #111; font-size: 12pt; line-height: 1.75; }
.draft-mark { margin: 0 0 2mm; text-align: right; color: #b71c1c; font-size: 14pt; font-weight: 700;
  letter-spacing: 4pt; }
.issuer { margin: 0; text-align: center; color: #c00000; font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", serif;
  font-size: 26pt; font-weight: 700; letter-spacing: 2pt; line-height: 1.3; }
.number { margin: 6mm 0 1mm; text-align: center; font-size: 12pt; }
.redline { border-top: 0.8mm solid #c00000; margin: 0 0 8mm; }
h1 { margin: 0 0 8mm; text-align: center; font-family: "Noto Sans CJK SC", sans-serif; font-size: 17pt;
  font-weight: 700; line-height: 1.5; }
h2 { margin: 5mm 0 1mm; font-family: "Noto Sans CJK SC", sans-serif; font-size: 13pt; font-weight: 700; }
p { margin: 0 0 1mm; text-indent: 2em; text-align: justify; }
.signature { margin-top: 12mm; text-align: right; }
.signature p { text-indent: 0; margin: 0; }
h3 { margin: 8mm 0 2mm; text-align: center; font-family: "Noto Sans CJK SC", sans-serif; font-size: 12pt; }
table { width: 100%; border-collapse: collapse; font-size: 9.5pt; line-height: 1.4; }
th, td { border: 0.3mm solid #333; padding: 1.2mm 1.5mm; text-align: center; vertical-align: middle; }
th { font-weight: 700; background: #f2f2f2; }
td.name, td.reason { text-align: left; }
.note { text-indent: 0; font-size: 9pt; color: #444; }
"""

RANK_HEADERS = ["排名", "单位", "干警达进度", "活动次数", "线索按时签收率", "逾期未整改", "未达标原因"]


def document_date(circular: Circular) -> str:
    when = circular.published_at or timezone.now()
    return zh_date(timezone.localtime(when).date().isoformat())


def rank_rows(circular: Circular) -> list[list[str]]:
    rows = []
    for u in (circular.snapshot or {}).get("units") or []:
        tips = "—" if u.get("tips_on_time_percent") is None else f"{u['tips_on_time_percent']:g}%"
        rows.append([str(u.get("rank", "")), u.get("unit", ""), f"{u.get('officers_on_pace', 0)}/{u.get('officers', 0)}",
                     str(u.get("activities", 0)), tips, str(u.get("findings_overdue", 0)),
                     "；".join(u.get("reasons") or []) or "—"])
    return rows


def _context(circular: Circular) -> dict:
    return {
        "c": circular,
        "draft": not circular.is_published,
        "date": document_date(circular),
        "sections": [{"heading": s.get("heading", ""), "paragraphs": [p for p in (s.get("body") or "").split("\n")
                                                                         if p.strip()]}
                     for s in circular.sections or []],
        "headers": RANK_HEADERS,
        "rows": rank_rows(circular),
    }


def _fetcher():
    from weasyprint.urls import URLFetcher

    class NothingFetcher(URLFetcher):
        """A circular needs nothing from the disk or the network."""

        def __init__(self):
            super().__init__(allowed_protocols=("data",), allow_redirects=False, timeout=5)

        def fetch(self, url, headers=None):
            if not url.lower().startswith("data:"):
                raise ValueError(f"not allowed in a circular: {url[:60]}")
            return super().fetch(url, headers)

    return NothingFetcher()


def render_pdf(circular: Circular) -> bytes:
    from weasyprint import CSS, HTML

    html = render_to_string("circulars/circular_pdf.html", _context(circular))
    fetcher = _fetcher()
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[CSS(string=PDF_CSS, url_fetcher=fetcher)])


# ---- Word --------------------------------------------------------------------------------------------

BODY_FONT, HEADING_FONT = "仿宋", "黑体"


def _font(run, name: str, size: float, *, bold=False, color=None):
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    if color:
        run.font.color.rgb = RGBColor.from_string(color)
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)
    fonts.set(qn("w:ascii"), name)
    fonts.set(qn("w:hAnsi"), name)


def _xml(text) -> str:
    """Text Word can hold: names from the registry may carry control characters that XML refuses."""
    from fazhi.lib.text import CONTROL

    return CONTROL.sub("", str(text))


def _para(doc, text: str, *, font=BODY_FONT, size=16, bold=False, color=None, align=None, indent=False):
    from docx.shared import Pt

    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    _font(p.add_run(_xml(text)), font, size, bold=bold, color=color)
    return p


def _red_rule(paragraph):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "4"), ("w:color", "C00000")):
        bottom.set(qn(key), value)
    border.append(bottom)
    ppr.append(border)


def render_docx(circular: Circular) -> bytes:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    ctx = _context(circular)
    doc = docx.Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    style = doc.styles["Normal"]
    _font_style(style, BODY_FONT)
    doc.core_properties.title = _xml(circular.title)
    doc.core_properties.identifier = _xml(circular.number)

    center = WD_ALIGN_PARAGRAPH.CENTER
    if ctx["draft"]:
        _para(doc, "草稿", font=HEADING_FONT, size=14, bold=True, color="B71C1C", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, circular.issuer, font=HEADING_FONT, size=26, bold=True, color="C00000", align=center)
    _red_rule(_para(doc, f"{circular.number}    {ctx['date']}", size=16, align=center))
    _para(doc, circular.title, font=HEADING_FONT, size=20, bold=True, align=center)
    for s in ctx["sections"]:
        _para(doc, s["heading"], font=HEADING_FONT, size=16, bold=True)
        for text in s["paragraphs"]:
            _para(doc, text, size=16, indent=True)
    _para(doc, circular.issuer, size=16, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, ctx["date"], size=16, align=WD_ALIGN_PARAGRAPH.RIGHT)

    if ctx["rows"]:
        _para(doc, "附表：各单位工作情况排名", font=HEADING_FONT, size=14, bold=True, align=center)
        table = doc.add_table(rows=1, cols=len(RANK_HEADERS))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, RANK_HEADERS, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run(_xml(text)), HEADING_FONT, 10.5, bold=True)
        for row in ctx["rows"]:
            cells = table.add_row().cells
            for cell, text in zip(cells, row, strict=True):
                _font(cell.paragraphs[0].add_run(_xml(text)), BODY_FONT, 10.5)
        _para(doc, "排名依据：干警活动达到学期进度要求的比例（高者在前）、线索按时签收率（高者在前）、"
                   "督导检查问题逾期未整改数（少者在前）。", size=10.5)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _font_style(style, name: str):
    from docx.oxml.ns import qn

    style.font.name = name
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def filename(circular: Circular, extension: str) -> str:
    kind = "工作通报" if circular.is_published else "工作通报-草稿"
    return f"{kind}-{circular.region.name}-{circular.start.isoformat()}至{circular.end.isoformat()}.{extension}"
