"""The proposal solver, checked against brute force on many small random cases, against CP-SAT on a few
medium ones, and on hand-made stories. No database: the solver works on plain data."""

import itertools
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from fazhi.assignments import optimizer
from fazhi.assignments.optimizer import (
    Candidate,
    ClassSlot,
    Reason,
    Solution,
    SolverError,
    Weights,
    haversine_km,
    solve,
)

ROOT = Path(__file__).resolve().parents[3]


def seeded(seed) -> random.Random:
    return random.Random(seed)  # noqa: S311 — reproducible test data


# --- an independent cost model (does not call the solver's cost code) ---

def mapping_cost(classes, candidates, distances, w, mapping):
    """Assigned cost of `mapping` (class id -> officer id or None) as the brief defines it, and #open."""
    officer = {o.id: o for o in candidates}
    school = {c.id: c.school_id for c in classes}
    previous = {c.id: c.previous_officer_id for c in classes}
    total = 0
    per_officer: dict[int, int] = {}
    for cid, oid in mapping.items():
        if oid is None:
            continue
        o = officer[oid]
        km = distances.get((o.unit_id, school[cid]))
        if km is None:
            km = w.unknown_distance_km
        total += round(km * w.per_km)
        if previous[cid] == oid:
            total -= w.continuity_bonus
        per_officer[oid] = per_officer.get(oid, 0) + 1
    for oid, m in per_officer.items():
        total += sum(w.spread * (officer[oid].load + j) for j in range(1, m + 1))
    return total, sum(1 for oid in mapping.values() if oid is None)


def feasible(classes, candidates, pairings, mapping) -> bool:
    officer = {o.id: o for o in candidates}
    school = {c.id: c.school_id for c in classes}
    pair = set(pairings)
    counts: dict[int, int] = {}
    for cid, oid in mapping.items():
        if oid is None:
            continue
        if (officer[oid].unit_id, school[cid]) not in pair:
            return False
        counts[oid] = counts.get(oid, 0) + 1
    return all(counts[oid] <= officer[oid].limit - officer[oid].load for oid in counts)


def brute_force(classes, candidates, pairings, distances, w):
    """Every feasible mapping. Returns the best (n_open, assigned cost) lexicographically when
    w.unassigned is None, else the best total cost with open classes at w.unassigned each."""
    pair = set(pairings)
    options = [[None] + [o.id for o in candidates if (o.unit_id, c.school_id) in pair and o.limit > o.load]
               for c in classes]
    best = None
    for combo in itertools.product(*options):
        mapping = dict(zip((c.id for c in classes), combo, strict=True))
        if not feasible(classes, candidates, pairings, mapping):
            continue
        assigned, n_open = mapping_cost(classes, candidates, distances, w, mapping)
        key = (n_open, assigned) if w.unassigned is None else assigned + n_open * w.unassigned
        if best is None or key < best:
            best = key
    return best


def random_case(rng: random.Random):
    units = list(range(1, rng.randint(1, 3) + 1))
    schools = list(range(11, 11 + rng.randint(1, 3)))
    pairings = [(u, s) for u in units for s in schools if rng.random() < 0.7]
    rng.shuffle(pairings)
    distances = {(u, s): round(rng.uniform(0, 60), 1) for u in units for s in schools if rng.random() < 0.7}
    candidates = []
    for i in range(rng.randint(0, 5)):
        load = rng.randint(0, 2)
        candidates.append(Candidate(id=100 + i, unit_id=rng.choice(units), load=load, limit=rng.randint(0, 4)))
    classes = []
    for i in range(rng.randint(0, 6)):
        prev = rng.choice([None, None, 999] + [o.id for o in candidates])
        classes.append(ClassSlot(id=200 + i, school_id=rng.choice(schools), previous_officer_id=prev))
    w = Weights(per_km=rng.choice([0, 1, 10]), unknown_distance_km=rng.choice([0.0, 7.5, 20.0]),
                continuity_bonus=rng.choice([0, 5, 1000]), spread=rng.choice([0, 1, 100]),
                unassigned=rng.choice([None, None, None, 0, 50, 500, 3000]))
    return classes, candidates, pairings, distances, w


