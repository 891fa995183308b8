"""The class noticeboard (班级公示栏): what it shows, its printed PDF, whether the wall copy is current,
and the introduction an officer pastes into the class's chat group (班级工作群).

Everything here works on many classes at once with a fixed number of queries: `boards_for(classes)`
loads the active homeroom officers with their units in one query and the political-legal committees of
the regions concerned in another. `board_for(one_class)` is the same for a single class.

A board's `fingerprint` is the SHA-256 of everything printed on it (the photo by its file name). A
school confirms a posting with the fingerprint of the board it put up (`NoticeboardPosting`); when the
officer, a phone number, the hotline or the photo changes, the fingerprint changes and the class needs a
reprint.
"""

import functools
import hashlib
import io
import json
import logging
import mimetypes
import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import QuerySet, prefetch_related_objects
from django.template.loader import render_to_string
from django.utils import timezone

from fazhi.assignments.models import Assignment, NoticeboardPosting
from fazhi.org.models import Officer, SchoolClass, Unit, region_chain

logger = logging.getLogger(__name__)

# Officer photos are printed from a downscaled copy without metadata (EXIF may carry GPS positions).
PHOTO_BOX = (600, 800)  # pixels: 45 × 60 mm at ~340 dpi
PHOTO_CACHE_DIR = "cache/noticeboard-photos"
CHUNK = 500  # ids per IN (...) query


# ---- board content ------------------------------------------------------------------------------

def format_phone(number: str) -> str:
    """A phone number as people read it: 139 0937 0001, 0937-8822110; anything else unchanged."""
    raw = (number or "").strip()
    digits = raw.replace("-", "").replace(" ", "")
    if not digits.isdigit():
        return raw
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    if digits.startswith("0") and 10 <= len(digits) <= 12 and raw.count("-") <= 1:  # not with an extension
        area = 3 if digits[1] in "12" else 4
        return f"{digits[:area]}-{digits[area:]}"
    return raw


def tel_digits(number: str) -> str:
    return "".join(ch for ch in number or "" if ch.isdigit() or ch == "+")


def _committees_for(codes: Iterable[str]) -> dict[str, Unit]:
    """The committee of each region code given, or of its nearest ancestor (one query)."""
    codes = set(codes)
    chain = {c for code in codes for c in region_chain(code)}
    by_region: dict[str, Unit] = {}
    for unit in Unit.objects.filter(kind=Unit.Kind.COMMITTEE, region_id__in=chain).order_by("region_id", "name"):
        by_region.setdefault(unit.region_id, unit)  # the first by name, as Unit.committee() picks it
    found = {}
    for code in codes:
        found[code] = next((by_region[c] for c in region_chain(code) if c in by_region), None)
    return found


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _as_classes(classes) -> list[SchoolClass]:
    """A list of classes with their schools loaded (one query for all that lack it)."""
    if isinstance(classes, SchoolClass):
        classes = [classes]
    elif isinstance(classes, QuerySet) and not classes.query.is_sliced:
        classes = classes.select_related("school")
    classes = list(classes)
    missing = [c for c in classes if not SchoolClass.school.is_cached(c)]
    if missing:
        prefetch_related_objects(missing, "school")
    return classes


def _fingerprint(content: dict) -> str:
    blob = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def boards_for(classes) -> list[dict]:
    """The noticeboard of each class, in the order given. Three queries in all, however many classes."""
    classes = _as_classes(classes)
    ids = [c.pk for c in classes]
    active: dict[int, Assignment] = {}
    for part in _chunks(ids):
        # An officer no longer on duty is never published, even if their assignment were still open.
        for a in (Assignment.objects.filter(school_class_id__in=part, role=Assignment.Role.HOMEROOM,
                                            status=Assignment.Status.ACTIVE, officer__status=Officer.Status.ACTIVE)
                  .select_related("officer__unit").order_by("school_class_id", "-starts_on", "-pk")):
            active.setdefault(a.school_class_id, a)
    codes = {c.school.region_id for c in classes} | {a.officer.unit.region_id for a in active.values()}
    committees = _committees_for(codes)
    return [_board(c, active.get(c.pk), committees) for c in classes]


