"""Benchmark the automatic proposal end to end on the demo city (565 classes, 565 officers, 40 schools):
loading from the database, solving, writing the proposals; then confirming them all.

    .venv/bin/python bench/bench_assignments.py

Runs against a throw-away SQLite database in a temporary directory. `main(argv)` returns the rows for
bench/run.py (keys: step, rows, seconds, rows_per_s, peak_mb, outcome).
"""

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_roster import _memory_mb, setup_django  # noqa: E402


def main(argv=None) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="fazhi-bench-") as tmp:
        setup_django(Path(tmp))
        from fazhi.accounts.models import User
        from fazhi.assignments import services
        from fazhi.assignments.demo import pair_demo_schools
        from fazhi.assignments.models import Assignment
        from fazhi.org.demo import DEMO_REGION, seed_demo
        from fazhi.org.models import School, current_school_year

        seed_demo()
        year = current_school_year()
        admin = User.objects.filter(is_superuser=True).first()
        pair_demo_schools(admin, list(School.objects.filter(region_id=DEMO_REGION)), year)
        rows = []

        start = time.perf_counter()
        result = services.propose_all(by=admin, region_code=DEMO_REGION, school_year=year)
        rows.append(_row("propose_all demo", result["classes"], time.perf_counter() - start,
                         f"{result['proposed']} proposed, {result['unassigned']} left open"))

        proposals = list(Assignment.objects.filter(status=Assignment.Status.PROPOSED).order_by("pk"))
        start = time.perf_counter()
        done, errors = services.confirm_many(by=admin, assignments=proposals)
        rows.append(_row("confirm all demo", len(proposals), time.perf_counter() - start,
                         f"{done} confirmed, {len(errors)} refused"))
        from django.db import connections

        connections.close_all()
    return rows


def _row(step, n, seconds, outcome) -> dict:
    row = {"step": step, "rows": n, "seconds": round(seconds, 3), "rows_per_s": round(n / seconds) if seconds else 0,
           "peak_mb": round(_memory_mb(False), 1), "outcome": outcome}
    print(f"assignments {step:<18} rows={n:>6}  {seconds:8.2f} s  {outcome}", flush=True)
    return row


if __name__ == "__main__":
    main(sys.argv[1:])
