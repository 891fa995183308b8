"""Start a new school year in a region: classes move up, intake classes appear, pairings are copied,
homeroom assignments end and their officers are proposed for the promoted classes.

    python manage.py start_school_year --region 620982 --from-year 2026
    python manage.py start_school_year --region 620982 --from-year 2026 --dry-run   # print, save nothing
    python manage.py start_school_year --region 620982 --from-year 2026 --user committee

The changes are made as the first superuser (or --user, who must be the committee of the region); running
it twice changes nothing the second time. See fazhi/assignments/rollover.py.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from fazhi.assignments.rollover import start_school_year
from fazhi.org.models import Region


class Command(BaseCommand):
    help = "Turn a region's school year over: promote classes, copy pairings, end and re-propose assignments."

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="region code (GB/T 2260), e.g. 620982")
        parser.add_argument("--from-year", type=int, required=True,
                            help="the school year that ends, e.g. 2026 for 2026–2027")
        parser.add_argument("--dry-run", action="store_true", help="do it inside a transaction, print, roll back")
        parser.add_argument("--user", help="username to act as (default: the first superuser)")

    def handle(self, *args, region, from_year, dry_run=False, user=None, **options):
        if not Region.objects.filter(code=region).exists():
            raise CommandError(f"unknown region code {region}")
        users = get_user_model().objects.filter(is_active=True)
        by = users.filter(username=user).first() if user else users.filter(is_superuser=True).order_by("pk").first()
        if by is None:
            raise CommandError(f"no active user {user}" if user else
                               "no superuser to act as: create one (createsuperuser) or give --user")
        try:
            summary = start_school_year(by=by, region_code=region, from_year=from_year, dry_run=dry_run)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(summary.text())
        if not dry_run:
            self.stdout.write(self.style.SUCCESS(
                f"School year {summary.to_year}–{summary.to_year + 1} started in {region}: "
                f"{summary.changed} change(s)."))
