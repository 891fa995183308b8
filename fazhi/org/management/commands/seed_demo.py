"""`python manage.py seed_demo`: build (or complete) the Dunhuang demo city; safe to run again."""

import time

from django.core.management.base import BaseCommand

from fazhi.org.demo import DEMO_REGION, seed_demo

LABELS = {
    "regions": "regions",
    "units": "units",
    "schools": "schools",
    "classes": "classes",
    "officers": "officers",
    "users": "demo logins",
    "memberships": "memberships",
}


class Command(BaseCommand):
    help = "Create the demo city (Dunhuang, 620982): regions, units, schools, classes, officers and demo logins."

    def handle(self, *args, **options):
        started = time.monotonic()
        counts = seed_demo()
        elapsed = time.monotonic() - started
        if any(counts.values()):
            created = ", ".join(f"{n} {LABELS[k]}" for k, n in counts.items() if n)
            self.stdout.write(self.style.SUCCESS(f"Demo city {DEMO_REGION}: created {created} ({elapsed:.1f} s)."))
        else:
            self.stdout.write(f"Demo city {DEMO_REGION}: already complete, nothing created ({elapsed:.1f} s).")
