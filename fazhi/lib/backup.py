"""Backups and restores of a whole installation: `manage.py backup` and `manage.py restore` (docs/deploy.md).

One archive (tar.gz) holds

* `database.dump` (PostgreSQL: `pg_dump --format=custom`) or `database.sqlite3` (SQLite: the online backup
  API, safe while the server runs), a consistent snapshot;
* `media/...`: every uploaded file under MEDIA_ROOT except `cache/` (rebuilt on demand);
* `manifest.json`: format version, creation time, engine, the applied migrations, the row count of every
  table in that snapshot and the SHA-256 of every other member.

It holds no key: not SECRET_KEY, FIELD_ENCRYPTION_KEY or TIP_RECEIPT_KEY (they are not in the database or
under MEDIA_ROOT). Those are kept apart; without them a restored database's confidential registers cannot be
decrypted and receipt codes no longer open their reports.

A restore verifies the whole archive before it changes anything, refuses a database that holds rows unless
forced (and, on PostgreSQL, one migrated past the backup), restores the database (PostgreSQL: `pg_restore
--clean --if-exists --no-owner --single-transaction`; SQLite: the backup API into the configured file), then
the media files, and checks the row counts.
"""

import datetime
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from psycopg.conninfo import make_conninfo

FORMAT = 1
MANIFEST = "manifest.json"
DB_MEMBER = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
MEDIA_PREFIX = "media/"
MEDIA_SKIP = ("cache",)  # top-level folders under MEDIA_ROOT that are rebuilt on demand
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class Summary:
    path: Path
    engine: str
    tables: int
    rows: int
    media_files: int
    media_bytes: int
    size: int = 0
    created_at: str = ""
    warnings: list[str] = field(default_factory=list)


# ---- helpers ---------------------------------------------------------------------------------------------

def _vendor(alias: str) -> str:
    vendor = connections[alias].vendor
    if vendor not in DB_MEMBER:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    return vendor


def model_tables() -> list[str]:
    """Every table of an installed model (many-to-many tables included), sorted."""
    tables = {m._meta.db_table for m in apps.get_models(include_auto_created=True)
              if m._meta.managed and not m._meta.proxy}
    return sorted(tables)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _count_tables(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 — our own model tables, quoted  # nosec B608
        counts[table] = cursor.fetchone()[0]
    return counts


def _applied_migrations(cursor) -> list[list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [list(row) for row in cursor.fetchall()]


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


class _HashingReader(io.RawIOBase):
    """Reads a file for tarfile.addfile and hashes exactly the bytes that went into the archive."""

    def __init__(self, fh):
        self.fh, self.digest = fh, hashlib.sha256()

    def readable(self):
        return True

    def read(self, size=-1):
        data = self.fh.read(size)
        self.digest.update(data)
        return data


def media_files(root: Path) -> list[tuple[str, Path]]:
    """(archive name, path) of every regular file under MEDIA_ROOT, minus the caches; symlinks are skipped."""
    out = []
    if not root.is_dir():
        return out
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root)
        if rel_dir == Path("."):
            dirnames[:] = [d for d in dirnames if d not in MEDIA_SKIP]
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_symlink() or not path.is_file():
                continue
            out.append((MEDIA_PREFIX + (rel_dir / name).as_posix().removeprefix("./"), path))
    return out


# ---- PostgreSQL tools --------------------------------------------------------------------------------------

def _pg_env(alias: str) -> dict[str, str]:
    """The environment for pg_dump/pg_restore: the inherited one (PGPASSFILE, PGSERVICE, PGSSL*… as psycopg
    honours them) with what settings.DATABASES[alias] defines on top, as libpq variables (the password never
    on a command line, where `ps` would show it). The same mapping as Django's `dbshell`."""
    cfg = connections[alias].settings_dict
    options = cfg.get("OPTIONS") or {}
    env = dict(os.environ)
    pairs = {"PGHOST": cfg.get("HOST"), "PGPORT": cfg.get("PORT"), "PGUSER": cfg.get("USER"),
             "PGPASSWORD": cfg.get("PASSWORD"), "PGDATABASE": cfg.get("NAME"),
             "PGSERVICE": options.get("service"), "PGPASSFILE": options.get("passfile"),
             "PGSSLMODE": options.get("sslmode"), "PGSSLROOTCERT": options.get("sslrootcert"),
             "PGSSLCERT": options.get("sslcert"), "PGSSLKEY": options.get("sslkey"),
             "PGCONNECT_TIMEOUT": options.get("connect_timeout")}
    env.update({k: str(v) for k, v in pairs.items() if v not in (None, "")})
    return env


def _pg_dbname(alias: str) -> str:
    """The --dbname of pg_restore: NAME, else the connection service (OPTIONS["service"], a service-based
    configuration with an empty NAME), else the `postgres` database, as Django's own connection does."""
    cfg = connections[alias].settings_dict
    service = (cfg.get("OPTIONS") or {}).get("service")
    if cfg.get("NAME"):
        return str(cfg["NAME"])
    if service:
        return make_conninfo(service=str(service))
    return "postgres"


def _pg_tool(name: str, alias: str) -> str:
    """The path of pg_dump/pg_restore, checked to be at least the server's major version."""
    server_major = connections[alias].pg_version // 10000
    package = f"postgresql-client-{server_major}"
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} was not found on PATH. Install the PostgreSQL client tools of the server's "
                          f"major version ({server_major}): on Debian/Ubuntu `apt install {package}`.")
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout  # noqa: S603
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    if match is None or int(match.group(1)) < server_major:
        raise BackupError(f"{path} is version {match.group(1) if match else '?'}, older than the server "
                          f"({server_major}); install {package}.")
    return path


