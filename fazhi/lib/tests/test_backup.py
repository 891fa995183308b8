"""`manage.py backup` and `manage.py restore` (fazhi/lib/backup.py) on the engine the suite runs on: SQLite, or
PostgreSQL when DATABASE_URL names one (the restore then goes into a throw-away database made here).

The data are committed (transactional tests) so that pg_dump, which has its own connection, sees them.
"""

import base64
import io
import json
import os
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.utils import timezone
from PIL import Image

from fazhi.activities.models import Activity, Evidence, Kind
from fazhi.confidential.models import SpecialStudent, StaffConcern
from fazhi.lib import backup as backup_module
from fazhi.org.models import School
from fazhi.tips import receipts
from fazhi.tips.models import Tip, TipPhoto

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[3]
MARK = "SNAPSHOT-JSON:"
PLAN = "每周谈心一次，班主任跟进学习"
PG = connection.vendor == "postgresql"


def jpeg(color) -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", (120, 90), color).save(buf, "JPEG")
    buf.seek(0)
    buf.name = "p.jpg"
    return buf


@pytest.fixture
def data(client, world):
    """The world, with the court's officer holding a class, three tips (two with photos) reported through the
    public page, an activity with a photo and a file as evidence, two register entries (encrypted) and a file
    in the media cache (which is not backed up)."""
    from fazhi.assignments.models import Assignment, Pairing
    from fazhi.tips.tests.conftest import receipt_of, report

    year = world.klass.school_year
    pairing = Pairing.objects.create(unit=world.court, school=world.school, school_year=year)
    Assignment.objects.create(officer=world.officer, school=world.school, school_class=world.klass, school_year=year,
                              pairing=pairing, status=Assignment.Status.ACTIVE, load_slot=1,
                              starts_on=timezone.localdate())
    world.receipts = []
    for color, photos in (("red", 1), ("blue", 2), (None, 0)):
        extra = {"photos": [jpeg(color) for _ in range(photos)]} if photos else {}
        response = report(client, world.klass, description=f"有人在车棚打人 {color}", **extra)
        assert response.status_code == 200
        world.receipts.append(receipt_of(response))
    client.cookies.clear()
    activity = Activity.objects.create(kind=Kind.LECTURE, title="法治讲座", date=timezone.localdate(),
                                       school=world.school, officer=world.officer, students=45, topics=["bullying"])
    activity.classes.add(world.klass, world.klass2)
    photo = Evidence(activity=activity, type=Evidence.Type.PHOTO, original_name="现场.jpg")
    photo.file.save("e.jpg", ContentFile(jpeg("green").getvalue()), save=True)
    doc = Evidence(activity=activity, type=Evidence.Type.FILE, original_name="签到表.pdf")
    doc.file.save("sign.pdf", ContentFile(b"%PDF-1.4 sign-in sheet " + os.urandom(2000)), save=True)
    SpecialStudent.objects.create(school=world.school, school_class=world.klass, category="left_behind",
                                  reference="ZS-0701", responsible="班主任", plan=PLAN,
                                  next_review=timezone.localdate())
    StaffConcern.objects.create(school=world.school, category=StaffConcern.Category.choices[0][0],
                                reference="T-12", responsible="校长", measures="暂停带班，定期谈话",
                                next_review=timezone.localdate())
    cache = Path(settings.MEDIA_ROOT) / "cache" / "noticeboard-photos"
    cache.mkdir(parents=True)
    (cache / "x.png").write_bytes(b"cached")
    assert TipPhoto.objects.count() == 3
    return world


def snapshot(receipt_codes) -> dict:
    """What a restore must bring back: the row count of every model, a sample of records field by field (as
    loaded through the models, so encrypted fields are decrypted with this process's key) and the tips the
    receipt codes open."""
    counts = {m._meta.label: m._base_manager.count() for m in apps.get_models(include_auto_created=True)}
    sample = [*Tip.objects.order_by("pk"), *TipPhoto.objects.order_by("pk"), *School.objects.order_by("pk")[:2],
              *Activity.objects.order_by("pk")[:2], *Evidence.objects.order_by("pk"),
              *SpecialStudent.objects.order_by("pk"), *StaffConcern.objects.order_by("pk")]
    records = [{"model": obj._meta.label, **{f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}}
               for obj in sample]
    records = json.loads(json.dumps(records, default=str, ensure_ascii=False))  # dates, decimals, files as text
    opened = [Tip.objects.filter(receipt_hash=receipts.receipt_hash(code)).values_list("pk", flat=True).first()
              for code in receipt_codes]
    plans = [s.plan for s in SpecialStudent.objects.order_by("pk")]
    return {"counts": counts, "records": records, "opened": opened, "plans": plans}


