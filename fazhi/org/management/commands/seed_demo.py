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
    "pairings": "pairings",
    "assignments": "confirmed assignments",
    "unassigned": "classes left without an officer",
    "activities": "recorded activities",
    "tips": "tips and clues",
    "hazards": "hazards",
    "disputes": "disputes",
    "survey_responses": "survey responses",
    "register_entries": "confidential register entries",
    "inspections": "inspections (with findings, an accountability record and a draft circular)",
}


class Command(BaseCommand):
    help = "Create the demo city (Dunhuang, 620982): regions, units, schools, classes, officers, demo logins, pairings and assignments."

    def handle(self, *args, **options):
        started = time.monotonic()
        from fazhi.assignments.demo import seed_assignments

        counts = seed_demo()
        counts |= seed_assignments()
        from fazhi.activities.demo import seed_activities

        counts |= seed_activities()
        from fazhi.tips.demo import seed_tips

        counts |= seed_tips()
        from fazhi.surveys.demo import seed_surveys

        counts |= seed_surveys()
        from fazhi.confidential.demo import seed_confidential

        counts |= seed_confidential()
        from fazhi.oversight.demo import seed_oversight

        counts |= seed_oversight()
        elapsed = time.monotonic() - started
        if any(counts.values()):
            created = ", ".join(f"{n} {LABELS[k]}" for k, n in counts.items() if n)
            self.stdout.write(self.style.SUCCESS(f"Demo city {DEMO_REGION}: created {created} ({elapsed:.1f} s)."))
        else:
            self.stdout.write(f"Demo city {DEMO_REGION}: already complete, nothing created ({elapsed:.1f} s).")
