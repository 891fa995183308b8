"""`python manage.py stats --json [--region CODE] [--from DATE] [--to DATE]`: the headline figures."""

import datetime
import json

from django.core.management.base import BaseCommand, CommandError

from fazhi.activities.stats import figures
from fazhi.org.models import Region


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"dates are YYYY-MM-DD, not {value!r}") from None


class Command(BaseCommand):
    help = "Print the programme's headline figures for a region and period as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print JSON (the only format)")
        parser.add_argument("--region", help="GB/T 2260 code prefix, e.g. 620982")
        parser.add_argument("--from", dest="start", help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="last day, YYYY-MM-DD")

    def handle(self, *args, region=None, start=None, end=None, **options):
        if region and not Region.objects.filter(code=region).exists():
            raise CommandError(f"unknown region code {region}")
        start, end = (_date(start) if start else None), (_date(end) if end else None)
        if start and end and start > end:
            raise CommandError("--from is after --to")
        self.stdout.write(json.dumps(figures(region=region, start=start, end=end), ensure_ascii=False, indent=2))