def board_for(school_class: SchoolClass) -> dict:
    """The content of one class's noticeboard (班级公示栏)."""
    return boards_for([school_class])[0]


def _board(klass: SchoolClass, assignment: Assignment | None, committees: dict[str, Unit | None]) -> dict:
    officer = assignment.officer if assignment else None
    committee = None
    if officer is not None:
        committee = committees.get(officer.unit.region_id)
    committee = committee or committees.get(klass.school.region_id)
    officer_data = None
    if officer is not None:
        officer_data = {
            "name": officer.name,
            "unit": officer.unit.name,
            "title": officer.title,
            "phone": officer.phone,
            "photo": default_storage.path(officer.photo.name) if officer.photo else None,
            "photo_name": officer.photo.name if officer.photo else "",
            "since": assignment.starts_on,
        }
    printed = {
        "school": klass.school.name,
        "class": klass.name,
        "school_year": klass.school_year,
        "officer": None if officer_data is None else {
            k: officer_data[k] for k in ("name", "unit", "title", "phone", "photo_name")},
        "unit_phone": officer.unit.phone if officer else "",
        "committee": committee.name if committee else "",
        "hotline": committee.supervision_hotline if committee else "",
        "url": klass.public_url(),
    }
    return {
        "class_id": klass.pk,
        "school_id": klass.school_id,
        "school": klass.school.name,
        "class_name": klass.name,
        "school_year": klass.school_year,
        "school_year_label": klass.school_year_label,
        "officer": officer_data,
        "officer_id": officer.pk if officer else None,
        "unit_phone": printed["unit_phone"],
        "committee": printed["committee"],
        "hotline": printed["hotline"],
        "url": printed["url"],
        "token": klass.public_token,
        "fingerprint": _fingerprint(printed),
    }


# ---- posted or not -------------------------------------------------------------------------------

POSTED = "posted"
NOT_POSTED = "not_posted"
REPRINT = "reprint"


def latest_postings(class_ids: Iterable[int]) -> dict[int, NoticeboardPosting]:
    """The latest posting of each class that has one (one query per 500 classes)."""
    latest: dict[int, NoticeboardPosting] = {}
    for part in _chunks(list(class_ids)):
        for p in (NoticeboardPosting.objects.filter(school_class_id__in=part)
                  .only("pk", "school_class_id", "fingerprint", "posted_on", "created_at")
                  .order_by("school_class_id", "-created_at", "-pk")):
            latest.setdefault(p.school_class_id, p)
    return latest


def posting_details(classes, boards: list[dict] | None = None) -> dict[int, dict]:
    """For each class: {"state": posted | not_posted | reprint, "posting": its latest posting or None,
    "board": its current board}. Pass `boards` if they are already computed for the same classes."""
    classes = _as_classes(classes)
    boards = boards if boards is not None else boards_for(classes)
    latest = latest_postings([b["class_id"] for b in boards])
    details = {}
    for board in boards:
        posting = latest.get(board["class_id"])
        if posting is None:
            state = NOT_POSTED
        elif posting.fingerprint != board["fingerprint"]:
            state = REPRINT
        else:
            state = POSTED
        details[board["class_id"]] = {"state": state, "posting": posting, "board": board}
    return details


def posting_states(classes, boards: list[dict] | None = None) -> dict[int, str]:
    """Class id → "posted" (the current board is on the wall), "not_posted" (none ever confirmed) or
    "reprint" (the board on the wall is outdated), for a list or coverage page: four queries in all."""
    return {pk: row["state"] for pk, row in posting_details(classes, boards).items()}


def posting_summary(classes) -> dict[str, int]:
    """How many of the classes have their current board up, none at all, or an outdated one."""
    counts = {POSTED: 0, NOT_POSTED: 0, REPRINT: 0}
    for state in posting_states(classes).values():
        counts[state] += 1
    return counts


def needs_reprint(school_class: SchoolClass) -> bool:
    """True when the class's latest posted board is not the current one, or none was ever posted."""
    return posting_states([school_class])[school_class.pk] != POSTED


# ---- chat group introduction ----------------------------------------------------------------------

