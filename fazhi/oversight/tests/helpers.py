import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from fazhi.oversight.models import AccountabilityRecord, ChecklistTemplate, Finding, Inspection


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def builtin() -> ChecklistTemplate:
    return ChecklistTemplate.objects.get(region__isnull=True)


def inspection(world, *, date=None, region=None, **fields) -> Inspection:
    i = Inspection.objects.create(region=region or world.dunhuang, title=fields.pop("title", "秋季联合检查"),
                                  date=date or days(-20), agencies=["committee", "education", "court"],
                                  template=fields.pop("template", None) or builtin(), **fields)
    return i


def finding(insp, **fields) -> Finding:
    fields.setdefault("severity", "minor")
    fields.setdefault("description", "班级公示牌未张贴")
    fields.setdefault("requirement", "一周内张贴")
    fields.setdefault("deadline", insp.date + datetime.timedelta(days=7))
    return Finding.objects.create(inspection=insp, **fields)


def record(world, **fields) -> AccountabilityRecord:
    fields.setdefault("measure", "talk")
    fields.setdefault("date", days(-1))
    fields.setdefault("reason", "履职不到位")
    target = fields.get("unit") or fields["officer"].unit
    return AccountabilityRecord.objects.create(region_id=target.region_id, **fields)


def jpeg(name="IMG_0001.jpg", gps=True) -> SimpleUploadedFile:
    image = Image.new("RGB", (1200, 900), (90, 120, 160))
    out = io.BytesIO()
    exif = Image.Exif()
    if gps:
        exif[0x010F] = "SecretCam"
        gps_ifd = exif.get_ifd(0x8825)
        gps_ifd[1] = "N"
        gps_ifd[2] = (40.0, 8.0, 30.0)
    image.save(out, "JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")
