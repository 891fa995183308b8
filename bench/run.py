"""`make bench`: run every benchmark and print one table (`bench/run.py roster optimizer` runs only those).

Each benchmark is a module in bench/ with a `main(argv) -> list[dict]`; rows have `step`, `rows`, `seconds`,
`rows_per_s`, `peak_mb` and `outcome`, and some more figures (`ratio`, `queries`, `p99_ms`, `errors`, `lost`).
Each runs in its own process, so that its database and its peak memory are its own. Compare with
bench/RESULTS.md.

Databases: roster, optimizer, assignments and noticeboards use a throw-away SQLite file; province uses the
PostgreSQL database `BENCH_DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/fazhi_bench), filled
with `generate_province` the first time (about 15 minutes) and reused, and the same pages again on
`fazhi_bench_small` (scale 0.01) to check that query counts do not grow with the data; http starts
gunicorn on a throw-away PostgreSQL database and loads it with wrk; migrations rolls back and re-applies
migrations on its own PostgreSQL copy `fazhi_bench_migrate` (scale 0.1, generated once) under a probe.
"""

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MARK = "BENCH-JSON:"
SMALL_URL = os.environ.get("BENCH_SMALL_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fazhi_bench_small")

# (label, module, argv, database)
BENCHMARKS = [
    ("province", "province", [], "PostgreSQL, province (scale 1.0)"),
    ("province-small", "province", ["--pages-only", "--scale", "0.01", "--database-url", SMALL_URL],
     "PostgreSQL, scale 0.01"),
    ("http", "http", ["--requests", "2000", "--connections", "8"], "PostgreSQL (scale 0.01) + gunicorn, 4 workers"),
    ("roster", "roster", ["--rows", "50000"], "SQLite (temporary)"),
    ("optimizer", "optimizer", [], "in memory"),
    ("assignments", "assignments", [], "SQLite (temporary)"),
    ("noticeboards", "noticeboards", ["--classes", "1000"], "SQLite (temporary)"),
    ("migrations", "migrations", [], "PostgreSQL copy, province scale 0.1"),
]
PAGE_SECONDS = 0.150
MIGRATION_BLOCKED_SECONDS = 1.0

# (label, step): [(figure, "<=" or ">=", limit, what it means)]
TARGETS = {
    ("province", "figures province"): [("seconds", "<=", 0.5, "province figures <= 500 ms"),
                                       ("ratio", "<=", 2.0, "<= 2x the hand-written SQL")],
    ("province", "figures county"): [("seconds", "<=", 0.05, "county figures <= 50 ms"),
                                     ("ratio", "<=", 2.0, "<= 2x the hand-written SQL")],
    ("http", "tip submission"): [("ratio", ">=", 0.5, ">= 0.5x the bare insert"), ("p99_ms", "<=", 150, "p99 <= 150 ms"),
                                 ("errors", "<=", 0, "no errors"), ("lost", "<=", 0, "none lost")],
    ("http", "survey answer"): [("ratio", ">=", 0.5, ">= 0.5x the bare insert"), ("p99_ms", "<=", 150, "p99 <= 150 ms"),
                                ("errors", "<=", 0, "no errors"), ("lost", "<=", 0, "none lost")],
    ("roster", "first import"): [("seconds", "<=", 120.0, "100,000 rows under 2 minutes")],
    ("optimizer", "demo"): [("seconds", "<=", 1.0, "demo city (565 x 565) under 1 s")],
    ("optimizer", "large"): [("seconds", "<=", 30.0, "20,000 x 20,000 under 30 s")],
    ("assignments", "propose_all demo"): [("seconds", "<=", 1.0, "demo city proposal under 1 s")],
    ("noticeboards", "one class"): [("seconds", "<=", 1.0, "one class under 1 s")],
    ("noticeboards", "city, cold"): [("seconds", "<=", 40.0, "1,000 classes under 40 s")],
    ("migrations", "probe"): [("errors", "<=", 0, "no probe statement failed (lock timeout)")],
}


def run_one(module: str, argv: list[str]) -> list[dict]:
    code = (f"import json, sys; sys.path.insert(0, {str(HERE)!r}); import bench_{module} as b; "
            f"rows = b.main({argv!r}); print({MARK!r} + json.dumps(rows, ensure_ascii=False, default=str))")
    proc = subprocess.run(  # noqa: S603 — our own interpreter running our own benchmark module
        [sys.executable, "-c", code], cwd=HERE.parent, capture_output=True, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"}, check=False)
    for line in proc.stdout.splitlines():
        if not line.startswith(MARK):
            print(line)
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        return [{"step": "FAILED", "rows": 0, "seconds": 0.0, "rows_per_s": 0, "peak_mb": 0.0,
                 "outcome": f"exit {proc.returncode}"}]
    line = next(line for line in reversed(proc.stdout.splitlines()) if line.startswith(MARK))
    return json.loads(line[len(MARK):])


def verdicts(label: str, row: dict, small_queries: dict) -> tuple[bool, str]:
    """(all targets met, the text for the table) for one row."""
    checks = list(TARGETS.get((label, row["step"]), []))
    if label == "province" and row["step"].startswith("page "):
        checks.append(("seconds", "<=", PAGE_SECONDS, "<= 150 ms"))
    if label == "migrations" and "blocked_s" in row:
        checks.append(("blocked_s", "<=", MIGRATION_BLOCKED_SECONDS, "blocks reads/writes <= 1 s at this scale"))
    failed, notes = False, []
    for figure, op, limit, meaning in checks:
        value = row.get(figure)
        ok = value is not None and (value <= limit if op == "<=" else value >= limit)
        failed |= not ok
        notes.append(f"{'met' if ok else 'MISSED'}: {meaning}")
    if label == "province" and row["step"] in small_queries:
        # Not growing with the data: a drop-down that gives way to the search box saves a query at scale 1.
        flat = row.get("queries") is not None and row["queries"] <= small_queries[row["step"]]
        failed |= not flat
        notes.append(f"{'met' if flat else 'MISSED'}: queries {row.get('queries')} at scale 1, "
                     f"{small_queries[row['step']]} at 0.01")
    return failed, "; ".join(notes)


def main() -> int:
    only = set(sys.argv[1:])
    results = []
    for label, module, argv, database in BENCHMARKS:
        if only and label not in only and module not in only:
            continue
        print(f"== {label} ({database})", flush=True)
        results.append((label, database, run_one(module, argv)))
    small = {r["step"]: r.get("queries") for label, _, rows in results if label == "province-small" for r in rows}
    print()
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} cores")
    print(f"{'benchmark':<14} {'step':<26} {'rows':>9} {'seconds':>9} {'rows/s':>9} {'peak MB':>8}  outcome; targets")
    failed = False
    for label, database, rows in results:
        print(f"-- {label}: {database}")
        for r in rows:
            bad, verdict = (True, r["outcome"]) if r["step"] == "FAILED" else verdicts(label, r, small)
            failed |= bad
            text = "; ".join(t for t in (r.get("outcome", ""), verdict) if t)
            print(f"{label:<14} {r['step']:<26} {r['rows']:>9} {r['seconds']:>9.3f} {r['rows_per_s']:>9} "
                  f"{r['peak_mb']:>8.1f}  {text}")
    print()
    print("every target met" if not failed else "some targets MISSED (see bench/RESULTS.md for why)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
