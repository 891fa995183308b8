"""Evidence uploads: what may be attached to an activity, and how it is stored.

Photos are decoded with Pillow (only the JPEG, PNG and WebP decoders are tried), turned upright, scaled
down to at most 1600 px and re-encoded as a fresh JPEG: the stored file carries no EXIF (no GPS position,
no camera serial), no XMP, no comment. A 320 px thumbnail is made at the same time. Documents are
recognised by their first bytes, not by their names: PDF, Word (.docx) and Excel (.xlsx) only, and no
Office file with macros.

Everything is checked and prepared in memory first (`prepare`), so a form can refuse the whole
submission if one file is bad; `store` then writes a prepared upload to storage.
"""

import io
import os
import uuid
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from fazhi.activities.models import Evidence
from fazhi.lib.images import strict_decoding

PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")
PHOTO_MAX_SIDE = 1600  # pixels, the stored copy
THUMB_MAX_SIDE = 320  # pixels, the thumbnail
MAX_PIXELS = 60_000_000  # a 50-megapixel phone camera still fits; anything bigger is refused before decoding
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_FILES = 9  # photos and documents together, per activity

CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class UploadError(Exception):
    """Why one uploaded file was refused (a sentence for the person who chose it)."""


@dataclass(frozen=True)
class Prepared:
    """An upload that passed the checks, ready to store."""

    type: str  # Evidence.Type
    original_name: str
    extension: str
    content: bytes
    thumbnail: bytes | None = None


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f}"


def clean_name(name: str | None) -> str:
    """The file's own name, without any folder a browser may send, cut to fit the database."""
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    base = "".join(ch for ch in base if ch.isprintable())
    if len(base) > 200:
        stem, ext = os.path.splitext(base)
        base = stem[: 200 - len(ext[:10])] + ext[:10]
    return base or "upload"


def looks_like_image(head: bytes) -> bool:
    return head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def _head(upload, n: int = 16) -> bytes:
    upload.seek(0)
    head = upload.read(n)
    upload.seek(0)
    return head


def prepare(upload, *, photo: bool) -> Prepared:
    """Check one upload and prepare what will be stored. Raises UploadError with the reason.
    A photo sent as a document (or the other way round) is handled by what its bytes say it is."""
    if photo or looks_like_image(_head(upload)):
        return prepare_photo(upload)
    return prepare_document(upload)


def prepare_photo(upload) -> Prepared:
    name = clean_name(upload.name)
    if not upload.size:
        raise UploadError(_("The file is empty."))
    if upload.size > settings.MAX_PHOTO_BYTES:
        raise UploadError(_("The photo is larger than %(mb)s MB.") % {"mb": _mb(settings.MAX_PHOTO_BYTES)})
    upload.seek(0)
    try:
        with strict_decoding(), Image.open(upload, formats=PHOTO_FORMATS) as image:
            if image.width * image.height > MAX_PIXELS:
                raise UploadError(_("The photo has too many pixels."))
            image.draft("RGB", (PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))  # JPEG: decode at a reduced size, much faster
            image.load()  # decodes everything: a truncated or fake file fails here
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE), Image.Resampling.LANCZOS)
            clean = _flatten(upright)
    except UploadError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise UploadError(_("This is not a photo that can be read: upload a JPEG, PNG or WebP image.")) from None
    thumb = clean.copy()
    thumb.thumbnail((THUMB_MAX_SIDE, THUMB_MAX_SIDE), Image.Resampling.LANCZOS)
    return Prepared(type=Evidence.Type.PHOTO, original_name=name, extension=".jpg",
                    content=_jpeg(clean, 85), thumbnail=_jpeg(thumb, 75))


def _flatten(image: Image.Image) -> Image.Image:
    """A new RGB image with the same pixels and nothing else: no EXIF, ICC, XMP or comment travels with it.
    Transparent parts become white."""
    if image.mode in ("P", "PA"):
        image = image.convert("RGBA")
    out = Image.new("RGB", image.size, "white")
    if image.mode in ("RGBA", "LA"):
        out.paste(image.convert("RGBA"), mask=image.getchannel("A"))
    else:
        out.paste(image.convert("RGB") if image.mode != "RGB" else image)
    return out


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
    return buffer.getvalue()


def prepare_document(upload) -> Prepared:
    name = clean_name(upload.name)
    if not upload.size:
        raise UploadError(_("The file is empty."))
    if upload.size > MAX_DOCUMENT_BYTES:
        raise UploadError(_("The file is larger than %(mb)s MB.") % {"mb": _mb(MAX_DOCUMENT_BYTES)})
    head = _head(upload)
    if head.startswith(b"%PDF-"):
        extension = ".pdf"
    elif head.startswith(b"PK\x03\x04"):
        extension = _office_type(upload)
    else:
        raise UploadError(_("Only PDF, Word (.docx) and Excel (.xlsx) files can be attached."))
    upload.seek(0)
    return Prepared(type=Evidence.Type.FILE, original_name=name, extension=extension, content=upload.read())


def _office_type(upload) -> str:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UploadError(_("The file is damaged.")) from None
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise UploadError(_("Files with macros cannot be attached; save it as .docx or .xlsx without macros."))
    if "[Content_Types].xml" in names and "word/document.xml" in names:
        return ".docx"
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return ".xlsx"
    raise UploadError(_("Only PDF, Word (.docx) and Excel (.xlsx) files can be attached."))


def store(activity, prepared: Prepared, *, by) -> Evidence:
    """Write a prepared upload to storage under a random name and record it. Returns the saved Evidence;
    its file names are what a caller must delete if the surrounding transaction fails."""
    stem = uuid.uuid4().hex
    evidence = Evidence(activity=activity, type=prepared.type, original_name=prepared.original_name,
                        size=len(prepared.content), uploaded_by=by)
    evidence.file.save(stem + prepared.extension, ContentFile(prepared.content), save=False)
    if prepared.thumbnail:
        evidence.thumbnail.save(stem + ".jpg", ContentFile(prepared.thumbnail), save=False)
    evidence.save()
    return evidence


def stored_names(evidence: Evidence) -> list[str]:
    return [f.name for f in (evidence.file, evidence.thumbnail) if f]


def content_type(evidence: Evidence, *, thumbnail: bool = False) -> str:
    name = evidence.thumbnail.name if thumbnail else evidence.file.name
    return CONTENT_TYPES.get(os.path.splitext(name)[1].lower(), "application/octet-stream")
