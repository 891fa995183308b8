"""Print the class noticeboards (班级公示栏) of a region or a school as one PDF, one A4 page per class.

    python manage.py print_noticeboards --region 620982 --out dunhuang.pdf
    python manage.py print_noticeboards --region 620982 --school 12 --out school.pdf
    python manage.py print_noticeboards --school 12 --year 2026 --out school.pdf

Classes of the current school year by default. Prints the number of pages and the time taken.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fazhi.assignments.noticeboard import render_pdf
from fazhi.org.models import Region, School, SchoolClass, current_school_year


class Command(BaseCommand):
    help = "Print the class noticeboards of a region (or one school) as one PDF, one A4 page per class."

    def add_arguments(self, parser):
        parser.add_argument("--region", help="region code (GB/T 2260), e.g. 620982; every class below it")
        parser.add_argument("--school", type=int, help="only this school (its id)")
        parser.add_argument("--year", type=int, help="school year, e.g. 2026 (default: the current one)")
        parser.add_argument("--out", required=True, help="the PDF file to write")

    def handle(self, *args, region=None, school=None, year=None, out, **options):
        if not region and not school:
            raise CommandError("Give --region CODE or --school ID.")
        year = year or current_school_year()
        classes = SchoolClass.objects.filter(school_year=year)
        where = []
        if region:
            if not Region.objects.filter(code=region).exists():
                raise CommandError(f"No region with the code {region}.")
            classes = classes.filter(school__region__code__startswith=region)
            where.append(region)
        if school:
            found = School.objects.filter(pk=school).first()
            if found is None or (region and not found.region_id.startswith(region)):
                raise CommandError(f"No school {school}" + (f" in region {region}." if region else "."))
            classes = classes.filter(school=found)
            where.append(found.name)
        classes = classes.order_by("school__region_id", "school__name", "grade", "number", "pk")
        count = classes.count()
        if not count:
            raise CommandError(f"No classes of {year} in {' / '.join(where)}.")
        path = Path(out)
        if path.parent and not path.parent.is_dir():
            raise CommandError(f"{path.parent}: no such directory")
        if path.is_dir():
            raise CommandError(f"{path} is a directory; give the PDF file to write")
        started = time.perf_counter()
        try:
            with path.open("wb") as fh:  # opened before the (long) rendering, so that a bad path fails at once
                pages = render_pdf(classes, fh)
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or exc}") from None
        seconds = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(
            f"{pages} pages ({count} classes, {' / '.join(where)}, {year}) written to {path} "
            f"in {seconds:.1f} s ({path.stat().st_size / 2**20:.1f} MB)."))
