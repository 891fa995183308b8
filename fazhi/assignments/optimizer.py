"""Automatic proposals: which active officer should take which uncovered class.

Pure Python + numpy + OR-Tools, no database: the caller loads plain data (classes, candidates, unit–school
pairings, distances) and gets back one `Proposal` per class, each with its reasons.

The problem is a min-cost flow (`SimpleMinCostFlow`, exact and fast):

    class ──(distance cost)──▶ unit ──(free capacity)──▶ officer ──(k-th class: spread·k)──▶ sink
      │ └──(distance cost − continuity bonus)──────────────────▲
      └──────────────────────(unassigned cost)───────────────────────────────────────────────▶ sink

Each class node supplies one unit of flow. A class reaches a unit only if the unit is paired with the
class's school; an officer takes at most `limit - load` classes. The officer → sink arcs are one per extra
class, costing `spread * (load + k)` for the officer's k-th extra class: the costs rise, so the solver fills
them in order and spreads classes evenly over officers. The only class-specific officer arc is the direct
"continuity" arc from a class to last year's officer of the class it was promoted from.

By default leaving a class open costs more than any path that covers it could, so the solver first covers
as many classes as possible, then minimises the cost (see `_default_unassigned_cost`).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.core.exceptions import AppRegistryNotReady, ImproperlyConfigured
from django.utils.translation import gettext
from ortools.graph.python import min_cost_flow

__all__ = [
    "Candidate", "ClassSlot", "Proposal", "Reason", "Solution", "SolverError", "Weights", "haversine_km", "solve",
]

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class ClassSlot:
    """An uncovered class. `previous_officer_id`: last school year's officer of the class it was promoted from."""

    id: int
    school_id: int
    previous_officer_id: int | None = None


@dataclass(frozen=True)
class Candidate:
    """An active officer who already holds `load` classes and may hold at most `limit`."""

    id: int
    unit_id: int
    load: int
    limit: int

    @property
    def free(self) -> int:
        return max(0, self.limit - self.load)


@dataclass(frozen=True)
class Weights:
    """Integer cost units. Giving class c to officer o costs

        round(distance_km(unit(o), school(c)) * per_km)      (unknown distance → unknown_distance_km)
        − continuity_bonus                                  (if o was last year's officer of c)
        + spread * k                                        (c is the officer's k-th class overall)

    and leaving a class open costs `unassigned` (default: more than covering it could ever cost)."""

    per_km: int = 10
    unknown_distance_km: float = 20.0
    continuity_bonus: int = 1000
    spread: int = 100
    unassigned: int | None = None

    def __post_init__(self):
        for name in ("per_km", "continuity_bonus", "spread"):
            value = getattr(self, name)
            if not isinstance(value, numbers.Integral) or value < 0:
                raise ValueError(f"Weights.{name} must be a non-negative integer, got {value!r}")
        if not (self.unknown_distance_km >= 0 and math.isfinite(self.unknown_distance_km)):
            raise ValueError(f"Weights.unknown_distance_km must be a non-negative number, got {self.unknown_distance_km!r}")
        if self.unassigned is not None and not isinstance(self.unassigned, numbers.Integral):
            raise ValueError(f"Weights.unassigned must be an integer or None, got {self.unassigned!r}")


def _gettext(msgid: str) -> str:
    """Translate with Django when it is set up; the English msgid otherwise (scripts, tests without settings)."""
    try:
        return gettext(msgid)
    except (ImproperlyConfigured, AppRegistryNotReady):
        return msgid


def gettext_noop(message: str) -> str:
    """Marks a msgid for makemessages. Django's own gettext_noop reads the settings, which this module must
    not need at import time."""
    return message


# code -> English msgid, %-interpolated with the reason's params.
_MESSAGES = {
    "continuity": gettext_noop("Keeps last school year's officer of this class."),
    "paired_unit": gettext_noop("The officer's unit is paired with the school, %(distance_km).1f km away."),
    "paired_unit_unknown": gettext_noop("The officer's unit is paired with the school (distance unknown)."),
    "load": gettext_noop("This would be the officer's class %(load_after)d of at most %(limit)d."),
    "no_candidate": gettext_noop("No unit with active officers is paired with this school."),
    "no_capacity": gettext_noop("Every officer of the units paired with this school is already at the class limit."),
    "too_costly": gettext_noop("Left open: every officer with room is costlier than leaving the class open."),
}


