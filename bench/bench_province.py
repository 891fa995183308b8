"""Province-scale benchmarks on PostgreSQL: the headline figures against one hand-written SQL query, and the
main list and dashboard pages through the test client.

    .venv/bin/python bench/bench_province.py                # province data set at scale 1.0 (see below)
    .venv/bin/python bench/bench_province.py --repeat 7
    .venv/bin/python bench/bench_province.py --pages-only --scale 0.01 \
        --database-url postgres://postgres@127.0.0.1:5432/fazhi_bench_small   # the same pages, 1/100 the data

The data set lives in the PostgreSQL database `BENCH_DATABASE_URL` (default
postgres://postgres@127.0.0.1:5432/fazhi_bench). When that database does not exist it is created, migrated
and filled with `generate_province --scale` (--scale or BENCH_SCALE, default 1.0: 15,000 schools, 100,000 classes,
1,000,000 activities, 200,000 tips, 2,000,000 survey answers; about half an hour on this machine); later
runs reuse it (and migrate it, so that new indexes are measured). `BENCH_REBUILD=1` drops it first. The
benchmark adds two staff accounts (a provincial committee administrator and a county one) and nothing else.

Steps (each the median of --repeat runs after one warm-up run):

* figures <scope> — `fazhi.activities.stats.figures()` for the province (62) and for one county, for this
  school year, as `stats --json` and the dashboards compute them;
* figures <scope> SQL — one hand-written SQL query computing the same numbers (checked equal): the floor.
  `ratio` is the first divided by the second;
* page <name> — a page through Django's test client as the provincial committee administrator: time and
  the number of SQL queries; the same page as the county administrator must make the same number of
  queries (`queries_county`), or the count depends on the data.
"""

import argparse
import datetime
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fazhi_bench"
PROVINCE = "62"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _psql(url: str, sql: str) -> str:
    import dj_database_url

    cfg = dj_database_url.parse(url)
    admin = ["psql", "-h", cfg["HOST"] or "127.0.0.1", "-p", str(cfg["PORT"] or 5432), "-U", cfg["USER"] or "postgres",
             "-d", "postgres", "-tAc", sql]
    env = {**os.environ, **({"PGPASSWORD": cfg["PASSWORD"]} if cfg["PASSWORD"] else {})}
    return subprocess.run(admin, check=True, capture_output=True, text=True, env=env).stdout.strip()  # noqa: S603


def setup_django(url: str, scale: float) -> None:
    """Create (when missing), migrate and fill the province database, then point Django at it (also used by
    bench_migrations.py for its own copy)."""
    import dj_database_url

    name = dj_database_url.parse(url)["NAME"]
    if os.environ.get("BENCH_REBUILD") == "1":
        _psql(url, f'DROP DATABASE IF EXISTS "{name}"')
    exists = _psql(url, "SELECT 1 FROM pg_database WHERE datname = '" + name.replace("'", "") + "'") == "1"  # noqa: S608 — quotes removed  # nosec B608
    if not exists:
        _psql(url, f'CREATE DATABASE "{name}"')
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fazhi.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from fazhi.org.models import School

    if not School.objects.exists():
        print(f"bench_province: generating the province at scale {scale} into {name} (once; reused later)",
              flush=True)
        t = time.perf_counter()
        call_command("generate_province", scale=scale)
        print(f"bench_province: generated in {time.perf_counter() - t:.0f} s", flush=True)
        subprocess.run(["psql", url, "-qc", "VACUUM ANALYZE"], check=True)  # noqa: S603,S607


def users():
    """The provincial and a county committee administrator (created once)."""
    from fazhi.accounts.models import Membership, Role, User
    from fazhi.org.models import Region, School

    county = (Region.objects.filter(code__regex=r"^[0-9]{6}$", pk__in=School.objects.values("region_id"))
              .order_by("code").first())
    out = {}
    for username, region in (("bench-province", Region.objects.get(code=PROVINCE)), ("bench-county", county)):
        user, created = User.objects.get_or_create(username=username, defaults={"full_name": username})
        if created:
            Membership.objects.create(user=user, role=Role.COMMITTEE_ADMIN, region=region)
        out[username] = (user, region)
    return out


def timed(fn, repeat: int) -> tuple[float, object]:
    fn()  # warm-up: caches, plans, connection
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


# ---- the floor: one hand-written query --------------------------------------------------------------

