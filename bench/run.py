"""`make bench`: run every benchmark and print one table.

Each benchmark is a module in bench/ with a `main(argv) -> list[dict]`; rows have at least `step`,
`seconds` and whatever figures the benchmark measures. Results are compared by hand with bench/RESULTS.md.
"""

import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_roster  # noqa: E402

TARGETS = {
    # step: (figure, limit, meaning)
    "first import": ("seconds", 60.0, "10,000 class rows + 10,000 officer rows well under a minute"),
}


def main() -> int:
    rows = [("roster", r) for r in bench_roster.main(sys.argv[1:] or ["--rows", "10000"])]
    print()
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
          f"{_cores()} cores")
    print(f"{'benchmark':<10} {'step':<18} {'rows':>7} {'seconds':>9} {'rows/s':>9} {'peak MB':>8}  target")
    failed = False
    for bench, r in rows:
        target = TARGETS.get(r["step"])
        verdict = ""
        if target:
            ok = r[target[0]] <= target[1]
            failed |= not ok
            verdict = f"{'met' if ok else 'MISSED'}: {target[2]}"
        print(f"{bench:<10} {r['step']:<18} {r['rows']:>7} {r['seconds']:>9.2f} {r['rows_per_s']:>9} "
              f"{r['peak_mb']:>8.1f}  {verdict}")
    return 1 if failed else 0


def _cores() -> int:
    import os

    return os.cpu_count() or 0


if __name__ == "__main__":
    sys.exit(main())
