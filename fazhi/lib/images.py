"""Photos uploaded by staff, kept without their metadata."""

import io

from django.core.files.base import ContentFile

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def without_metadata(upload, stem: str) -> ContentFile:
    """Re-save an uploaded photo with Pillow: EXIF (GPS position, camera, time) and other metadata are dropped,
    the picture is turned upright first. The upload must already be known to be a JPEG, PNG or WebP image."""
    from PIL import Image, ImageOps

    upload.seek(0)
    with Image.open(upload) as image:
        fmt = image.format
        image = ImageOps.exif_transpose(image)
        if fmt == "JPEG" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        out = io.BytesIO()
        options = {"quality": 88} if fmt in ("JPEG", "WEBP") else {}
        image.save(out, fmt, **options)
    return ContentFile(out.getvalue(), name=f"{stem}.{EXTENSIONS[fmt]}")
