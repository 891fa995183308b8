"""Migrations on a copy of the province data set: how long each migration takes and how long it blocks the
reads and writes of the big tables while it runs (PostgreSQL).

    .venv/bin/python bench/bench_migrations.py                  # scale 0.1 (about 30 s to generate, once)
    .venv/bin/python bench/bench_migrations.py --scale 0.3 --steps 3

The data set lives in the throw-away PostgreSQL database `BENCH_MIGRATE_DATABASE_URL` (default
postgres://postgres@127.0.0.1:5432/fazhi_bench_migrate), created, migrated and filled with
`generate_province --scale` the first time and reused later (`BENCH_REBUILD=1` drops it first). It is not
the `fazhi_bench` database of bench_province.py: this benchmark rolls migrations back.

What it does:

1. for every fazhi app, rolls back up to --steps of its last migrations, stopping short of anything that
   would unapply an initial migration (its own or that of another app depending on it: that would drop
   tables and their data) or an irreversible one;
2. migrates forwards one migration at a time, in the order `migrate` would, while a probe connection (its
   own session, autocommit, `SET lock_timeout = '10s'`) loops over the big tables — activities, tips, survey
   responses, assignments, classes, schools — running a cheap read (a primary-key look-up) and a cheap write
   (a no-op UPDATE of one row) on each;
3. for each migration: its duration, and the longest probe statement on the tables it alters (the time the
   probe was blocked: the same statements take a millisecond or two when nothing holds a lock), set against
   the longest one on the other tables in the same window (what CPU contention alone costs on this machine).

Target: no migration blocks the probe for more than 1 s at the measured scale. The `full scale` column is
(blocked - others) / scale: an index build or a table rewrite grows with the table (a little more than
linearly for an index), a catalogue-only change (a nullable column, a dropped index, a choices change, a
data migration on small tables) does not, so it is an upper estimate for those.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bench_province as province
from bench_province import peak_mb

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fazhi_bench_migrate"
PROBE_TABLES = ["activities_activity", "tips_tip", "surveys_response", "assignments_assignment",
                "org_schoolclass", "org_school"]
LOCK_TIMEOUT_MS = 10_000
TARGET_BLOCKED_S = 1.0


def setup_django(url: str, scale: float) -> None:
    """The province copy: created, migrated (a copy left half-migrated by an interrupted run) and filled once,
    as bench_province.py does for its own."""
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench_migrations needs PostgreSQL (--database-url postgres://...)")
    province.setup_django(url, scale)


# ---- the probe ------------------------------------------------------------------------------------------

def probe_loop(url: str, stop_file: Path, out_file: Path) -> None:
    """The probe, in a process of its own (a thread would wait for the migrating process's GIL): a read and a
    write on each big table in turn until `stop_file` exists; writes (start, end, table, statement, error) of
    every statement, on the monotonic clock the parent shares, to `out_file` as JSON."""
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    conn = psycopg.connect(host=cfg["HOST"] or "127.0.0.1", port=cfg["PORT"] or 5432, user=cfg["USER"],
                           password=cfg["PASSWORD"] or None, dbname=cfg["NAME"], autocommit=True)
    rng = random.Random(7)  # noqa: S311 — picking rows, not secrets
    records = []
    with conn:
        conn.execute(f"SET lock_timeout = '{LOCK_TIMEOUT_MS}ms'")
        ids = {t: [r[0] for r in conn.execute(f"SELECT id FROM {t} ORDER BY id LIMIT 200")]  # noqa: S608 — our tables  # nosec B608
               for t in PROBE_TABLES}
        Path(str(stop_file) + ".ready").touch()
        while not stop_file.exists():
            for table in PROBE_TABLES:
                if not ids[table]:
                    continue
                pk = rng.choice(ids[table])
                for kind, sql in (("read", f"SELECT * FROM {table} WHERE id = %s"),  # noqa: S608 — our tables  # nosec B608
                                  ("write", f"UPDATE {table} SET id = id WHERE id = %s")):  # noqa: S608 — our tables  # nosec B608
                    error = ""
                    start = time.monotonic()
                    try:
                        conn.execute(sql, [pk])
                    except psycopg.Error as exc:  # a lock timeout is the finding
                        error = type(exc).__name__
                    records.append((start, time.monotonic(), table, kind, error))
            time.sleep(0.002)
    out_file.write_text(json.dumps(records))


class Probe:
    """Starts probe_loop in a child process and reads its records back."""

    def __init__(self, url: str, work: Path):
        self.stop_file, self.out_file = work / "stop", work / "records.json"
        code = (f"import sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); from pathlib import Path; "
                f"import bench_migrations as b; b.probe_loop({url!r}, Path({str(self.stop_file)!r}), "
                f"Path({str(self.out_file)!r}))")
        self.proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)  # noqa: S603 — our own module
        for _ in range(300):
            if Path(str(self.stop_file) + ".ready").exists() or self.proc.poll() is not None:
                break
            time.sleep(0.1)
        self.records = []

    def stop(self):
        self.stop_file.touch()
        self.proc.wait(timeout=LOCK_TIMEOUT_MS / 1000 + 30)
        self.records = [tuple(r) for r in json.loads(self.out_file.read_text())] if self.out_file.exists() else []

    def worst(self, start: float, end: float, tables=None, exclude=()) -> tuple[float, str]:
        """The longest probe statement on `tables` (default all but `exclude`) that overlapped [start, end]:
        (seconds, what)."""
        best = (0.0, "")
        for s, e, table, kind, error in self.records:
            if tables is not None and table not in tables or table in exclude:
                continue
            if e >= start and s <= end and e - s > best[0]:
                best = (e - s, f"{kind} {table}" + (f", {error}" if error else ""))
        return best


# ---- rolling back and forwards ----------------------------------------------------------------------------

def rollback_targets(steps: int) -> dict[str, str]:
    """{app: migration to go back to}: for every fazhi app, as far back as `steps` migrations when everything
    that unapplies (the app's later migrations and those of other apps that depend on them) is reversible and
    none of it is an initial migration (that would drop tables and their data)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    disk = executor.loader.disk_migrations
    targets = {}
    for app in sorted({a for a, _ in disk if a in local_apps()}):
        names = sorted(n for a, n in disk if a == app)
        for keep in names[max(0, len(names) - 1 - steps):-1]:
            undo = [m for m, backwards in executor.migration_plan([(app, keep)]) if backwards]
            if undo and all(not m.initial and not m.name.startswith("0001") and all(op.reversible for op in m.operations) for m in undo):
                targets[app] = keep
                break
    return targets


def local_apps() -> set[str]:
    from django.apps import apps

    return {c.label for c in apps.get_app_configs() if c.name.startswith("fazhi.")}


def touched_tables(migration) -> set[str]:
    """The tables of the models that the migration's schema operations name (RunPython touches its own
    small tables, not the probed ones)."""
    from django.apps import apps

    out = set()
    for op in migration.operations:
        name = getattr(op, "model_name", None) or getattr(op, "name", None)
        try:
            out.add(apps.get_model(migration.app_label, name)._meta.db_table)
        except (LookupError, TypeError, ValueError):
            continue
    return out


def forward_plan():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return [m for m, backwards in executor.migration_plan(executor.loader.graph.leaf_nodes()) if not backwards]


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_MIGRATE_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_MIGRATE_SCALE", "0.1")),
                        help="generate_province --scale when the database has to be filled (default 0.1)")
    parser.add_argument("--steps", type=int, default=3, help="migrations rolled back per app (default 3)")
    args = parser.parse_args(argv)
    setup_django(args.database_url, args.scale)
    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:
        sizes = {}
        for table in PROBE_TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 — our tables  # nosec B608
            sizes[table] = cursor.fetchone()[0]
    print("bench_migrations: " + ", ".join(f"{t} {n:,}" for t, n in sizes.items()), flush=True)
    targets = rollback_targets(args.steps)
    t = time.perf_counter()
    for app, name in targets.items():
        call_command("migrate", app, name, verbosity=0, interactive=False)
    back_seconds = time.perf_counter() - t
    plan = forward_plan()
    print(f"bench_migrations: rolled back {len(plan)} migrations in {back_seconds:.1f} s "
          f"({', '.join(f'{a} to {n}' for a, n in targets.items())}); forwards with the probe running", flush=True)

    with tempfile.TemporaryDirectory(prefix="bench-migrations-") as work:
        probe = Probe(args.database_url, Path(work))
        windows = []
        try:
            quiet = (time.monotonic(), time.monotonic() + 2.0)
            time.sleep(2.0)  # the probe's noise with nothing running
            for migration in plan:
                start = time.monotonic()
                call_command("migrate", migration.app_label, migration.name, verbosity=0, interactive=False)
                windows.append((migration, start, time.monotonic()))
                time.sleep(0.05)  # let a statement that was blocked finish
        finally:
            probe.stop()
    noise = probe.worst(*quiet)[0]
    rows = []
    for migration, start, end in windows:
        touched = touched_tables(migration) & set(PROBE_TABLES)
        blocked, what = probe.worst(start, end, tables=touched)
        elsewhere, _ = probe.worst(start, end, exclude=touched)  # the same window, tables it does not touch
        excess = max(0.0, blocked - elsewhere)
        rows.append({"step": f"{migration.app_label}.{migration.name}"[:26], "migration": str(migration),
                     "rows": 0, "seconds": round(end - start, 3), "rows_per_s": 0, "peak_mb": round(peak_mb(), 1),
                     "blocked_s": round(blocked, 3), "elsewhere_s": round(elsewhere, 3),
                     "full_scale_blocked_s": round(excess / args.scale, 2),
                     "outcome": f"longest probe statement on its tables {blocked * 1000:.0f} ms ({what or 'none probed'}),"
                                f" on the others {elsewhere * 1000:.0f} ms; the difference x{1 / args.scale:.0f} = "
                                f"{excess / args.scale:.2f} s at full scale"})
    statements = len(probe.records)
    errors = sum(1 for r in probe.records if r[4])
    rows.append({"step": "probe", "rows": statements, "seconds": round(noise, 4), "rows_per_s": 0,
                 "peak_mb": round(peak_mb(), 1), "errors": errors,
                 "outcome": f"{statements:,} probe statements, {errors} failed; longest with no migration running "
                            f"(noise) {noise * 1000:.1f} ms; scale {args.scale}: "
                            + ", ".join(f"{t.split('_', 1)[1]} {n:,}" for t, n in sizes.items())})
    width = max(len(r["migration"]) for r in rows if "migration" in r)
    print(f"{'migration':<{width}} {'seconds':>8} {'blocked ms':>10} {'others ms':>9} {'full scale s':>12}  "
          f"longest probe statement on its tables")
    for r in rows:
        if "migration" in r:
            print(f"{r['migration']:<{width}} {r['seconds']:>8.3f} {r['blocked_s'] * 1000:>10.0f} "
                  f"{r['elsewhere_s'] * 1000:>9.0f} {r['full_scale_blocked_s']:>12.2f}  "
                  f"{r['outcome'].split('(', 1)[1].split(')')[0]}")
    print(rows[-1]["outcome"])
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
