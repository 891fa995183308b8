"""Generate a province-scale synthetic data set (bulk inserts) for load tests.

    python manage.py generate_province                    # Gansu at full size (15,000 schools, ...)
    python manage.py generate_province --scale 0.01       # 1% of it, for a quick run
    python manage.py generate_province --region 6209 --seed 7

Refuses to run if the region already has schools. Prints the rows created per table and the time taken.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from fazhi.org.province import TARGETS, ProvinceError, generate_province


class Command(BaseCommand):
    help = "Fill an empty region with a province-scale synthetic data set (schools, classes, officers, ...)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0,
                            help="1.0 = " + ", ".join(f"{v:,} {k}" for k, v in TARGETS.items()))
        parser.add_argument("--region", default="62", help="region code (default 62, Gansu)")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, scale, region, seed, verbosity=1, **options):
        if not 0 < scale <= 10:
            raise CommandError("--scale must be above 0 and at most 10.")
        started = time.monotonic()
        log = self.stdout.write if verbosity >= 2 else None
        try:
            counts = generate_province(region, scale, seed, log=log)
        except ProvinceError as exc:
            raise CommandError(str(exc)) from None
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # the planner's statistics for the new rows (autovacuum would come later)
        elapsed = time.monotonic() - started
        width = max(len(k) for k in counts)
        for table, n in counts.items():
            self.stdout.write(f"  {table:<{width}}  {n:>10,}")
        self.stdout.write(self.style.SUCCESS(f"Generated region {region} at scale {scale} in {elapsed:.1f}s."))