def chat_intro(school_class: SchoolClass, board: dict | None = None) -> str:
    """A ready-to-paste introduction for the class's chat group (班级工作群), in Chinese."""
    b = board or board_for(school_class)
    where = f"{b['school']}{b['class_name']}"
    lines = []
    officer = b["officer"]
    if officer:
        title = f"（{officer['title']}）" if officer["title"] else ""
        lines.append("各位家长、同学们：大家好！")
        lines.append(f"我是{officer['unit']}的{officer['name']}{title}，担任{where}的法治班主任。"
                     "今后我会定期到班里开展法治教育，和老师、家长一起守护孩子们的安全，预防和制止校园欺凌。")
        lines.append("大家在学习生活中遇到欺凌、暴力、纠纷或其他安全隐患，都可以随时联系我。")
        lines.append(f"法治班主任：{officer['name']}  电话：{format_phone(officer['phone'])}")
        if b["unit_phone"]:
            lines.append(f"{officer['unit']}电话：{format_phone(b['unit_phone'])}")
    else:
        lines.append("各位家长、同学们：大家好！")
        lines.append(f"{where}的法治班主任正在安排中，确定后将在本群介绍。")
    if b["hotline"]:
        lines.append(f"{b['committee'] or '政法委'}监督电话：{format_phone(b['hotline'])}")
    lines.append(f"本班法治班主任页面（可匿名反映问题，不需要登录）：{b['url']}")
    return "\n".join(lines)


# ---- photos ---------------------------------------------------------------------------------------

def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT).resolve()