def _run(cmd: list[str], env: dict[str, str], what: str) -> None:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if proc.returncode != 0:
        raise BackupError(f"{what} failed (exit {proc.returncode}): {proc.stderr.strip()[-2000:]}")


# ---- backup --------------------------------------------------------------------------------------------

def default_path() -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return Path(settings.VAR_DIR) / "backups" / f"fazhi-backup-{stamp}.tar.gz"


def _dump_postgresql(alias: str, target: Path, tables: list[str]) -> tuple[dict[str, int], list]:
    """pg_dump in the same snapshot as the row counts: a repeatable-read transaction exports its snapshot and
    stays open while pg_dump runs with --snapshot."""
    pg_dump = _pg_tool("pg_dump", alias)
    conn = connections[alias]
    raw = conn.get_new_connection(conn.get_connection_params())
    try:
        raw.autocommit = False
        with raw.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            present = {row[0] for row in cursor.fetchall()}  # a model whose migration is not applied yet has none
            counts = _count_tables(cursor, [t for t in tables if t in present])
            migrations = _applied_migrations(cursor)
            _run([pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                  "--file", str(target), "--dbname", _pg_dbname(alias)], _pg_env(alias), "pg_dump")
        raw.rollback()
    finally:
        raw.close()
    return counts, migrations


