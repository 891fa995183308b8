"""`python manage.py coverage --json [--region CODE] [--year YEAR]`: classes and coverage."""

import json

from django.core.management.base import BaseCommand, CommandError

from fazhi.assignments import coverage
from fazhi.org.models import Region, current_school_year


class Command(BaseCommand):
    help = "Print coverage totals (classes, covered, coverage_percent) and the uncovered classes."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print JSON (the only format so far)")
        parser.add_argument("--region", help="GB/T 2260 code prefix, e.g. 620982")
        parser.add_argument("--year", type=int, default=None, help="school year (default: the current one)")

    def handle(self, *args, region=None, year=None, **options):
        if region and not Region.objects.filter(code=region).exists():
            raise CommandError(f"unknown region code {region}")
        year = year or current_school_year()
        classes = coverage.classes_in(year=year, region=region)
        totals = coverage.summary(classes)
        result = {
            "region": region, "school_year": year,
            "classes": totals["classes"], "covered": totals["covered"],
            "coverage_percent": totals["coverage_percent"], "open_handovers": totals["open_handovers"],
            "uncovered": coverage.uncovered_list(classes),
        }
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