def floor_sql() -> str:
    """One PostgreSQL query computing every number of `figures()` for a region prefix and a period."""
    from fazhi.activities.models import KIND_FIGURE
    from fazhi.confidential.models import SpecialStudent
    from fazhi.tips.models import OPEN, Category, ConfiscatedItem, Status

    kinds = "".join(f", count(*) FILTER (WHERE kind = '{k}') AS {f}" for k, f in KIND_FIGURE.items())
    cats = "".join(f", count(*) FILTER (WHERE category = '{c}') AS tip_{c}" for c in Category.values)
    states = "".join(f", count(*) FILTER (WHERE status = '{s}') AS case_{s}" for s in Status.values)
    items = "".join(f", coalesce(sum(count) FILTER (WHERE kind = '{k}'), 0) AS item_{k}"
                    for k in ConfiscatedItem.Kind.values)
    special = "".join(f", count(*) FILTER (WHERE category = '{c}') AS special_{c}"
                      for c in SpecialStudent.Category.values)
    open_states = ", ".join(f"'{s}'" for s in OPEN)
    return f"""
WITH sch AS (SELECT id FROM org_school WHERE region_id LIKE %(prefix)s),
act AS (
  SELECT count(*) AS activities_total, count(*) FILTER (WHERE mode = 'online') AS online_activities,
         coalesce(sum(handbooks), 0) AS handbooks, coalesce(sum(pledges), 0) AS pledges,
         coalesce(sum(students), 0) AS students_reached, coalesce(sum(teachers), 0) AS teachers_reached,
         coalesce(sum(parents), 0) AS parents_reached, count(DISTINCT school_id) AS schools_reached {kinds}
  FROM activities_activity WHERE school_id IN (SELECT id FROM sch) AND date BETWEEN %(start)s AND %(end)s),
held AS (
  SELECT count(DISTINCT officer_id) AS officers_in_classes FROM assignments_assignment
  WHERE role = 'homeroom' AND status IN ('active', 'ended') AND starts_on <= %(end)s
    AND (ended_on IS NULL OR ended_on >= %(start)s) AND school_id IN (SELECT id FROM sch)),
t AS (
  SELECT t.category, t.created_at, c.* FROM tips_tip t LEFT JOIN tips_case c ON c.tip_id = t.id
  WHERE t.school_id IN (SELECT id FROM sch)
    AND (t.created_at AT TIME ZONE %(tz)s)::date BETWEEN %(start)s AND %(end)s),
tip AS (
  SELECT count(*) AS tips_total, count(*) FILTER (WHERE urgent) AS tips_urgent {cats} {states},
         count(*) FILTER (WHERE status IN ({open_states})) AS tips_open,
         count(*) FILTER (WHERE (status = 'received' AND acknowledge_due < %(now)s)
                           OR (status IN ('investigating', 'recheck') AND investigation_due < %(now)s)) AS tips_overdue,
         count(*) FILTER (WHERE conclusion = 'bullying') AS cases_bullying_confirmed,
         count(*) FILTER (WHERE police_reported_on IS NOT NULL) AS cases_reported_to_police,
         count(*) FILTER (WHERE conclusion IN ('unfounded', 'false_report')) AS cases_unfounded,
         count(*) FILTER (WHERE appealed_on IS NOT NULL) AS cases_appealed,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM acknowledged_at - created_at))
           AS ack_seconds,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - created_at)) AS close_seconds
  FROM t),
item AS (
  SELECT coalesce(sum(count), 0) AS items_confiscated {items} FROM tips_confiscateditem
  WHERE school_id IN (SELECT id FROM sch) AND seized_on BETWEEN %(start)s AND %(end)s),
dispute AS (
  SELECT count(*) FILTER (WHERE received_on BETWEEN %(start)s AND %(end)s) AS disputes_received,
         count(*) FILTER (WHERE state = 'resolved' AND resolved_on BETWEEN %(start)s AND %(end)s)
           AS disputes_resolved
  FROM tips_dispute WHERE school_id IN (SELECT id FROM sch)),
hazard AS (
  SELECT count(*) AS hazards_found, count(*) FILTER (WHERE state = 'resolved') AS hazards_resolved
  FROM tips_hazard WHERE school_id IN (SELECT id FROM sch) AND found_on BETWEEN %(start)s AND %(end)s),
entry AS (
  SELECT e.id, e.survey_id, e.flagged_tip_id, k.student_count FROM surveys_surveyclass e
  JOIN surveys_survey v ON v.id = e.survey_id JOIN org_schoolclass k ON k.id = e.school_class_id
  WHERE v.opens_on BETWEEN %(start)s AND %(end)s AND k.school_id IN (SELECT id FROM sch)),
survey AS (
  SELECT count(DISTINCT survey_id) AS surveys_held, count(*) AS survey_classes, sum(student_count) AS students,
         count(*) FILTER (WHERE flagged_tip_id IS NOT NULL) AS survey_classes_flagged FROM entry),
response AS (
  SELECT count(*) AS survey_responses, count(*) FILTER (WHERE flagged_tip_id IS NOT NULL) AS survey_answers_flagged
  FROM surveys_response WHERE survey_class_id IN (SELECT id FROM entry)),
student AS (
  SELECT count(*) AS special_students_total, count(*) FILTER (WHERE next_review < %(today)s) AS overdue {special}
  FROM confidential_specialstudent WHERE school_id IN (SELECT id FROM sch)),
staff AS (
  SELECT count(*) AS staff_concerns_total, count(*) FILTER (WHERE next_review < %(today)s) AS overdue
  FROM confidential_staffconcern WHERE school_id IN (SELECT id FROM sch))
SELECT act.*, held.*, tip.*, item.*, dispute.*, hazard.*, survey.*, response.*, student.*,
       staff.staff_concerns_total, staff.overdue AS staff_overdue
FROM act, held, tip, item, dispute, hazard, survey, response, student, staff"""  # noqa: S608 — only the models' choice values; parameters bound  # nosec B608


