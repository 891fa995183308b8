"""Benchmark the roster import and export on a throw-away SQLite database.

    .venv/bin/python bench/bench_roster.py                 # 10,000 class rows + 10,000 officer rows
    .venv/bin/python bench/bench_roster.py --rows 2000
    .venv/bin/python bench/bench_roster.py --tracemalloc   # peak Python allocations per step (slower)

`--rows N` means N rows in the 「学校班级」 sheet (classes of N/500 schools) AND N rows in the 「干警」 sheet
(officers of 5 units): 2N rows in all. Steps, one output line each:

* first import  — everything is created (and its history recorded);
* second import — the same file again: everything unchanged, nothing written;
* export        — the whole roster written back to .xlsx;
* export re-import — the exported file imported: everything unchanged.

Memory is the process's peak resident size so far (getrusage), or with --tracemalloc the peak of Python
allocations during the step. The database and the files live in a temporary directory, removed at the
end. `main(argv)` returns the measurements as dicts, for a suite runner (bench/run.py).
"""

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLASSES_PER_SCHOOL = 500
UNITS = ("敦煌市人民法院", "敦煌市人民检察院", "敦煌市公安局", "敦煌市司法局", "敦煌市公安局沙州派出所")


def setup_django(workdir: Path) -> None:
    """Point Django at a fresh SQLite file in `workdir` and migrate. If Django is already set up (by a
    suite runner), its database is used as it is: the runner must have made it a throw-away one."""
    import django
    from django.apps import apps

    if not apps.ready:
        sys.path.insert(0, str(ROOT))
        os.environ["FAZHI_VAR_DIR"] = str(workdir)
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"  # never a configured database
        os.environ["DEBUG"] = "0"  # DEBUG would keep every query in memory
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fazhi.settings")
        django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def make_workbook(path: Path, rows: int) -> None:
    """`rows` classes (junior schools, grades 7–9, class numbers 1–99, school years going back from 2026)
    and `rows` officers, in the import format."""
    import xlsxwriter

    from fazhi.org.roster import CLASS_COLUMNS, OFFICER_COLUMNS, SHEET_CLASSES, SHEET_OFFICERS

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet(SHEET_CLASSES)
    ws.write_row(0, 0, CLASS_COLUMNS)
    r = 0
    school = 0
    while r < rows:
        school += 1
        n = 0
        for year in range(2026, 2000, -1):
            for grade in (7, 8, 9):
                for number in range(1, 100):
                    if n == CLASSES_PER_SCHOOL or r == rows:
                        break
                    r += 1
                    n += 1
                    ws.write_row(r, 0, [
                        "620982", f"敦煌市第{school}中学", "初中", f"敦煌市沙州镇{school}号", year, grade, number, "",
                        f"班主任{r}", f"139{r:08d}", 40 + r % 10,
                    ])
    ws = wb.add_worksheet(SHEET_OFFICERS)
    ws.write_row(0, 0, OFFICER_COLUMNS)
    for i in range(1, rows + 1):
        ws.write_row(i, 0, [UNITS[i % len(UNITS)], f"干警{i}", "男" if i % 2 else "女", f"138{i:08d}",
                            "一级警长" if i % 3 else "", "在岗"])
    wb.close()


def make_registry() -> None:
    from fazhi.org.models import Region, Unit

    Region.objects.get_or_create(code="62", defaults={"name": "甘肃省"})
    Region.objects.get_or_create(code="6209", defaults={"name": "酒泉市", "parent_id": "62"})
    Region.objects.get_or_create(code="620982", defaults={"name": "敦煌市", "parent_id": "6209"})
    for i, name in enumerate(UNITS):
        Unit.objects.get_or_create(name=name, region_id="620982", defaults={
            "kind": Unit.Kind.COURT if "法院" in name else Unit.Kind.OTHER, "phone": f"0937-88220{i:02d}"})


def _memory_mb(traced: bool) -> float:
    if traced:
        return tracemalloc.get_traced_memory()[1] / 2**20
    # Peak resident size of this process, or of the largest child process (parallel PDF layout) if larger.
    return max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024


def measure(label: str, rows: int, fn, traced: bool) -> dict:
    if traced:
        tracemalloc.reset_peak()
    start = time.perf_counter()
    outcome = fn()
    seconds = time.perf_counter() - start
    row = {"step": label, "rows": rows, "seconds": round(seconds, 3), "rows_per_s": round(rows / seconds),
           "peak_mb": round(_memory_mb(traced), 1), "outcome": outcome}
    print(f"roster {label:<17} rows={rows:>7}  {seconds:8.2f} s  {row['rows_per_s']:>8} rows/s  "
          f"peak {'alloc' if traced else 'RSS'} {row['peak_mb']:7.1f} MB  {outcome}", flush=True)
    return row


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000, help="class rows, and as many officer rows (default 10000)")
    parser.add_argument("--tracemalloc", action="store_true", help="peak Python allocations per step (slower)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="fazhi-bench-") as tmp:
        workdir = Path(tmp)
        setup_django(workdir)
        from fazhi.org.roster import import_roster, write_export

        make_registry()
        path = workdir / "roster.xlsx"
        make_workbook(path, args.rows)
        total = 2 * args.rows
        print(f"roster workbook: {args.rows} class rows + {args.rows} officer rows = {total} rows, "
              f"{path.stat().st_size / 2**20:.1f} MB", flush=True)
        if args.tracemalloc:
            tracemalloc.start()

        def run_import(file, expect_changes: bool):
            def step():
                result = import_roster(file)
                if not result.ok:
                    raise SystemExit(f"import failed: {result.errors[:5]}")
                if expect_changes is False and result.changed:
                    raise SystemExit(f"expected no changes, got {result.summary()}")
                return result.summary()
            return step

        def export():
            with open(workdir / "export.xlsx", "wb") as fh:
                write_export(fh)
            return f"{(workdir / 'export.xlsx').stat().st_size / 2**20:.1f} MB"

        results = [
            measure("first import", total, run_import(path, True), args.tracemalloc),
            measure("second import", total, run_import(path, False), args.tracemalloc),
            measure("export", total, export, args.tracemalloc),
            measure("export re-import", total, run_import(workdir / "export.xlsx", False), args.tracemalloc),
        ]
        if args.tracemalloc:
            tracemalloc.stop()
        from django.db import connections

        connections.close_all()
    return results


if __name__ == "__main__":
    main()