def _dump_sqlite(alias: str, target: Path, tables: list[str]) -> tuple[dict[str, int], list]:
    """The online backup API (a consistent copy while other connections write); counts read from the copy."""
    conn = connections[alias]
    conn.ensure_connection()
    dest = sqlite3.connect(target)
    try:
        conn.connection.backup(dest)
        cursor = dest.cursor()
        cursor.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        present = {row[0] for row in cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        counts = _count_tables(cursor, [t for t in tables if t in present])
        migrations = _applied_migrations(cursor)
        cursor.close()
    finally:
        dest.close()
    return counts, migrations


def backup(output: Path | None = None, alias: str = "default") -> Summary:
    vendor = _vendor(alias)
    output = Path(output) if output else default_path()
    media_root = Path(settings.MEDIA_ROOT)
    tables = model_tables()
    partial = None
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        # the dump is written beside the archive (same disk, usually bigger than /tmp)
        with tempfile.TemporaryDirectory(prefix=".fazhi-backup-", dir=output.parent) as work:
            db_path = Path(work) / DB_MEMBER[vendor]
            dump = _dump_postgresql if vendor == "postgresql" else _dump_sqlite
            counts, migrations = dump(alias, db_path, tables)
            checksums = {DB_MEMBER[vendor]: _sha256_file(db_path)}
            fd, partial_name = tempfile.mkstemp(prefix=output.name + ".", suffix=".partial", dir=output.parent)
            partial = Path(partial_name)
            media_count = media_bytes = 0
            with os.fdopen(fd, "wb") as raw:
                with tarfile.open(fileobj=raw, mode="w:gz") as tar:
                    tar.add(db_path, arcname=DB_MEMBER[vendor], recursive=False)
                    for arcname, path in media_files(media_root):
                        try:
                            with open(path, "rb") as fh:
                                info = tar.gettarinfo(fileobj=fh, arcname=arcname)
                                reader = _HashingReader(fh)
                                tar.addfile(info, reader)
                        except FileNotFoundError:
                            continue  # removed while we were copying: its row is gone from the snapshot too, or soon
                        checksums[arcname] = reader.digest.hexdigest()
                        media_count += 1
                        media_bytes += info.size
                    manifest = {
                        "format": FORMAT,
                        "created_at": timezone.now().isoformat(),
                        "engine": vendor,
                        "migrations": migrations,
                        "row_counts": counts,
                        "media_files": media_count,
                        "media_bytes": media_bytes,
                        "sha256": checksums,
                    }
                    data = json.dumps(manifest, indent=1, sort_keys=True).encode()
                    info = tarfile.TarInfo(MANIFEST)
                    info.size, info.mtime, info.mode = len(data), int(timezone.now().timestamp()), 0o644
                    tar.addfile(info, io.BytesIO(data))
                raw.flush()
                os.fsync(raw.fileno())  # on disk before the rename makes it the backup
            os.replace(partial, output)
            partial = None
    except OSError as exc:
        raise BackupError(f"Could not write the backup {output}: {exc}") from exc
    finally:
        if partial is not None:
            partial.unlink(missing_ok=True)
    return Summary(path=output, engine=vendor, tables=len(counts), rows=sum(counts.values()),
                   media_files=media_count, media_bytes=media_bytes, size=output.stat().st_size)


# ---- restore --------------------------------------------------------------------------------------------

def _safe_member_name(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and "\\" not in name and name == path.as_posix()


def verify(path: Path, work: Path) -> dict:
    """Read the whole archive, check every member against the manifest and extract it under `work`.
    Returns the manifest; BackupError on anything out of place (nothing outside `work` is touched)."""
    try:
        tar = tarfile.open(path, mode="r:gz")
    except (OSError, tarfile.TarError, EOFError) as exc:
        raise BackupError(f"{path} is not a readable fazhi backup: {exc}") from exc
    seen, manifest = {}, None
    try:
        with tar:
            for member in tar:
                if not member.isfile() or not _safe_member_name(member.name):
                    raise BackupError(f"{path}: unexpected member {member.name!r}; not a fazhi backup.")
                if member.name in seen or member.name == MANIFEST and manifest is not None:
                    raise BackupError(f"{path}: member {member.name!r} appears twice.")
                fh = tar.extractfile(member)
                if member.name == MANIFEST:
                    try:
                        manifest = json.loads(fh.read(10 * CHUNK))
                    except ValueError as exc:
                        raise BackupError(f"{path}: the manifest is damaged.") from exc
                    continue
                target = work / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                with open(target, "wb") as out:
                    for chunk in iter(lambda fh=fh: fh.read(CHUNK), b""):
                        digest.update(chunk)
                        out.write(chunk)
                seen[member.name] = digest.hexdigest()
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise BackupError(f"{path} is damaged or truncated: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: no manifest of format {FORMAT}; not a fazhi backup (or from a newer version).")
    expected = manifest.get("sha256") or {}
    engine = manifest.get("engine")
    if engine not in DB_MEMBER or DB_MEMBER[engine] not in expected:
        raise BackupError(f"{path}: the manifest names no database dump.")
    missing = sorted(set(expected) - set(seen))
    extra = sorted(set(seen) - set(expected))
    changed = sorted(name for name in expected if name in seen and seen[name] != expected[name])
    if missing or extra or changed:
        details = "; ".join(f"{what}: {', '.join(names[:5])}" for what, names in
                            (("missing", missing), ("not in the manifest", extra), ("checksum differs", changed))
                            if names)
        raise BackupError(f"{path} does not match its manifest ({details}). Nothing was restored.")
    return manifest


def existing_rows(alias: str = "default") -> dict[str, int]:
    """Rows per model table in the configured database (only tables that exist)."""
    conn = connections[alias]
    with conn.cursor() as cursor:
        present = set(conn.introspection.table_names(cursor))
        return {t: n for t, n in _count_tables(cursor, [t for t in model_tables() if t in present]).items() if n}


def _restore_postgresql(alias: str, dump: Path) -> None:
    pg_restore = _pg_tool("pg_restore", alias)
    connections[alias].close()
    _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
          "--exit-on-error", "--dbname", _pg_dbname(alias), str(dump)],
         _pg_env(alias), "pg_restore")