@dataclass(frozen=True)
class Reason:
    """Why a proposal is what it is. Codes: continuity, paired_unit (unit_id, distance_km or None), load
    (load_after, limit), no_candidate (school_id), no_capacity (school_id, unit_ids), too_costly (school_id,
    unassigned_cost: only with a low `Weights.unassigned`)."""

    code: str
    params: dict = field(default_factory=dict)

    def text(self) -> str:
        key = self.code
        if key == "paired_unit" and self.params.get("distance_km") is None:
            key = "paired_unit_unknown"
        msgid = _MESSAGES.get(key)
        if msgid is None:
            return self.code
        return _gettext(msgid) % self.params


@dataclass(frozen=True)
class Proposal:
    """One class: the proposed officer (None: leave it open), what that costs, and why."""

    class_id: int
    officer_id: int | None
    cost: int
    reasons: list[Reason]


@dataclass(frozen=True)
class Solution:
    """One proposal per class, in the order of the classes given; `total_cost` is their sum (minimal)."""

    assignments: list[Proposal]
    total_cost: int

    @property
    def covered(self) -> int:
        return sum(1 for p in self.assignments if p.officer_id is not None)


class SolverError(RuntimeError):
    """OR-Tools did not find an optimal flow (should not happen: the problem is always feasible)."""


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in kilometres between two points given in decimal degrees."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp = p2 - p1
    dl = math.radians(float(lng2) - float(lng1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _validate(classes: Sequence[ClassSlot], candidates: Sequence[Candidate]) -> None:
    if len({c.id for c in classes}) != len(classes):
        raise ValueError("solve(): class ids must be unique")
    if len({o.id for o in candidates}) != len(candidates):
        raise ValueError("solve(): officer ids must be unique")
    for o in candidates:
        if o.load < 0 or o.limit < 0:
            raise ValueError(f"solve(): officer {o.id} has a negative load or limit")


def _default_unassigned_cost(class_tails, class_costs, n_classes: int, slot_costs) -> int:
    """A cost for leaving a class open that makes every maximum-coverage flow cheaper than any other.

    If an optimal flow left class u open although more classes could be covered, there would be an
    augmenting path u → … → sink in its residual graph: u takes one arc, each other class on the path moves
    from one of its arcs to another (at most max − min of its arc costs), unit → officer arcs cost nothing,
    and the path ends on one officer → sink arc. Taking it would change the cost by (path cost − unassigned);
    with unassigned above every such path cost that is a saving — a contradiction. So
    unassigned = 1 + Σ_classes (max arc − min arc) + max arc + max slot arc. It also exceeds any single
    assigned cost (an arc plus a slot), as documented."""
    if len(class_costs) == 0:
        return 1
    hi = np.full(n_classes, np.iinfo(np.int64).min, dtype=np.int64)
    lo = np.full(n_classes, np.iinfo(np.int64).max, dtype=np.int64)
    np.maximum.at(hi, class_tails, class_costs)
    np.minimum.at(lo, class_tails, class_costs)
    has = hi >= lo
    spread_sum = int((hi[has] - lo[has]).sum())
    max_slot = int(slot_costs.max()) if len(slot_costs) else 0
    return 1 + spread_sum + max(0, int(class_costs.max())) + max(0, max_slot)


def solve(
    classes: Sequence[ClassSlot],
    candidates: Sequence[Candidate],
    pairings: Iterable[tuple[int, int]],
    distances_km: Mapping[tuple[int, int], float],
    weights: Weights = Weights(),  # noqa: B008 — frozen, so a shared default is safe
) -> Solution:
    """Propose an officer (or none) for every class, at minimum total cost (see `Weights`).

    `pairings`: (unit_id, school_id) pairs — an officer may only take classes of schools paired with the
    officer's unit. `distances_km`: (unit_id, school_id) → km; missing (or None) means unknown."""
    classes = list(classes)
    candidates = list(candidates)
    _validate(classes, candidates)
    n = len(classes)
    if n == 0:
        return Solution(assignments=[], total_cost=0)

    # --- plain-data indexes (deterministic: sorted ids, input order for classes and officers) ---
    pair_set = {(u, s) for u, s in pairings}
    class_schools = sorted({c.school_id for c in classes})
    units_of_school: dict[int, list[int]] = {s: [] for s in class_schools}
    for u, s in sorted(pair_set):
        if s in units_of_school:
            units_of_school[s].append(u)
    officers_of_unit: dict[int, list[Candidate]] = {}
    for o in candidates:
        officers_of_unit.setdefault(o.unit_id, []).append(o)

    dist_cost_cache: dict[tuple[int, int], tuple[int, float | None]] = {}

    def dist_cost(u: int, s: int) -> tuple[int, float | None]:
        key = (u, s)
        hit = dist_cost_cache.get(key)
        if hit is None:
            km = distances_km.get(key)
            km = None if km is None else float(km)
            if km is not None and not math.isfinite(km):
                km = None
            hit = (round((weights.unknown_distance_km if km is None else km) * weights.per_km), km)
            dist_cost_cache[key] = hit
        return hit

    # Units in the graph: paired with a school that has classes, with at least one officer with room.
    graph_units = sorted({u for us in units_of_school.values() for u in us
                          if any(o.free > 0 for o in officers_of_unit.get(u, ()))})
    unit_node = {u: n + i for i, u in enumerate(graph_units)}
    graph_officers = [o for o in candidates if o.free > 0 and o.unit_id in unit_node]
    first_officer_node = n + len(graph_units)
    officer_node = {o.id: first_officer_node + i for i, o in enumerate(graph_officers)}
    sink = first_officer_node + len(graph_officers)

    # --- class → unit arcs, vectorised through a school → units CSR ---
    school_index = {s: i for i, s in enumerate(class_schools)}
    ptr = [0]
    su_node: list[int] = []
    su_cost: list[int] = []
    for s in class_schools:
        for u in units_of_school[s]:
            if u in unit_node:
                su_node.append(unit_node[u])
                su_cost.append(dist_cost(u, s)[0])
        ptr.append(len(su_node))
    ptr_a = np.asarray(ptr, dtype=np.int64)
    su_node_a = np.asarray(su_node, dtype=np.int32)
    su_cost_a = np.asarray(su_cost, dtype=np.int64)
    cls_school = np.fromiter((school_index[c.school_id] for c in classes), dtype=np.int64, count=n)
    deg = (ptr_a[1:] - ptr_a[:-1])[cls_school]
    n_cu = int(deg.sum())
    cu_tails = np.repeat(np.arange(n, dtype=np.int32), deg)
    offsets = np.arange(n_cu, dtype=np.int64) - np.repeat(np.cumsum(deg) - deg, deg)
    csr_idx = np.repeat(ptr_a[:-1][cls_school], deg) + offsets
    cu_heads = su_node_a[csr_idx] if n_cu else np.zeros(0, dtype=np.int32)
    cu_costs = su_cost_a[csr_idx] if n_cu else np.zeros(0, dtype=np.int64)

    # --- continuity arcs: class → last year's officer, if paired and with room ---
    officer_by_id = {o.id: o for o in graph_officers}
    ct_tails: list[int] = []
    ct_heads: list[int] = []
    ct_costs: list[int] = []
    for i, c in enumerate(classes):
        o = officer_by_id.get(c.previous_officer_id) if c.previous_officer_id is not None else None
        if o is not None and (o.unit_id, c.school_id) in pair_set:
            ct_tails.append(i)
            ct_heads.append(officer_node[o.id])
            ct_costs.append(dist_cost(o.unit_id, c.school_id)[0] - weights.continuity_bonus)
    ct_tails_a = np.asarray(ct_tails, dtype=np.int32)
    ct_heads_a = np.asarray(ct_heads, dtype=np.int32)
    ct_costs_a = np.asarray(ct_costs, dtype=np.int64)

    # --- unit → officer arcs and the convex officer → sink arcs ---
    # An officer can receive no more classes than can reach the officer's unit: cap the slots there.
    reach = np.bincount(cu_heads - n, minlength=len(graph_units)) if n_cu else np.zeros(len(graph_units), np.int64)
    uo_tails = np.fromiter((unit_node[o.unit_id] for o in graph_officers), dtype=np.int32, count=len(graph_officers))
    uo_heads = np.arange(first_officer_node, sink, dtype=np.int32)
    free = np.fromiter((o.free for o in graph_officers), dtype=np.int64, count=len(graph_officers))
    load = np.fromiter((o.load for o in graph_officers), dtype=np.int64, count=len(graph_officers))
    slots = np.minimum(free, reach[uo_tails - n]) if len(graph_officers) else free
    n_slots = int(slots.sum())
    sl_tails = np.repeat(uo_heads, slots)
    sl_k = np.arange(n_slots, dtype=np.int64) - np.repeat(np.cumsum(slots) - slots, slots) + 1
    sl_costs = weights.spread * (np.repeat(load, slots) + sl_k)

    all_class_tails = np.concatenate([cu_tails, ct_tails_a])
    all_class_costs = np.concatenate([cu_costs, ct_costs_a])
    unassigned = None if weights.unassigned is None else int(weights.unassigned)
    if unassigned is None:
        unassigned = _default_unassigned_cost(all_class_tails, all_class_costs, n, sl_costs)

    # --- build and solve ---
    smcf = min_cost_flow.SimpleMinCostFlow()
    base_cu = 0
    base_ct = base_cu + n_cu
    base_uo = base_ct + len(ct_tails)
    base_sl = base_uo + len(graph_officers)
    tails = np.concatenate([cu_tails, ct_tails_a, uo_tails, sl_tails, np.arange(n, dtype=np.int32)])
    heads = np.concatenate([cu_heads, ct_heads_a, uo_heads, np.full(n_slots + n, sink, dtype=np.int32)])
    caps = np.concatenate([np.ones(n_cu + len(ct_tails), np.int64), slots, np.ones(n_slots + n, np.int64)])
    costs = np.concatenate([cu_costs, ct_costs_a, np.zeros(len(graph_officers), np.int64), sl_costs,
                            np.full(n, unassigned, np.int64)])
    arcs = smcf.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64), costs.astype(np.int64))
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:n] = 1
    supplies[sink] = -n
    smcf.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        raise SolverError(f"min-cost flow solver returned {status!r}, not OPTIMAL "
                          f"({n} classes, {len(graph_officers)} officers with room)")
    flows = smcf.flows(np.asarray(arcs, dtype=np.int32))

    # --- recover class → officer ---
    officer_of_class: list[Candidate | None] = [None] * n
    for a in np.flatnonzero(flows[base_ct:base_uo]):
        officer_of_class[ct_tails[a]] = graph_officers[ct_heads[a] - first_officer_node]
    # Unit → officer flows are counts; hand each unit's classes to its officers deterministically.
    # Officer costs do not depend on the class, so any hand-out costs the same; give a class its previous
    # officer when that officer takes classes through the unit anyway (a tie only when continuity_bonus = 0).
    remaining = {graph_officers[j].id: int(f) for j, f in enumerate(flows[base_uo:base_sl]) if f}
    via_unit: dict[int, list[int]] = {}
    routed = np.flatnonzero(flows[base_cu:base_ct])
    for cls, node in zip(cu_tails[routed].tolist(), cu_heads[routed].tolist(), strict=True):
        via_unit.setdefault(graph_units[node - n], []).append(cls)
    for u, cls_list in via_unit.items():
        rest = []
        for i in cls_list:
            prev = classes[i].previous_officer_id
            o = officer_by_id.get(prev) if prev is not None else None
            if o is not None and o.unit_id == u and remaining.get(o.id, 0) > 0:
                officer_of_class[i] = o
                remaining[o.id] -= 1
            else:
                rest.append(i)
        queue = [o for o in officers_of_unit[u] if remaining.get(o.id, 0) > 0]
        qi = 0
        for i in rest:
            o = queue[qi]
            officer_of_class[i] = o
            remaining[o.id] -= 1
            if remaining[o.id] == 0:
                qi += 1

    # --- proposals, costs and reasons ---
    used: dict[int, int] = {}
    for o in officer_of_class:
        if o is not None:
            used[o.id] = used.get(o.id, 0) + 1
    unit_has_room = {u: any(o.free > used.get(o.id, 0) for o in officers)
                     for u, officers in officers_of_unit.items()}
    used.clear()
    proposals: list[Proposal] = []
    total = 0
    for i, c in enumerate(classes):
        o = officer_of_class[i]
        if o is None:
            reasons = _open_reasons(c, units_of_school[c.school_id], officers_of_unit, unit_has_room, unassigned)
            proposals.append(Proposal(class_id=c.id, officer_id=None, cost=unassigned, reasons=reasons))
            total += unassigned
            continue
        k = o.load + used.get(o.id, 0) + 1
        used[o.id] = used.get(o.id, 0) + 1
        cost, km = dist_cost(o.unit_id, c.school_id)
        reasons = []
        if o.id == c.previous_officer_id:
            cost -= weights.continuity_bonus
            reasons.append(Reason("continuity", {"officer_id": o.id}))
        cost += weights.spread * k
        reasons.append(Reason("paired_unit", {"unit_id": o.unit_id, "distance_km": km}))
        reasons.append(Reason("load", {"load_after": k, "limit": o.limit}))
        proposals.append(Proposal(class_id=c.id, officer_id=o.id, cost=cost, reasons=reasons))
        total += cost
    if total != smcf.optimal_cost():
        raise SolverError(f"internal error: proposals cost {total}, the flow {smcf.optimal_cost()}")
    return Solution(assignments=proposals, total_cost=total)


def _open_reasons(c: ClassSlot, paired_units: list[int], officers_of_unit: dict[int, list[Candidate]],
                  unit_has_room: dict[int, bool], unassigned: int) -> list[Reason]:
    staffed = [u for u in paired_units if officers_of_unit.get(u)]
    if not staffed:
        return [Reason("no_candidate", {"school_id": c.school_id})]
    if not any(unit_has_room[u] for u in staffed):
        return [Reason("no_capacity", {"school_id": c.school_id, "unit_ids": staffed})]
    return [Reason("too_costly", {"school_id": c.school_id, "unassigned_cost": unassigned})]