def check_solution(sol: Solution, classes, candidates, pairings, distances, w):
    """Structure, feasibility and cost consistency of a solution, independently recomputed."""
    assert [p.class_id for p in sol.assignments] == [c.id for c in classes]
    mapping = {p.class_id: p.officer_id for p in sol.assignments}
    assert feasible(classes, candidates, pairings, mapping)
    assert sum(p.cost for p in sol.assignments) == sol.total_cost
    assigned, n_open = mapping_cost(classes, candidates, distances, w, mapping)
    open_costs = {p.cost for p in sol.assignments if p.officer_id is None}
    assert len(open_costs) <= 1
    assert sol.total_cost == assigned + n_open * (open_costs.pop() if open_costs else 0)
    for p in sol.assignments:
        assert p.reasons, p
        codes = [r.code for r in p.reasons]
        if p.officer_id is None:
            assert codes[0] in {"no_candidate", "no_capacity", "too_costly"}
        else:
            assert "paired_unit" in codes and "load" in codes
    return mapping, assigned, n_open


# --- optimality ---

@pytest.mark.parametrize("seed", range(12))
def test_optimal_against_brute_force(seed):
    rng = seeded(20260000 + seed)
    for _ in range(80):
        classes, candidates, pairings, distances, w = random_case(rng)
        sol = solve(classes, candidates, pairings, distances, w)
        _, assigned, n_open = check_solution(sol, classes, candidates, pairings, distances, w)
        best = brute_force(classes, candidates, pairings, distances, w)
        if w.unassigned is None:
            assert (n_open, assigned) == best, (classes, candidates, pairings, distances, w)
        else:
            assert sol.total_cost == best, (classes, candidates, pairings, distances, w)


@pytest.mark.parametrize("seed", range(4))
def test_optimal_against_cp_sat_on_medium_cases(seed):
    """An independent formulation (CP-SAT with the convex load cost as a table) on cases too big to enumerate."""
    from ortools.sat.python import cp_model

    rng = seeded(777 + seed)
    units, schools = [1, 2, 3], list(range(11, 17))
    pairings = [(u, s) for u in units for s in schools if rng.random() < 0.5]
    distances = {(u, s): round(rng.uniform(0, 50), 1) for u, s in pairings if rng.random() < 0.8}
    candidates = [Candidate(100 + i, rng.choice(units), rng.randint(0, 2), rng.randint(1, 4)) for i in range(14)]
    classes = [ClassSlot(200 + i, rng.choice(schools), rng.choice([None, *(o.id for o in candidates)]))
               for i in range(28)]
    w = Weights(unassigned=rng.choice([None, 800]))
    sol = solve(classes, candidates, pairings, distances, w)
    _, assigned, n_open = check_solution(sol, classes, candidates, pairings, distances, w)

    def model(max_open=None):
        m = cp_model.CpModel()
        pair = set(pairings)
        x, objective, opens = {}, [], []
        for c in classes:
            y = m.new_bool_var(f"open{c.id}")
            opens.append(y)
            row = [y]
            for o in candidates:
                if (o.unit_id, c.school_id) in pair and o.limit > o.load:
                    v = x[c.id, o.id] = m.new_bool_var(f"x{c.id}_{o.id}")
                    row.append(v)
                    km = distances.get((o.unit_id, c.school_id), w.unknown_distance_km)
                    objective.append(v * (round(km * w.per_km) - (w.continuity_bonus if c.previous_officer_id == o.id else 0)))
            m.add_exactly_one(row)
        for o in candidates:
            count = sum(v for (_, oid), v in x.items() if oid == o.id)
            n = m.new_int_var(0, max(0, o.limit - o.load), f"n{o.id}")
            m.add(n == count)
            table = [sum(w.spread * (o.load + j) for j in range(1, k + 1)) for k in range(max(0, o.limit - o.load) + 1)]
            cost = m.new_int_var(0, max(table), f"c{o.id}")
            m.add_element(n, table, cost)
            objective.append(cost)
        if max_open is not None:
            m.add(sum(opens) <= max_open)
        return m, objective, opens

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    if w.unassigned is None:
        m, objective, opens = model()
        m.minimize(sum(opens))
        assert solver.solve(m) == cp_model.OPTIMAL
        fewest_open = round(solver.objective_value)
        m, objective, opens = model(max_open=fewest_open)
        m.minimize(sum(objective))
        assert solver.solve(m) == cp_model.OPTIMAL
        assert (n_open, assigned) == (fewest_open, round(solver.objective_value))
    else:
        m, objective, opens = model()
        m.minimize(sum(objective) + w.unassigned * sum(opens))
        assert solver.solve(m) == cp_model.OPTIMAL
        assert sol.total_cost == round(solver.objective_value)