def media(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def run_backup(path: Path) -> Path:
    out = io.StringIO()
    call_command("backup", output=path, stdout=out)
    assert "Backup written to" in out.getvalue()
    return path


# ---- a throw-away target database ----------------------------------------------------------------------

class Target:
    """An empty database to restore into: a new SQLite file, or a new PostgreSQL database (dropped after)."""

    def __init__(self, tmp_path: Path):
        # Named after the test database (test_<db>_restore_<n>) so that .ci/run's clean-up finds it after a kill.
        self.name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:10]}"[:63]
        if PG:
            cfg = connection.settings_dict
            with connection._nodb_cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{self.name}"')
            auth = quote(cfg["USER"] or "", safe="") + (":" + quote(cfg["PASSWORD"], safe="") if cfg["PASSWORD"] else "")
            self.url = f"postgres://{auth}@{cfg['HOST'] or 'localhost'}:{cfg['PORT'] or 5432}/{self.name}"
        else:
            self.url = f"sqlite:///{tmp_path / (self.name + '.sqlite3')}"
        self.media = tmp_path / "restored-media"
        self.env = {**os.environ, "DATABASE_URL": self.url, "MEDIA_ROOT": str(self.media),
                    "FAZHI_VAR_DIR": str(tmp_path / "restored-var"), "DJANGO_SETTINGS_MODULE": "fazhi.settings",
                    "SECRET_KEY": settings.SECRET_KEY, "FIELD_ENCRYPTION_KEY": settings.FIELD_ENCRYPTION_KEY,
                    "TIP_RECEIPT_KEY": settings.TIP_RECEIPT_KEY}

    def manage(self, *args) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=120, check=False)

    def snapshot(self, receipt_codes) -> dict:
        code = (f"import json, sys; sys.path.insert(0, {str(ROOT)!r}); import django; django.setup(); "
                f"from fazhi.lib.tests.test_backup import snapshot; "
                f"print({MARK!r} + json.dumps(snapshot({list(receipt_codes)!r}), ensure_ascii=False))")
        proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=self.env, capture_output=True, text=True,
                              timeout=120, check=True)
        line = next(x for x in proc.stdout.splitlines() if x.startswith(MARK))
        return json.loads(line[len(MARK):])

    def drop(self):
        if PG:
            with connection._nodb_cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture
def target(tmp_path):
    t = Target(tmp_path)
    yield t
    t.drop()


# ---- the tests ------------------------------------------------------------------------------------------

def test_a_backup_restores_into_an_empty_database_with_every_row_and_file(data, target, tmp_path):
    archive = run_backup(tmp_path / "nightly.tar.gz")
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["engine"] == connection.vendor and manifest["format"] == 1
    assert ["tips", "0001_initial"] in manifest["migrations"]
    assert manifest["row_counts"]["tips_tip"] == 3 and manifest["row_counts"]["tips_tipphoto"] == 3
    assert manifest["row_counts"]["activities_activity_classes"] == 2
    assert sorted(manifest["sha256"]) == sorted(n for n in names if n != "manifest.json")
    assert not any(n.startswith("media/cache/") for n in names)  # rebuilt on demand, not backed up
    source = snapshot(data.receipts)
    source_media = {k: v for k, v in media(Path(settings.MEDIA_ROOT)).items() if not k.startswith("cache/")}
    assert len(source_media) == 5  # three tip photos, an evidence photo and a file

    proc = target.manage("restore", str(archive))
    assert proc.returncode == 0, proc.stderr
    assert "(counts checked)" in proc.stdout and "5 media files" in proc.stdout

    restored = target.snapshot(data.receipts)
    assert restored["counts"] == source["counts"]
    assert restored["counts"]["tips.Tip"] == 3 and restored["counts"]["accounts.User"] == 10
    assert restored["records"] == source["records"]  # field by field, encrypted fields decrypted
    assert restored["plans"] == [PLAN]
    assert restored["opened"] == source["opened"] and None not in restored["opened"]  # receipts still open tips
    assert media(target.media) == source_media  # byte for byte

    again = target.manage("restore", str(archive))  # now the database holds rows
    assert again.returncode != 0 and "is not empty" in again.stderr and "--force" in again.stderr


