"""Run the alert checks (and escalate urgent tips): from cron every few minutes. Safe to run often and
concurrently: each alert is opened once and each recipient notified once."""

from django.core.management.base import BaseCommand

from fazhi.alerts.services import run


class Command(BaseCommand):
    help = ("Open and resolve alerts (uncovered classes, idle officers, overdue tips and rectifications, quotas "
            "behind), escalate urgent tips, and send the weekly digest to committee administrators.")

    def add_arguments(self, parser):
        parser.add_argument("--digest", action="store_true",
                            help="Send this week's digest now (still at most once per ISO week).")
        parser.add_argument("--no-digest", action="store_true", help="Do not send the weekly digest in this run.")

    def handle(self, *args, **options):
        digest = True if options["digest"] else (False if options["no_digest"] else None)
        r = run(digest=digest)
        if options["verbosity"] > 1 or r.opened or r.resolved or r.notified or r.digests or r.escalated:
            self.stdout.write(f"escalated {r.escalated}, open conditions {r.found}, opened {r.opened}, "
                              f"reopened {r.reopened}, resolved {r.resolved}, notified {r.notified}, "
                              f"digests {r.digests}")
        for error in r.errors:
            self.stderr.write(f"check failed: {error}")