# --- coverage ---

def max_coverage(classes, candidates, pairings) -> int:
    """Independent maximum b-matching (augmenting paths) of classes to officers' free places."""
    pair = set(pairings)
    room = {o.id: max(0, o.limit - o.load) for o in candidates}
    eligible = {c.id: [o.id for o in candidates if (o.unit_id, c.school_id) in pair and room[o.id]] for c in classes}
    holders: dict[int, list[int]] = {o.id: [] for o in candidates}

    def augment(cid, seen):
        for oid in eligible[cid]:
            if oid in seen:
                continue
            seen.add(oid)
            if len(holders[oid]) < room[oid]:
                holders[oid].append(cid)
                return True
            for other in list(holders[oid]):
                if augment(other, seen):
                    holders[oid].remove(other)
                    holders[oid].append(cid)
                    return True
        return False

    return sum(1 for c in classes if augment(c.id, set()))


@pytest.mark.parametrize("seed", range(5))
def test_covers_as_many_classes_as_possible(seed):
    rng = seeded(4242 + seed)
    units, schools = list(range(1, 7)), list(range(11, 41))
    pairings = [(u, s) for s in schools for u in rng.sample(units, rng.randint(0, 3))]
    distances = {(u, s): rng.uniform(0, 120) for u, s in pairings}
    candidates = [Candidate(1000 + i, rng.choice(units), rng.randint(0, 3), rng.randint(0, 3)) for i in range(120)]
    classes = [ClassSlot(5000 + i, rng.choice(schools), rng.choice([None, 1000 + rng.randrange(120)]))
               for i in range(300)]
    sol = solve(classes, candidates, pairings, distances)
    check_solution(sol, classes, candidates, pairings, distances, Weights())
    assert sol.covered == max_coverage(classes, candidates, pairings)


def test_covering_more_beats_a_long_chain_of_cheaper_choices():
    """Class c0 can only go to unit 1; every other class c_i prefers unit i (near) over unit i+1 (200 km).
    Covering all needs every c_i to move to its far unit: a penalty just above one class's cost would not do."""
    n = 6
    classes = [ClassSlot(0, 100)] + [ClassSlot(i, 100 + i) for i in range(1, n + 1)]
    pairings = [(1, 100)] + [(u, 100 + i) for i in range(1, n + 1) for u in (i, i + 1)]
    distances = {(1, 100): 0.0} | {(i, 100 + i): 0.0 for i in range(1, n + 1)} | {
        (i + 1, 100 + i): 200.0 for i in range(1, n + 1)}
    candidates = [Candidate(u, u, 0, 1) for u in range(1, n + 2)]
    sol = solve(classes, candidates, pairings, distances)
    assert sol.covered == n + 1
    assert {p.class_id: p.officer_id for p in sol.assignments} == {0: 1} | {i: i + 1 for i in range(1, n + 1)}


# --- hand-made stories ---

def by_class(sol: Solution) -> dict:
    return {p.class_id: p for p in sol.assignments}


def test_respects_pairings_even_when_another_unit_is_nearer():
    classes = [ClassSlot(1, 10)]
    candidates = [Candidate(7, unit_id=1, load=0, limit=2), Candidate(8, unit_id=2, load=0, limit=2)]
    sol = solve(classes, candidates, [(2, 10)], {(1, 10): 0.5, (2, 10): 40.0})
    p = by_class(sol)[1]
    assert p.officer_id == 8
    assert Reason("paired_unit", {"unit_id": 2, "distance_km": 40.0}) in p.reasons


def test_respects_limits_and_reports_no_capacity():
    classes = [ClassSlot(i, 10) for i in range(1, 5)]
    candidates = [Candidate(7, 1, load=1, limit=2), Candidate(8, 1, load=3, limit=3), Candidate(9, 1, load=5, limit=2)]
    sol = solve(classes, candidates, [(1, 10)], {(1, 10): 3.0})
    assigned = [p for p in sol.assignments if p.officer_id is not None]
    assert [p.officer_id for p in assigned] == [7]
    assert assigned[0].reasons[-1] == Reason("load", {"load_after": 2, "limit": 2})
    for p in sol.assignments:
        if p is assigned[0]:
            continue
        assert p.officer_id is None
        assert p.reasons == [Reason("no_capacity", {"school_id": 10, "unit_ids": [1]})]