def repack(src: Path, dst: Path, change, add=None) -> Path:
    """A copy of the archive with `change(name, data) -> (name, data) | None` applied to every member, and the
    members of `add` appended."""
    with tarfile.open(src) as tin, tarfile.open(dst, "w:gz") as tout:
        members = [change(m.name, tin.extractfile(m).read()) for m in tin]
        for name, body in [m for m in members if m is not None] + list((add or {}).items()):
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tout.addfile(info, io.BytesIO(body))
    return dst


def test_a_damaged_tampered_or_foreign_archive_is_refused_and_nothing_changes(data, tmp_path):
    archive = run_backup(tmp_path / "b.tar.gz")
    School.objects.create(region=data.dunhuang, name="备份之后新建的学校", stage=School.Stage.PRIMARY)
    media_before = media(Path(settings.MEDIA_ROOT))
    rows_before = backup_module.existing_rows()
    other = "sqlite" if PG else "postgresql"

    def flip_photo(name, body):
        return (name, body[:-3] + bytes([body[-3] ^ 1]) + body[-2:]) if name.startswith("media/tips/") else (name, body)

    def foreign_engine(name, body):
        if name == "manifest.json":
            m = json.loads(body)
            m["engine"] = other
            m["sha256"][backup_module.DB_MEMBER[other]] = m["sha256"].pop(backup_module.DB_MEMBER[connection.vendor])
            return name, json.dumps(m).encode()
        return (backup_module.DB_MEMBER[other] if name.startswith("database.") else name), body

    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    cases = {
        "does not match its manifest (checksum differs: media/tips/":
            repack(archive, tmp_path / "flipped.tar.gz", flip_photo),
        "does not match its manifest (not in the manifest: media/extra.txt":
            repack(archive, tmp_path / "extra.tar.gz", lambda n, b: (n, b), add={"media/extra.txt": b"extra"}),
        "damaged or truncated": truncated,
        f"is a {other} backup but the configured database is {connection.vendor}":
            repack(archive, tmp_path / "foreign.tar.gz", foreign_engine),
        "no manifest of format 1": repack(archive, tmp_path / "nomanifest.tar.gz",
                                          lambda n, b: None if n == "manifest.json" else (n, b)),
        "missing: media/": repack(archive, tmp_path / "dropped.tar.gz",
                                  lambda n, b: None if n.endswith(".pdf") else (n, b)),
    }
    for expected, path in cases.items():
        with pytest.raises(CommandError) as exc:
            call_command("restore", str(path), force=True, stdout=io.StringIO())
        assert expected in str(exc.value), (path.name, str(exc.value))
        assert backup_module.existing_rows() == rows_before, path.name
        assert media(Path(settings.MEDIA_ROOT)) == media_before, path.name
    assert School.objects.filter(name="备份之后新建的学校").exists()


def test_restoring_over_a_database_with_rows_needs_force(data, tmp_path):
    archive = run_backup(tmp_path / "b.tar.gz")
    School.objects.create(region=data.dunhuang, name="备份之后新建的学校", stage=School.Stage.PRIMARY)
    lost = Path(Evidence.objects.get(type=Evidence.Type.FILE).file.path)
    original = lost.read_bytes()
    lost.unlink()

    with pytest.raises(CommandError, match="is not empty .* run again with --force"):
        call_command("restore", str(archive), stdout=io.StringIO())
    assert School.objects.filter(name="备份之后新建的学校").exists() and not lost.exists()

    out = io.StringIO()
    call_command("restore", str(archive), force=True, stdout=out)
    assert "(counts checked)" in out.getvalue()
    assert not School.objects.filter(name="备份之后新建的学校").exists()  # back to the state of the backup
    assert lost.read_bytes() == original
    assert SpecialStudent.objects.get().plan == PLAN


def test_the_archive_holds_no_key(settings, world, tmp_path):
    settings.SECRET_KEY = "backup-test-secret-" + uuid.uuid4().hex
    raw_key = os.urandom(32)
    settings.FIELD_ENCRYPTION_KEY = base64.b64encode(raw_key).decode()
    settings.TIP_RECEIPT_KEY = "receipt-key-" + uuid.uuid4().hex
    SpecialStudent.objects.create(school=world.school, category="left_behind", reference="ZS-0702",
                                  responsible="班主任", plan=PLAN, next_review=timezone.localdate())
    archive = run_backup(tmp_path / "b.tar.gz")

    with tarfile.open(archive) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar}
    if PG:  # the custom format compresses table data: read it as plain SQL
        dump = tmp_path / "database.dump"
        dump.write_bytes(members["database.dump"])
        members["database.sql"] = subprocess.run(["pg_restore", "--file=-", str(dump)], capture_output=True,
                                                 check=True).stdout
    everything = b"\n".join(members.values())
    assert "敦煌市第二中学".encode() in everything  # the search does see the data…
    assert b"ZS-0702" not in everything and PLAN.encode() not in everything  # …registers encrypted…
    needles = [settings.SECRET_KEY.encode(), settings.FIELD_ENCRYPTION_KEY.encode(), raw_key, raw_key.hex().encode(),
               base64.urlsafe_b64encode(raw_key), settings.TIP_RECEIPT_KEY.encode()]
    for needle in needles:  # …and no key is in it
        assert needle not in everything