def _restore_sqlite(alias: str, dump: Path) -> None:
    conn = connections[alias]
    conn.ensure_connection()
    src = sqlite3.connect(dump)
    try:
        src.backup(conn.connection)
    finally:
        src.close()
    conn.close()


def restore(path: Path, force: bool = False, alias: str = "default") -> Summary:
    vendor = _vendor(alias)
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such file.")
    media_root = Path(settings.MEDIA_ROOT)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    # unpacked beside MEDIA_ROOT (same disk, usually bigger than /tmp), so the files are moved, not copied
    with tempfile.TemporaryDirectory(prefix=".fazhi-restore-", dir=media_root.parent) as tmp:
        work = Path(tmp)
        manifest = verify(path, work)
        if manifest["engine"] != vendor:
            raise BackupError(f"{path} is a {manifest['engine']} backup but the configured database is {vendor}; "
                              f"restore it into a {manifest['engine']} database (DATABASE_URL).")
        known = {(app, name) for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations}
        applied = {tuple(m) for m in manifest.get("migrations", [])}
        unknown = sorted(applied - known)
        if unknown:
            raise BackupError(f"{path} was made by a newer version of fazhi (migrations this code does not have: "
                              f"{', '.join(f'{a}.{n}' for a, n in unknown[:5])}); update the code first.")
        if vendor == "sqlite" and not connections[alias].is_in_memory_db():
            Path(connections[alias].settings_dict["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        if vendor == "postgresql":
            # pg_restore --clean drops and recreates only what the dump holds: the tables of later migrations
            # would keep their rows while django_migrations went back to the backup's state
            ahead = sorted(set(MigrationRecorder(connections[alias]).applied_migrations()) - applied)
            if ahead:
                raise BackupError(
                    f"The database {connections[alias].settings_dict['NAME']} has {len(ahead)} migrations the backup "
                    f"had not applied ({', '.join(f'{a}.{n}' for a, n in ahead[:5])}); a restore would leave "
                    f"their tables and rows behind. Restore into an empty database or one at the backup's "
                    f"migration state. Nothing was restored.")
        rows = existing_rows(alias)
        if rows and not force:
            raise BackupError(f"The database {connections[alias].settings_dict['NAME']} is not empty "
                              f"({sum(rows.values())} rows in {len(rows)} tables). A restore replaces its "
                              f"contents: run again with --force if that is what you want.")
        dump = work / DB_MEMBER[vendor]
        (_restore_postgresql if vendor == "postgresql" else _restore_sqlite)(alias, dump)
        media = sorted(p for p in work.rglob("*") if p.is_file() and p.relative_to(work).as_posix()
                       .startswith(MEDIA_PREFIX))
        media_bytes = 0
        try:
            for src in media:
                target = media_root / src.relative_to(work / MEDIA_PREFIX.rstrip("/"))
                target.parent.mkdir(parents=True, exist_ok=True)
                media_bytes += src.stat().st_size
                shutil.move(src, target)
        except OSError as exc:
            raise BackupError(f"The database was restored but copying the media files into {media_root} "
                              f"failed: {exc}. Free space or fix permissions and run the restore again "
                              f"with --force.") from exc
    counts = {t: n for t, n in manifest["row_counts"].items()}
    with connections[alias].cursor() as cursor:
        present = set(connections[alias].introspection.table_names(cursor))
        actual = _count_tables(cursor, [t for t in counts if t in present])
    wrong = sorted(t for t, n in counts.items() if actual.get(t) != n)
    if wrong:
        raise BackupError("Restored, but row counts differ from the manifest in: "
                          + ", ".join(f"{t} ({actual.get(t)} != {counts[t]})" for t in wrong[:10]))
    summary = Summary(path=path, engine=vendor, tables=len(counts), rows=sum(counts.values()),
                      media_files=len(media), media_bytes=media_bytes, size=path.stat().st_size)
    missing_here = known - applied
    if missing_here:
        summary.warnings.append(f"The code has {len(missing_here)} migrations the backup had not applied: "
                                f"run `manage.py migrate`.")
    summary.created_at = manifest.get("created_at") or ""
    return summary


def created_at_text(value: str | None) -> str:
    if not value:
        return "?"
    try:
        return timezone.localtime(datetime.datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M:%S %Z")
    except ValueError:
        return value
