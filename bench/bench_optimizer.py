"""Benchmark the automatic proposal solver (fazhi.assignments.optimizer.solve) on synthetic data.

    .venv/bin/python bench/bench_optimizer.py                                  # demo size + 20,000 × 20,000
    .venv/bin/python bench/bench_optimizer.py --classes 50000 --officers 50000
    .venv/bin/python bench/bench_optimizer.py --tracemalloc                    # peak Python allocations per step

Steps, one output line each:

* demo  — the demo city's size: 565 classes, 565 officers, 40 schools, 4 units, every school paired with
  1–2 units;
* large — `--classes` classes and `--officers` officers (default 20,000 each) in 400 schools and 20 units,
  every school paired with 2–4 units, all distances known.

Inputs are seeded (same figures every run): schools and units are scattered over a 60 km × 60 km county;
officers hold 0–2 classes already, with a limit of 2–4; 70 % of the classes have last year's officer (an
officer of one of the school's paired units). Only `solve` is timed, not the data generation. Memory is the
process's peak resident size so far (getrusage), or with --tracemalloc the peak of Python allocations during
the step (numpy buffers included, OR-Tools' C++ memory not). No database, no Django settings needed.
`main(argv)` returns the measurements as dicts, for a suite runner (bench/run.py).
"""

import argparse
import random
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fazhi.assignments.optimizer import Candidate, ClassSlot, haversine_km, solve  # noqa: E402

CENTRE = (40.14, 94.66)  # Dunhuang


def make_inputs(n_classes: int, n_officers: int, n_schools: int, n_units: int, units_per_school: tuple[int, int],
                seed: int):
    """Synthetic classes, candidates, pairings and distances, reproducible from `seed`."""
    rng = random.Random(seed)  # noqa: S311 — synthetic data, deterministic on purpose

    def place():  # a point within about ±30 km of the centre
        return CENTRE[0] + rng.uniform(-0.27, 0.27), CENTRE[1] + rng.uniform(-0.35, 0.35)

    units = list(range(1, n_units + 1))
    schools = list(range(1001, 1001 + n_schools))
    unit_at = {u: place() for u in units}
    school_at = {s: place() for s in schools}
    pairings = []
    for s in schools:
        for u in rng.sample(units, rng.randint(*units_per_school)):
            pairings.append((u, s))
    distances = {(u, s): haversine_km(*unit_at[u], *school_at[s]) for u, s in pairings}
    units_of_school: dict[int, list[int]] = {}
    for u, s in pairings:
        units_of_school.setdefault(s, []).append(u)

    candidates = []
    officers_of_unit: dict[int, list[int]] = {u: [] for u in units}
    for i in range(n_officers):
        unit = units[i % n_units] if i < n_units else rng.choice(units)
        oid = 100_001 + i
        candidates.append(Candidate(id=oid, unit_id=unit, load=rng.randint(0, 2), limit=rng.randint(2, 4)))
        officers_of_unit[unit].append(oid)

    classes = []
    for i in range(n_classes):
        s = schools[i % n_schools]
        previous = None
        if rng.random() < 0.7:
            pool = officers_of_unit[rng.choice(units_of_school[s])]
            previous = rng.choice(pool) if pool else None
        classes.append(ClassSlot(id=500_001 + i, school_id=s, previous_officer_id=previous))
    return classes, candidates, pairings, distances


def _memory_mb(traced: bool) -> float:
    if traced:
        return tracemalloc.get_traced_memory()[1] / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def measure(label: str, inputs, traced: bool) -> dict:
    classes, candidates, pairings, distances = inputs
    rows = len(classes)
    if traced:
        tracemalloc.reset_peak()
    start = time.perf_counter()
    solution = solve(classes, candidates, pairings, distances)
    seconds = time.perf_counter() - start
    open_ = rows - solution.covered
    kept = sum(1 for p in solution.assignments if p.reasons and p.reasons[0].code == "continuity")
    outcome = (f"{solution.covered}/{rows} covered ({open_} open), {kept} kept last year's officer, "
               f"total cost {solution.total_cost}")
    row = {"step": label, "rows": rows, "seconds": round(seconds, 3), "rows_per_s": round(rows / max(seconds, 1e-9)),
           "peak_mb": round(_memory_mb(traced), 1), "outcome": outcome}
    print(f"optimizer {label:<6} classes={rows:>7} officers={len(candidates):>7}  {seconds:8.2f} s  "
          f"{row['rows_per_s']:>8} rows/s  peak {'alloc' if traced else 'RSS'} {row['peak_mb']:7.1f} MB  {outcome}",
          flush=True)
    return row


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--classes", type=int, default=20_000, help="classes in the large step (default 20000)")
    parser.add_argument("--officers", type=int, default=20_000, help="officers in the large step (default 20000)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--tracemalloc", action="store_true", help="peak Python allocations per step")
    args = parser.parse_args(argv)

    demo = make_inputs(565, 565, n_schools=40, n_units=4, units_per_school=(1, 2), seed=args.seed)
    large = make_inputs(args.classes, args.officers, n_schools=400, n_units=20, units_per_school=(2, 4),
                        seed=args.seed)
    if args.tracemalloc:
        tracemalloc.start()
    results = [measure("demo", demo, args.tracemalloc), measure("large", large, args.tracemalloc)]
    if args.tracemalloc:
        tracemalloc.stop()
    return results


if __name__ == "__main__":
    main()
