"""`make bench`: run every benchmark and print one table (`bench/run.py roster` runs only that one).

Each benchmark is a module in bench/ with a `main(argv) -> list[dict]`; rows have at least `step`,
`seconds` and whatever figures the benchmark measures. Results are compared by hand with bench/RESULTS.md.
"""

import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_assignments  # noqa: E402
import bench_optimizer  # noqa: E402
import bench_roster  # noqa: E402

TARGETS = {
    # (benchmark, step): (figure, limit, meaning)
    ("roster", "first import"): ("seconds", 60.0, "10,000 class rows + 10,000 officer rows well under a minute"),
    ("optimizer", "demo"): ("seconds", 1.0, "demo city (565 x 565) under 1 s"),
    ("optimizer", "large"): ("seconds", 30.0, "20,000 classes x 20,000 officers under 30 s"),
    ("assignments", "propose_all demo"): ("seconds", 1.0, "demo city proposal from the database under 1 s"),
}
BENCHMARKS = [
    ("roster", lambda: bench_roster.main(["--rows", "10000"])),
    ("optimizer", lambda: bench_optimizer.main([])),
    ("assignments", lambda: bench_assignments.main([])),
]


def main() -> int:
    only = set(sys.argv[1:])
    rows = [(name, r) for name, run in BENCHMARKS if not only or name in only for r in run()]
    print()
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
          f"{_cores()} cores")
    print(f"{'benchmark':<12} {'step':<18} {'rows':>7} {'seconds':>9} {'rows/s':>9} {'peak MB':>8}  target")
    failed = False
    for bench, r in rows:
        target = TARGETS.get((bench, r["step"]))
        verdict = ""
        if target:
            ok = r[target[0]] <= target[1]
            failed |= not ok
            verdict = f"{'met' if ok else 'MISSED'}: {target[2]}"
        print(f"{bench:<12} {r['step']:<18} {r['rows']:>7} {r['seconds']:>9.2f} {r['rows_per_s']:>9} "
              f"{r['peak_mb']:>8.1f}  {verdict}")
    return 1 if failed else 0


def _cores() -> int:
    import os

    return os.cpu_count() or 0


if __name__ == "__main__":
    sys.exit(main())