def print_photo(photo_path: str | None) -> Path | None:
    """A downscaled JPEG copy of an officer photo without EXIF or other metadata, cached under
    MEDIA_ROOT; used on the printed board and the public page. None if the photo is missing or broken."""
    if not photo_path:
        return None
    root = _media_root()
    try:
        src = Path(photo_path).resolve()
        if not src.is_relative_to(root):
            return None
        st = src.stat()
    except OSError:
        return None
    key = hashlib.sha256(f"{src.relative_to(root)}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:32]
    target = root / PHOTO_CACHE_DIR / f"{key}.jpg"
    if target.exists():
        return target
    from PIL import Image, ImageOps

    try:
        with Image.open(src) as image:
            image.draft("RGB", PHOTO_BOX)  # JPEG: decode at a reduced size, much faster
            image = ImageOps.exif_transpose(image)
            image.thumbnail(PHOTO_BOX)
            if image.mode in ("RGBA", "LA", "P"):
                image = image.convert("RGBA")
                flat = Image.new("RGB", image.size, "white")
                flat.paste(image, mask=image.getchannel("A"))
                image = flat
            elif image.mode != "RGB":
                image = image.convert("RGB")
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(f".{os.getpid()}.tmp")
            image.save(tmp, "JPEG", quality=85, optimize=True)
            os.replace(tmp, target)
    except Exception:  # a broken upload must not stop a print run of 500 classes
        logger.warning("officer photo %s could not be read", src.name)
        return None
    return target


# ---- PDF ------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=4096)
def qr_data_uri(url: str) -> str:
    """The class link as a QR code: a PNG of one pixel per module, printed with `image-rendering: pixelated`
    (sharp edges at any size, and far quicker for WeasyPrint than an SVG). The mask is fixed: every mask gives
    a valid code, and scoring all eight (segno's default) took 5 of the 6 ms per code, about 3 s of a city's
    print run; printed at 4 cm with error correction M the codes scan just as well."""
    import segno

    return segno.make(url, error="m", micro=False, mask=2).png_data_uri(scale=1, border=0)


def _fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class MediaOnlyFetcher(URLFetcher):
        """Resources for the PDF come from data: URIs and files under MEDIA_ROOT; nothing else, and
        nothing from the network."""

        def __init__(self):
            super().__init__(allowed_protocols=("file", "data"), allow_redirects=False, timeout=5)
            self.root = _media_root()

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme != "file":
                raise ValueError(f"not allowed in a noticeboard: {url[:60]}")
            path = Path(unquote(urlsplit(url).path)).resolve()
            if not path.is_relative_to(self.root) or not path.is_file():
                raise ValueError(f"not allowed in a noticeboard: {url[:60]}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})

    return MediaOnlyFetcher()


def _print_context(boards: list[dict]) -> dict:
    # Making the photos' print copies is Pillow work that releases the GIL: a few threads share it.
    paths = {b["officer"]["photo"] for b in boards if b["officer"] and b["officer"]["photo"]}
    if len(paths) > 4:
        with ThreadPoolExecutor(max_workers=4) as pool:
            photos = dict(zip(paths, pool.map(print_photo, paths), strict=True))
    else:
        photos = {path: print_photo(path) for path in paths}
    pages = []
    for b in boards:
        officer = dict(b["officer"]) if b["officer"] else None
        if officer:
            photo = photos.get(officer["photo"])
            officer["photo_url"] = photo.as_uri() if photo else None
            officer["phone_display"] = format_phone(officer["phone"])
        pages.append({
            **b, "officer": officer,
            "unit_phone_display": format_phone(b["unit_phone"]),
            "hotline_display": format_phone(b["hotline"]),
            "qr": qr_data_uri(b["url"]),
            "code": b["fingerprint"][:8].upper(),
            "long_place": len(b["school"]) + len(b["class_name"]) > 22,  # one line at 18 pt holds about 24
        })
    return {"pages": pages, "printed_on": timezone.localdate()}


def render_html(boards: list[dict]) -> str:
    return render_to_string("assignments/noticeboard_pdf.html", _print_context(boards))


def render_pdf(classes, out) -> int:
    """Print the noticeboards of `classes` (a queryset or list of classes, or boards from `boards_for`) as
    ONE PDF, one A4 page per class; `out` is a path or a binary file object. Returns the number of pages.

    Up to 60 pages per process, one WeasyPrint document (the fonts are subset and embedded once); larger runs
    are laid out on all cores and joined into one file. Pictures come only from data: URIs and MEDIA_ROOT
    (see `_fetcher`)."""
    boards = classes if _are_boards(classes) else boards_for(classes)
    if not boards:
        raise ValueError("no classes to print")
    workers = min(os.cpu_count() or 1, MAX_PRINT_PROCESSES, len(boards) // PAGES_PER_PROCESS)
    if workers < 2:
        pdf, pages = _render_chunk(render_html(boards))
        _write(out, pdf)
        return pages
    # Page layout is pure-Python CPU work: a large run is laid out in parallel processes (forked, so
    # WeasyPrint and the settings are already loaded; they do no database work) and the parts are joined.
    from pypdf import PdfWriter

    size = -(-len(boards) // workers)
    parts = [render_html(boards[i:i + size]) for i in range(0, len(boards), size)]
    with multiprocessing.get_context("fork").Pool(len(parts)) as pool:
        results = pool.map(_render_chunk, parts)
    writer = PdfWriter()
    for pdf, _pages in results:
        writer.append(io.BytesIO(pdf))
    buffer = io.BytesIO()
    writer.write(buffer)
    _write(out, buffer.getvalue())
    return sum(pages for _pdf, pages in results)


MAX_PRINT_PROCESSES = 4
PAGES_PER_PROCESS = 60  # below this, starting processes costs more than it saves


def _render_chunk(html: str) -> tuple[bytes, int]:
    from weasyprint import HTML

    document = HTML(string=html, base_url=_media_root().as_uri() + "/", url_fetcher=_fetcher()).render()
    return document.write_pdf(), len(document.pages)


def _write(out, data: bytes) -> None:
    if hasattr(out, "write"):
        out.write(data)
    else:
        Path(out).write_bytes(data)


def _are_boards(items) -> bool:
    return isinstance(items, list) and bool(items) and isinstance(items[0], dict)


def print_filename(label: str, year: int | None = None) -> str:
    """法治班主任公示栏-敦煌市第二中学-2026.pdf"""
    safe = "".join(ch for ch in label if ch not in '\\/:*?"<>|\r\n\t').strip() or "noticeboards"
    return f"法治班主任公示栏-{safe}{f'-{year}' if year else ''}.pdf"