def test_a_failed_backup_leaves_no_half_archive(world, tmp_path, monkeypatch):
    out_dir = tmp_path / "backups"
    out_dir.mkdir()

    def disk_full(self, tarinfo, fileobj=None):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(tarfile.TarFile, "addfile", disk_full)
        with pytest.raises(CommandError, match="Could not write the backup .*No space left on device"):
            call_command("backup", output=out_dir / "b.tar.gz", stdout=io.StringIO())
    assert list(out_dir.iterdir()) == []
    blocked = tmp_path / "a-file"
    blocked.write_text("x")
    with pytest.raises(CommandError, match="Could not write the backup"):
        call_command("backup", output=blocked / "b.tar.gz", stdout=io.StringIO())
    run_backup(out_dir / "b.tar.gz")
    assert [p.name for p in out_dir.iterdir()] == ["b.tar.gz"]


def test_the_default_archive_name_is_dated_under_var_backups(settings, world, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    out = io.StringIO()
    call_command("backup", stdout=out)
    [path] = (tmp_path / "var" / "backups").iterdir()
    assert path.name.startswith("fazhi-backup-") and path.name.endswith(".tar.gz") and str(path) in out.getvalue()


@pytest.mark.skipif(not PG, reason="pg_dump is only used on PostgreSQL")
def test_a_missing_pg_dump_names_the_package_to_install(world, tmp_path, monkeypatch):
    monkeypatch.setattr(backup_module.shutil, "which", lambda name: None)
    major = connection.pg_version // 10000
    with pytest.raises(CommandError, match=f"pg_dump was not found.*apt install postgresql-client-{major}"):
        call_command("backup", output=tmp_path / "b.tar.gz", stdout=io.StringIO())
    assert not any(tmp_path.iterdir())


@pytest.mark.skipif(not PG, reason="SQLite restores replace the whole file, later tables included")
def test_a_database_migrated_past_the_backup_is_refused_even_with_force(data, tmp_path):
    """pg_restore --clean only replaces what the dump holds: over a database with later migrations their tables
    would keep their rows while django_migrations went back. A backup made one tips migration earlier (its
    manifest without that migration) is refused before anything changes."""
    archive = run_backup(tmp_path / "b.tar.gz")
    School.objects.create(region=data.dunhuang, name="备份之后新建的学校", stage=School.Stage.PRIMARY)
    with tarfile.open(archive) as tar:
        latest = max(name for app, name in json.load(tar.extractfile("manifest.json"))["migrations"] if app == "tips")

    def older(name, body):
        if name == "manifest.json":
            m = json.loads(body)
            m["migrations"] = [x for x in m["migrations"] if x != ["tips", latest]]
            return name, json.dumps(m).encode()
        return name, body

    earlier = repack(archive, tmp_path / "earlier.tar.gz", older)
    media_before, rows_before = media(Path(settings.MEDIA_ROOT)), backup_module.existing_rows()
    with pytest.raises(CommandError, match=rf"1 migrations the backup had not applied \(tips\.{latest}\).*"
                                           r"Restore into an empty database or one at the backup's migration state"):
        call_command("restore", str(earlier), force=True, stdout=io.StringIO())
    assert backup_module.existing_rows() == rows_before
    assert media(Path(settings.MEDIA_ROOT)) == media_before
    assert School.objects.filter(name="备份之后新建的学校").exists()
    out = io.StringIO()
    call_command("restore", str(archive), force=True, stdout=out)  # the same state: restored
    assert "(counts checked)" in out.getvalue()
    assert not School.objects.filter(name="备份之后新建的学校").exists()


HOSTILE = {
    "parent": ("../escape.txt", tarfile.REGTYPE, ""),
    "parent-inside-media": ("media/../../escape.txt", tarfile.REGTYPE, ""),
    "absolute": ("{tmp}/absolute.txt", tarfile.REGTYPE, ""),
    "dot-slash": ("./media/x.txt", tarfile.REGTYPE, ""),
    "double-slash": ("media//x.txt", tarfile.REGTYPE, ""),
    "backslash": ("media\\..\\..\\escape.txt", tarfile.REGTYPE, ""),
    "empty": ("", tarfile.REGTYPE, ""),
    "symlink": ("media/link.txt", tarfile.SYMTYPE, "../../escape.txt"),
    "hardlink": ("media/hard.txt", tarfile.LNKTYPE, "/etc/passwd"),
    "directory": ("media/dir", tarfile.DIRTYPE, ""),
}


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): (p.read_bytes() if not p.is_symlink() else b"->" + bytes(p.readlink()))
            for p in sorted(root.rglob("*")) if p.is_file() or p.is_symlink()}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_an_archive_member_that_could_escape_is_refused(case, world, tmp_path):
    """A member with a path that leaves (or could be read as leaving) the work folder, or that is not a plain
    file, stops the restore: nothing is written outside the work folder, the database and media are unchanged."""
    evidence = Path(settings.MEDIA_ROOT) / "evidence" / "e.txt"
    evidence.parent.mkdir(parents=True)
    evidence.write_bytes(b"kept")
    archive = run_backup(tmp_path / "b.tar.gz")
    name, kind, linkname = HOSTILE[case]
    name = name.replace("{tmp}", str(tmp_path))
    hostile = tmp_path / "hostile.tar.gz"
    with tarfile.open(archive) as tin, tarfile.open(hostile, "w:gz") as tout:
        for member in tin:  # every genuine member first, so the refusal comes after files were unpacked
            tout.addfile(member, tin.extractfile(member))
        info = tarfile.TarInfo(name)
        info.type, info.linkname = kind, linkname
        body = b"written outside" if kind == tarfile.REGTYPE else b""
        info.size = len(body)
        tout.addfile(info, io.BytesIO(body) if body else None)
    School.objects.create(region=world.dunhuang, name="备份之后新建的学校", stage=School.Stage.PRIMARY)
    before, rows_before = files_under(tmp_path), backup_module.existing_rows()

    with pytest.raises(CommandError, match="unexpected member"):
        call_command("restore", str(hostile), force=True, stdout=io.StringIO())
    assert files_under(tmp_path) == before  # no escape.txt, absolute.txt or link anywhere; work folder removed
    assert not any(p.name.startswith(".fazhi-restore-") for p in tmp_path.iterdir())
    assert backup_module.existing_rows() == rows_before
    assert School.objects.filter(name="备份之后新建的学校").exists()