def floor_figures(prefix: str, start: datetime.date, end: datetime.date) -> dict:
    """The floor query's row, shaped as `figures()` returns it (so that the two can be compared)."""
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from fazhi.activities.models import KIND_FIGURE
    from fazhi.confidential.models import SpecialStudent
    from fazhi.tips.models import Category, ConfiscatedItem, Status

    with connection.cursor() as cur:
        cur.execute(floor_sql(), {"prefix": prefix + "%", "start": start, "end": end, "tz": settings.TIME_ZONE,
                                  "today": timezone.localdate(), "now": timezone.now()})
        row = dict(zip([c.name for c in cur.description], cur.fetchone(), strict=True))

    def hours(seconds):
        return None if seconds is None else round(seconds / 3600, 1)

    out = {"region": prefix, "from": start.isoformat(), "to": end.isoformat(),
           "officers_in_classes": row["officers_in_classes"]}
    for key in ("activities_total", "online_activities", "handbooks", "pledges", "students_reached",
                "teachers_reached", "parents_reached", "schools_reached", *KIND_FIGURE.values()):
        out[key] = row[key]
    out.update({
        "tips_total": row["tips_total"], "tips_urgent": row["tips_urgent"],
        "tips_by_kind": {c: row[f"tip_{c}"] for c in Category.values},
        "tips_by_status": {s: row[f"case_{s}"] for s in Status.values},
        "tips_open": row["tips_open"], "tips_overdue": row["tips_overdue"],
        "cases_bullying_confirmed": row["cases_bullying_confirmed"],
        "cases_reported_to_police": row["cases_reported_to_police"],
        "cases_unfounded": row["cases_unfounded"], "cases_appealed": row["cases_appealed"],
        "median_hours_to_acknowledge": hours(row["ack_seconds"]), "median_hours_to_close": hours(row["close_seconds"]),
        "items_confiscated": row["items_confiscated"],
        "items_by_kind": {k: row[f"item_{k}"] for k in ConfiscatedItem.Kind.values},
        "disputes_received": row["disputes_received"], "disputes_resolved": row["disputes_resolved"],
        "hazards_found": row["hazards_found"], "hazards_resolved": row["hazards_resolved"],
        "surveys_held": row["surveys_held"], "survey_classes": row["survey_classes"],
        "survey_responses": row["survey_responses"],
        "survey_participation_percent": (round(100 * row["survey_responses"] / row["students"], 1)
                                         if row["students"] else None),
        "survey_classes_flagged": row["survey_classes_flagged"],
        "survey_answers_flagged": row["survey_answers_flagged"],
        "special_students_by_category": {c: row[f"special_{c}"] for c in SpecialStudent.Category.values},
        "special_students_total": row["special_students_total"],
        "staff_concerns_total": row["staff_concerns_total"],
        "reviews_overdue": row["overdue"] + row["staff_overdue"],
    })
    return out


# ---- pages ------------------------------------------------------------------------------------------

