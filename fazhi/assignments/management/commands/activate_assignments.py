"""`python manage.py activate_assignments`: run daily (cron) — confirmed assignments whose start date
has come become active, and the handovers they close are closed."""

from django.core.management.base import BaseCommand

from fazhi.assignments.services import activate_due


class Command(BaseCommand):
    help = "Activate confirmed assignments whose start date has come (run daily)."

    def handle(self, *args, **options):
        self.stdout.write(f"{activate_due()} assignment(s) activated.")
