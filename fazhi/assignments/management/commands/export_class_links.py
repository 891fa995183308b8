"""Each class's public page (the URL its QR code opens), for mail merges and other systems.

    python manage.py export_class_links --json                   # every class of the current school year
    python manage.py export_class_links --json --region 620982 --year 2026
    python manage.py export_class_links                          # tab-separated: school, class, url

JSON: a list of {"school", "class", "url"}, UTF-8 (Chinese as it is, not \\u-escaped).
"""

import json

from django.core.management.base import BaseCommand, CommandError

from fazhi.org.models import Region, SchoolClass, current_school_year


class Command(BaseCommand):
    help = "List each class's public QR-code URL (JSON with --json, tab-separated text otherwise)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="a JSON list of {school, class, url}")
        parser.add_argument("--region", help="region code (GB/T 2260); every class below it")
        parser.add_argument("--year", type=int, help="school year, e.g. 2026 (default: the current one)")

    def handle(self, *args, json=False, region=None, year=None, **options):
        as_json = json
        classes = SchoolClass.objects.filter(school_year=year or current_school_year())
        if region:
            if not Region.objects.filter(code=region).exists():
                raise CommandError(f"No region with the code {region}.")
            classes = classes.filter(school__region__code__startswith=region)
        rows = [
            {"school": school, "class": name, "url": SchoolClass(public_token=token).public_url()}
            for school, name, token in classes.order_by("school__region_id", "school__name", "grade", "number", "pk")
            .values_list("school__name", "name", "public_token").iterator(chunk_size=2000)
        ]
        if as_json:
            self.stdout.write(_dumps(rows))
        else:
            for row in rows:
                self.stdout.write(f"{row['school']}\t{row['class']}\t{row['url']}")


def _dumps(rows) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=1)
