"""`make bench`: run every benchmark and print one table (`bench/run.py roster optimizer` runs only those).

Each benchmark is a module in bench/ with a `main(argv) -> list[dict]`; rows have `step`, `rows`, `seconds`,
`rows_per_s`, `peak_mb` and `outcome`. Each runs in its own process, so that its throw-away database and its
peak memory are its own. Compare with bench/RESULTS.md.
"""

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MARK = "BENCH-JSON:"

TARGETS = {
    # (benchmark, step): (figure, limit, meaning)
    ("roster", "first import"): ("seconds", 60.0, "10,000 class rows + 10,000 officer rows well under a minute"),
    ("optimizer", "demo"): ("seconds", 1.0, "demo city (565 x 565) solves under 1 s"),
    ("optimizer", "large"): ("seconds", 30.0, "20,000 classes x 20,000 officers under 30 s"),
    ("assignments", "propose_all demo"): ("seconds", 1.0, "demo city proposal from the database under 1 s"),
    ("noticeboards", "one class"): ("seconds", 1.0, "one class prints under 1 s"),
    ("noticeboards", "city, cold"): ("seconds", 20.0, "565-class city prints under 20 s"),
}
BENCHMARKS = {
    "roster": ["--rows", "10000"],
    "optimizer": [],
    "assignments": [],
    "noticeboards": [],
}


def run_one(name: str, argv: list[str]) -> list[dict]:
    code = (f"import json, sys; sys.path.insert(0, {str(HERE)!r}); import bench_{name} as b; "
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


def main() -> int:
    only = set(sys.argv[1:])
    rows = [(name, r) for name, argv in BENCHMARKS.items() if not only or name in only for r in run_one(name, argv)]
    print()
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} cores, database: SQLite (temporary)")
    print(f"{'benchmark':<13} {'step':<18} {'rows':>7} {'seconds':>9} {'rows/s':>9} {'peak MB':>8}  target")
    failed = False
    for bench, r in rows:
        target = TARGETS.get((bench, r["step"]))
        verdict = ""
        if r["step"] == "FAILED":
            failed, verdict = True, r["outcome"]
        elif target:
            ok = r[target[0]] <= target[1]
            failed |= not ok
            verdict = f"{'met' if ok else 'MISSED'}: {target[2]}"
        print(f"{bench:<13} {r['step']:<18} {r['rows']:>7} {r['seconds']:>9.2f} {r['rows_per_s']:>9} "
              f"{r['peak_mb']:>8.1f}  {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