def test_pg_tools_keep_the_inherited_environment_and_follow_a_service_configuration(monkeypatch):
    """pg_dump/pg_restore see what psycopg sees: PGPASSFILE, PGSSL*… from the environment stay, the settings
    override what they define, and a service-based configuration (no NAME) connects through the service."""
    conn = connections["default"]
    monkeypatch.setenv("PGPASSFILE", "/etc/fazhi/pgpass")
    monkeypatch.setenv("PGSSLMODE", "verify-full")
    monkeypatch.setenv("PGSERVICE", "inherited")
    monkeypatch.setenv("PGHOST", "db.inherited")
    monkeypatch.setattr(conn, "settings_dict", {"NAME": "", "USER": "", "PASSWORD": "s3cret", "HOST": "",
                                                "PORT": "", "OPTIONS": {"service": "fazhi prod"}})
    env = backup_module._pg_env("default")
    assert env["PGPASSFILE"] == "/etc/fazhi/pgpass" and env["PGSSLMODE"] == "verify-full"
    assert env["PGHOST"] == "db.inherited" and env["PATH"] == os.environ["PATH"]
    assert env["PGSERVICE"] == "fazhi prod" and env["PGPASSWORD"] == "s3cret"
    assert backup_module._pg_dbname("default") == "service='fazhi prod'"

    monkeypatch.setattr(conn, "settings_dict", {"NAME": "fazhi", "USER": "fazhi", "PASSWORD": "", "HOST": "db1",
                                                "PORT": 5433, "OPTIONS": {"sslmode": "require"}})
    env = backup_module._pg_env("default")
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGDATABASE"]) == ("db1", "5433", "fazhi", "fazhi")
    assert env["PGSSLMODE"] == "require" and env["PGPASSFILE"] == "/etc/fazhi/pgpass"
    assert backup_module._pg_dbname("default") == "fazhi"

    monkeypatch.setattr(conn, "settings_dict", {"NAME": None, "USER": "", "PASSWORD": "", "HOST": "", "PORT": "",
                                                "OPTIONS": {}})
    assert backup_module._pg_dbname("default") == "postgres"  # as Django's own connection with NAME None