def test_no_candidate_when_the_school_has_no_staffed_paired_unit():
    classes = [ClassSlot(1, 10), ClassSlot(2, 20), ClassSlot(3, 30)]
    candidates = [Candidate(7, unit_id=1, load=0, limit=5)]
    # school 10: not paired at all; school 20: paired with unit 2, which has no officers; school 30: fine
    sol = solve(classes, candidates, [(2, 20), (1, 30)], {})
    got = by_class(sol)
    assert got[1].officer_id is None and got[1].reasons == [Reason("no_candidate", {"school_id": 10})]
    assert got[2].officer_id is None and got[2].reasons == [Reason("no_candidate", {"school_id": 20})]
    assert got[3].officer_id == 7


def test_continuity_is_preferred():
    classes = [ClassSlot(1, 10, previous_officer_id=8), ClassSlot(2, 10)]
    candidates = [Candidate(7, 1, load=0, limit=3), Candidate(8, 2, load=2, limit=3)]
    # officer 8's unit is 50 km further and 8 already holds two classes: continuity still wins
    sol = solve(classes, candidates, [(1, 10), (2, 10)], {(1, 10): 1.0, (2, 10): 51.0})
    got = by_class(sol)
    assert got[1].officer_id == 8
    assert got[1].reasons[0] == Reason("continuity", {"officer_id": 8})
    assert got[1].cost == 510 - 1000 + 300
    assert got[2].officer_id == 7
    assert "continuity" not in [r.code for r in got[2].reasons]


def test_continuity_needs_pairing_and_room():
    classes = [ClassSlot(1, 10, previous_officer_id=8), ClassSlot(2, 20, previous_officer_id=9)]
    candidates = [Candidate(7, 1, 0, 3), Candidate(8, 2, 0, 3), Candidate(9, 1, 3, 3)]
    sol = solve(classes, candidates, [(1, 10), (1, 20)], {})
    assert [p.officer_id for p in sol.assignments] == [7, 7]  # 8's unit is not paired; 9 is full


def test_load_is_spread_evenly():
    classes = [ClassSlot(i, 10) for i in range(4)]
    candidates = [Candidate(7, 1, 0, 3), Candidate(8, 1, 0, 3)]
    sol = solve(classes, candidates, [(1, 10)], {(1, 10): 2.0})
    counts = [sum(1 for p in sol.assignments if p.officer_id == oid) for oid in (7, 8)]
    assert counts == [2, 2]
    assert sol.total_cost == 4 * 20 + 2 * (100 + 200)


def test_load_counts_classes_already_held():
    classes = [ClassSlot(i, 10) for i in range(3)]
    candidates = [Candidate(7, 1, load=2, limit=5), Candidate(8, 1, load=0, limit=5)]
    sol = solve(classes, candidates, [(1, 10)], {(1, 10): 2.0})
    counts = [sum(1 for p in sol.assignments if p.officer_id == oid) for oid in (7, 8)]
    assert counts == [0, 3] or counts == [1, 2]  # 8 reaches 3 either way: k = 1, 2, 3 vs 3
    assert sol.total_cost == 3 * 20 + 100 * (1 + 2 + 3)


def test_unknown_distance_uses_the_default():
    classes = [ClassSlot(1, 10)]
    candidates = [Candidate(7, 1, 0, 1), Candidate(8, 2, 0, 1)]
    sol = solve(classes, candidates, [(1, 10), (2, 10)], {(2, 10): 25.0})
    p = by_class(sol)[1]
    assert p.officer_id == 7  # unknown = 20 km < 25 km
    assert p.cost == 200 + 100
    assert Reason("paired_unit", {"unit_id": 1, "distance_km": None}) in p.reasons
    sol = solve(classes, candidates, [(1, 10), (2, 10)], {(2, 10): 25.0}, Weights(unknown_distance_km=30))
    assert by_class(sol)[1].officer_id == 8


def test_a_low_unassigned_cost_leaves_far_classes_open():
    classes = [ClassSlot(1, 10)]
    candidates = [Candidate(7, 1, 0, 1)]
    sol = solve(classes, candidates, [(1, 10)], {(1, 10): 90.0}, Weights(unassigned=500))
    p = by_class(sol)[1]
    assert p.officer_id is None and p.cost == 500 and sol.total_cost == 500
    assert p.reasons[0].code == "too_costly"


