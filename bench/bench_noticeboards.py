"""Benchmark printing class noticeboards (班级公示栏) on a throw-away SQLite database.

    .venv/bin/python bench/bench_noticeboards.py              # 1,000 classes, officers with photos
    .venv/bin/python bench/bench_noticeboards.py --classes 565  # the demo city alone
    .venv/bin/python bench/bench_noticeboards.py --no-photos
    .venv/bin/python bench/bench_noticeboards.py --keep out.pdf   # keep the city's PDF to look at

The demo city (`seed_demo`, 40 schools, 565 classes, topped up to --classes with more classes in its schools,
each with an officer of its own) is created in a temporary directory; every class gets an
active rule-of-law homeroom teacher (the demo's own assignments where it makes them, direct ones otherwise)
and, unless --no-photos, every officer a 1200×1600 JPEG photo. Steps, one output line each:

* import WeasyPrint    — once per process (a server's worker pays it once, before its first print);
* one class            — one A4 page (the "print" button of a class);
* city, cold           — all the classes in one PDF, the photos' print copies made on the way;
* city, warm           — the same again, the print copies already made (an ordinary reprint);
* posting states       — posted / not posted / reprint needed for all the classes (the coverage page).

Targets: one class under 1 s, 1,000 classes under 40 s. Memory is the process's peak resident size so far.
`main(argv)` returns the measurements as dicts, for a suite runner (bench/run.py).
"""

import argparse
import datetime
import io
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"one class": 1.0, "city, cold": 40.0, "city, warm": 40.0}  # 1,000 classes


def setup_django(workdir: Path) -> None:
    """Point Django at a fresh SQLite file and media directory in `workdir` and migrate. If Django is already
    set up (by a suite runner), its database is used as it is: the runner must have made it a throw-away one."""
    import django
    from django.apps import apps

    if not apps.ready:
        sys.path.insert(0, str(ROOT))
        os.environ["FAZHI_VAR_DIR"] = str(workdir)
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"  # never a configured database
        os.environ["MEDIA_ROOT"] = str(workdir / "media")
        os.environ["DEBUG"] = "0"  # DEBUG would keep every query in memory
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fazhi.settings")
        django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def add_classes(classes: list, target: int) -> list:
    """Classes added to the demo's schools (class numbers from 31 up), each with an active officer of its own,
    until there are `target` classes; returns them all in print order."""
    from django.db import transaction
    from django.utils import timezone

    from fazhi.assignments.models import Assignment, Pairing
    from fazhi.org.models import Officer, SchoolClass, Unit

    if len(classes) >= target:
        return classes
    units = list(Unit.objects.filter(region_id=classes[0].school.region_id, kind="public_security"))
    start = datetime.date.today() - datetime.timedelta(days=30)
    with transaction.atomic():
        extra, numbers = [], {}
        for i in range(target - len(classes)):
            model = classes[i % len(classes)]
            key = (model.school_id, model.school_year, model.grade)
            numbers[key] = number = numbers.get(key, 30) + 1
            extra.append(SchoolClass(school=model.school, school_year=model.school_year, grade=model.grade,
                                     number=number, name=f"{model.grade}年级{number}班",
                                     student_count=40, public_token=f"bench{i:027d}", created_at=timezone.now()))
        SchoolClass.objects.bulk_create(extra)
        officers = Officer.objects.bulk_create([
            Officer(unit=units[i % len(units)], name=f"民警{i}", gender="M", phone=f"1390000{i:04d}", title="民警",
                    created_at=timezone.now()) for i in range(len(extra))])
        for klass, officer in zip(extra, officers, strict=True):
            pairing, _ = Pairing.objects.get_or_create(unit=officer.unit, school=klass.school,
                                                       school_year=klass.school_year)
            Assignment.objects.create(role="homeroom", officer=officer, school=klass.school, school_class=klass,
                                      school_year=klass.school_year, status="active", load_slot=1,
                                      starts_on=start, pairing=pairing)
    return list(SchoolClass.objects.filter(pk__in=[c.pk for c in classes + extra]).select_related("school")
                .order_by("school__name", "grade", "number"))


def make_city(photos: bool, classes_wanted: int = 0) -> list:
    """The demo city with an active officer in every class; returns its classes in print order."""
    from django.db import transaction

    from fazhi.assignments.models import Assignment, Pairing
    from fazhi.org.demo import DEMO_REGION, seed_demo
    from fazhi.org.models import Officer, SchoolClass

    seed_demo()
    try:
        from fazhi.assignments.demo import seed_assignments
    except ImportError:
        seed_assignments = None
    if seed_assignments is not None:
        seed_assignments()
    classes = list(SchoolClass.objects.filter(school__region_id=DEMO_REGION).select_related("school")
                   .order_by("school__name", "grade", "number"))
    covered = set(Assignment.objects.filter(role="homeroom", status__in=["confirmed", "active"])
                  .values_list("school_class_id", flat=True))
    Assignment.objects.filter(role="homeroom", status="confirmed").update(status="active")
    busy = set(Assignment.objects.filter(role="homeroom", status="active").values_list("officer_id", flat=True))
    free = iter(Officer.objects.filter(unit__region_id=DEMO_REGION, status="active").exclude(pk__in=busy)
                .select_related("unit").order_by("pk"))
    start = datetime.date.today() - datetime.timedelta(days=30)
    with transaction.atomic():
        for klass in classes:
            if klass.pk in covered:
                continue
            officer = next(free, None)
            if officer is None:
                break
            pairing, _ = Pairing.objects.get_or_create(unit=officer.unit, school=klass.school,
                                                       school_year=klass.school_year)
            Assignment.objects.create(role="homeroom", officer=officer, school=klass.school, school_class=klass,
                                      school_year=klass.school_year, status="active", load_slot=1,
                                      starts_on=start, pairing=pairing)
    classes = add_classes(classes, classes_wanted)
    if photos:
        give_photos()
    return classes


