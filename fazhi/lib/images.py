"""Photos uploaded by staff, kept without their metadata."""

import contextlib
import io

from django.core.files.base import ContentFile

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


MAX_PIXELS = 60_000_000  # a 13000 x 13000 PNG can be under 1 MB on disk and 650 MB in memory
MAX_SIDE = 1600


@contextlib.contextmanager
def strict_decoding():
    """Decode uploads strictly: a truncated picture is an error. WeasyPrint switches Pillow's global
    LOAD_TRUNCATED_IMAGES on when it is imported (for printing), which would otherwise let half a photo through
    in any process that has printed something."""
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before


def without_metadata(upload, stem: str) -> ContentFile:
    """Re-save an uploaded photo with Pillow: EXIF (GPS position, camera, time) and other metadata are dropped,
    the picture is turned upright and scaled to at most 1600 px. The upload must already be known to be a JPEG,
    PNG or WebP image; a picture that cannot be decoded (truncated, too many pixels) is a ValidationError."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _
    from PIL import Image, ImageOps

    upload.seek(0)
    try:
        with strict_decoding(), Image.open(upload) as image:
            fmt = image.format
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(_("The photo has too many pixels; take it with a normal camera setting."))
            image = ImageOps.exif_transpose(image)
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            if fmt == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            out = io.BytesIO()
            options = {"quality": 88} if fmt in ("JPEG", "WEBP") else {}
            image.save(out, fmt, **options)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("The photo is damaged or incomplete; take or choose it again.")) from None
    return ContentFile(out.getvalue(), name=f"{stem}.{EXTENSIONS[fmt]}")