def test_empty_inputs():
    assert solve([], [], [], {}) == Solution(assignments=[], total_cost=0)
    assert solve([], [Candidate(1, 1, 0, 3)], [(1, 10)], {}) == Solution(assignments=[], total_cost=0)
    sol = solve([ClassSlot(1, 10)], [], [(1, 10)], {})
    assert sol.covered == 0
    assert sol.assignments[0].reasons == [Reason("no_candidate", {"school_id": 10})]
    sol = solve([ClassSlot(1, 10)], [Candidate(1, 1, 0, 3)], [], {})
    assert sol.assignments[0].officer_id is None


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="class ids"):
        solve([ClassSlot(1, 10), ClassSlot(1, 11)], [], [], {})
    with pytest.raises(ValueError, match="officer ids"):
        solve([], [Candidate(1, 1, 0, 1), Candidate(1, 2, 0, 1)], [], {})
    with pytest.raises(ValueError, match="spread"):
        Weights(spread=-1)


def test_deterministic():
    rng = seeded(99)
    units, schools = list(range(1, 5)), list(range(11, 31))
    pairings = [(u, s) for s in schools for u in rng.sample(units, 2)]
    distances = {p: 5.0 for p in pairings}  # many ties
    candidates = [Candidate(1000 + i, rng.choice(units), rng.randint(0, 1), 3) for i in range(200)]
    classes = [ClassSlot(5000 + i, rng.choice(schools)) for i in range(400)]
    first = solve(classes, candidates, pairings, distances)
    for _ in range(3):
        assert solve(classes, candidates, list(pairings), dict(distances)) == first
    assert first.covered == 400


def test_solver_failure_is_reported(monkeypatch):
    class Failing(optimizer.min_cost_flow.SimpleMinCostFlow):
        def solve(self):
            return self.BAD_RESULT

    monkeypatch.setattr(optimizer, "min_cost_flow", type("M", (), {"SimpleMinCostFlow": Failing}))
    with pytest.raises(SolverError, match="not OPTIMAL"):
        solve([ClassSlot(1, 10)], [Candidate(1, 1, 0, 1)], [(1, 10)], {})


def test_reason_texts():
    texts = [
        Reason("continuity", {"officer_id": 1}).text(),
        Reason("paired_unit", {"unit_id": 1, "distance_km": 2.54}).text(),
        Reason("paired_unit", {"unit_id": 1, "distance_km": None}).text(),
        Reason("load", {"load_after": 2, "limit": 3}).text(),
        Reason("no_candidate", {"school_id": 1}).text(),
        Reason("no_capacity", {"school_id": 1, "unit_ids": [1]}).text(),
        Reason("too_costly", {"school_id": 1, "unassigned_cost": 5}).text(),
    ]
    assert all(isinstance(t, str) and t for t in texts)
    assert "2.5" in texts[1] and "2" in texts[3] and "3" in texts[3]


def test_works_without_django_settings():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    code = (
        "import sys\n"
        "from fazhi.assignments.optimizer import Candidate, ClassSlot, solve\n"
        "sol = solve([ClassSlot(1, 10), ClassSlot(2, 20)], [Candidate(7, 1, 0, 2)], [(1, 10)], {(1, 10): 1.0})\n"
        "print(sol.assignments[1].reasons[0].text())\n"
        "print(sol.assignments[0].reasons[0].text())\n"
        "assert 'django.db.models' not in sys.modules and 'fazhi.org.models' not in sys.modules\n"
    )
    out = subprocess.run(  # noqa: S603 — our own interpreter and code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == [
        "No unit with active officers is paired with this school.",
        "The officer's unit is paired with the school, 1.0 km away.",
    ]


def test_haversine_km():
    assert haversine_km(40.0, 94.0, 40.0, 94.0) == 0
    # one degree of latitude is about 111.2 km
    assert haversine_km(40.0, 94.0, 41.0, 94.0) == pytest.approx(111.2, abs=0.1)
    # Beijing to Shanghai, about 1,067 km as the crow flies
    assert haversine_km(39.9042, 116.4074, 31.2304, 121.4737) == pytest.approx(1067, abs=5)