def pages(county_code: str) -> list[tuple[str, str]]:
    return [
        ("home", "/"),
        ("dashboard, province", f"/dashboard/?region={PROVINCE}&period=year"),
        ("dashboard, county", f"/dashboard/?region={county_code}&period=year"),
        ("figures", "/figures/"),
        ("schools", "/schools/"),
        ("classes", "/classes/"),
        ("officers", "/officers/"),
        ("units", "/units/"),
        ("assignments", "/assignments/"),
        ("coverage", "/coverage/"),
        ("activities", "/activities/"),
        ("cases", "/cases/"),
        ("surveys", "/surveys/"),
        ("alerts", "/alerts/"),
        ("inspections", "/oversight/"),
        ("circulars", "/circulars/"),
    ]


def page_rows(repeat: int) -> list[dict]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    accounts = users()
    province_user, _ = accounts["bench-province"]
    county_user, county = accounts["bench-county"]
    clients = {}
    for key, user in (("province", province_user), ("county", county_user)):
        clients[key] = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        clients[key].force_login(user)
    rows = []
    for name, url in pages(county.code):
        counts = {}
        for key in ("county", "province"):
            with CaptureQueriesContext(connection) as ctx:
                response = clients[key].get(url if key == "province" else _county_url(url, county.code))
            if response.status_code != 200:
                raise RuntimeError(f"{url} as {key}: HTTP {response.status_code}")
            counts[key] = len(ctx.captured_queries)
        seconds, _ = timed(lambda url=url: clients["province"].get(url), repeat)
        rows.append({"step": f"page {name}", "rows": 1, "seconds": round(seconds, 4), "rows_per_s": 0,
                     "peak_mb": round(peak_mb(), 1), "queries": counts["province"],
                     "queries_county": counts["county"],
                     "outcome": f"{counts['province']} queries (county account: {counts['county']})"})
    return rows


def _county_url(url: str, county_code: str) -> str:
    """The county administrator's version of a page (their own dashboard instead of the province's)."""
    return url.replace(f"region={PROVINCE}&", f"region={county_code}&")


# ---- main -------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-pages", action="store_true")
    parser.add_argument("--pages-only", action="store_true")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", "1.0")),
                        help="generate_province --scale when the database has to be filled (default 1.0)")
    args = parser.parse_args(argv)
    setup_django(args.database_url, args.scale)
    if args.pages_only:
        return page_rows(max(3, args.repeat // 2))

    import time_machine
    from django.utils import timezone

    from fazhi.activities.models import Activity
    from fazhi.activities.stats import figures
    from fazhi.org.models import current_school_year

    year = current_school_year(timezone.localdate())
    start, end = datetime.date(year, 9, 1), datetime.date(year + 1, 8, 31)
    county = users()["bench-county"][1].code
    total = Activity.objects.count()
    rows = []
    for label, prefix in (("province", PROVINCE), ("county", county)):
        n = Activity.objects.in_region(prefix).count()
        seconds, _ = timed(lambda p=prefix: figures(region=p, start=start, end=end), args.repeat)
        floor_seconds, _ = timed(lambda p=prefix: floor_figures(p, start, end), args.repeat)
        with time_machine.travel(timezone.now(), tick=False):  # the same "now" for the overdue cases
            orm, floor = figures(region=prefix, start=start, end=end), floor_figures(prefix, start, end)
        diff = sorted(k for k in orm if orm[k] != floor.get(k))
        if diff:
            raise RuntimeError(f"figures {label}: the floor query disagrees on {diff}: "
                               f"{[(k, orm[k], floor.get(k)) for k in diff]}")
        ratio = seconds / floor_seconds
        rows.append({"step": f"figures {label}", "rows": n, "seconds": round(seconds, 4),
                     "rows_per_s": round(n / seconds), "peak_mb": round(peak_mb(), 1), "ratio": round(ratio, 2),
                     "outcome": f"region {prefix}, {start}..{end}; {n:,} of {total:,} activities; "
                                f"ratio {ratio:.2f} to the SQL floor"})
        rows.append({"step": f"figures {label} SQL", "rows": n, "seconds": round(floor_seconds, 4),
                     "rows_per_s": round(n / floor_seconds), "peak_mb": round(peak_mb(), 1),
                     "outcome": "one hand-written query, same numbers (checked)"})
    if not args.no_pages:
        rows += page_rows(max(3, args.repeat // 2))
    return rows


if __name__ == "__main__":
    for row in main(sys.argv[1:]):
        print(row)