def give_photos() -> None:
    """A 1200×1600 JPEG portrait (about 100 KB, a typical phone photo cropped) for every officer in a class."""
    from django.conf import settings
    from PIL import Image, ImageDraw

    from fazhi.assignments.models import Assignment
    from fazhi.org.models import Officer

    image = Image.new("RGB", (1200, 1600), (70, 110, 160))
    draw = ImageDraw.Draw(image)
    draw.ellipse((400, 300, 800, 800), fill=(235, 205, 180))
    draw.rectangle((250, 900, 950, 1600), fill=(30, 40, 60))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    data = buffer.getvalue()
    folder = Path(settings.MEDIA_ROOT) / "officers" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    officers = list(Officer.objects.filter(
        pk__in=Assignment.objects.filter(role="homeroom", status="active").values("officer_id")))
    for officer in officers:
        (folder / f"{officer.pk}.jpg").write_bytes(data)
        officer.photo.name = f"officers/bench/{officer.pk}.jpg"
    Officer.objects.bulk_update(officers, ["photo"], batch_size=500)


def _memory_mb() -> float:
    """Peak resident size of this process or of the largest layout process it started (kilobytes on Linux)."""
    return max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024


def measure(label: str, rows: int, fn) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    start = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        outcome = fn()
    seconds = time.perf_counter() - start
    outcome = f"{outcome}, {len(queries)} queries"
    target = TARGETS.get(label)
    if target is not None:
        outcome += f", target < {target:g} s {'met' if seconds < target else 'MISSED'}"
    row = {"step": label, "rows": rows, "seconds": round(seconds, 3), "rows_per_s": round(rows / seconds, 1) if rows else 0,
           "peak_mb": round(_memory_mb(), 1), "outcome": outcome}
    print(f"noticeboards {label:<15} classes={rows:>5}  {seconds:7.2f} s  {row['rows_per_s']:>7} classes/s  "
          f"peak RSS {row['peak_mb']:7.1f} MB  {outcome}", flush=True)
    return row


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-photos", action="store_true", help="officers without photos")
    parser.add_argument("--keep", metavar="FILE.pdf", help="copy the city's PDF here")
    parser.add_argument("--classes", type=int, default=1000,
                        help="classes printed in the city steps (default 1000: the demo's 565 and more like them)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="fazhi-bench-") as tmp:
        workdir = Path(tmp)
        setup_django(workdir)
        from fazhi.assignments.noticeboard import posting_states, render_pdf

        started = time.perf_counter()
        classes = make_city(photos=not args.no_photos, classes_wanted=args.classes)
        print(f"noticeboards: demo city with {len(classes)} classes ready in {time.perf_counter() - started:.1f} s"
              f"{'' if args.no_photos else ', officers with photos'}", flush=True)
        from fazhi.org.models import SchoolClass

        def print_pdf(ids, name):
            def step():
                path = workdir / name
                # A fresh queryset, as a view or the command would pass it.
                pages = render_pdf(SchoolClass.objects.filter(pk__in=ids).order_by("school__name", "grade",
                                                                                     "number"), path)
                if pages != len(ids):
                    raise SystemExit(f"{len(ids)} classes printed on {pages} pages")
                return f"{pages} pages, {path.stat().st_size / 2**20:.1f} MB"
            return step

        ids = [c.pk for c in classes]
        def load_weasyprint():
            import weasyprint

            return f"WeasyPrint {weasyprint.__version__}"

        results = [
            # Once per server process (a gunicorn worker keeps it); then the print button of a class.
            measure("import WeasyPrint", 0, load_weasyprint),
            measure("one class", 1, print_pdf(ids[:1], "one.pdf")),
            measure("city, cold", len(ids), print_pdf(ids, "city.pdf")),
            measure("city, warm", len(ids), print_pdf(ids, "city.pdf")),
            measure("posting states", len(ids), lambda: _states(posting_states, classes)),
        ]
        if args.keep:
            import shutil

            shutil.copyfile(workdir / "city.pdf", args.keep)
        from django.db import connections

        connections.close_all()
    return results


def _states(posting_states, classes) -> str:
    states = posting_states(classes)
    counts: dict[str, int] = {}
    for state in states.values():
        counts[state] = counts.get(state, 0) + 1
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))


if __name__ == "__main__":
    rows = main()
    sys.exit(1 if any("MISSED" in r["outcome"] for r in rows) else 0)
