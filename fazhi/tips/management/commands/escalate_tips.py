"""Escalate urgent tips nobody has acknowledged: run from cron every minute or few (safe to run often and
concurrently: each step is claimed with a conditional update and each notice is sent once)."""

from django.core.management.base import BaseCommand

from fazhi.tips.services import escalate_due


class Command(BaseCommand):
    help = "Move unacknowledged urgent tips down their contact list (officer → school → unit → committee)."

    def handle(self, *args, **options):
        n = escalate_due()
        if options["verbosity"] > 1 or n:
            self.stdout.write(f"escalated {n} case(s)")
