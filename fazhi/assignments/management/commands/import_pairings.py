"""Import a pairing workbook (包校: school year, region code, school, unit) with full scope.

    python manage.py import_pairings pairings.xlsx
    python manage.py import_pairings pairings.xlsx --dry-run     # check and count, save nothing

Every row is checked first; if any row is wrong, each problem is printed with its row and column, nothing is
saved and the command exits with a non-zero status. The format is the one of the template that the pairings
page offers for download (see fazhi/assignments/pairing_excel.py).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fazhi.assignments.pairing_excel import import_pairings


class Command(BaseCommand):
    help = "Import pairings of units and schools (包校) from a workbook (.xlsx) in the template's format."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the pairing workbook (.xlsx)")
        parser.add_argument("--dry-run", action="store_true", help="check the file and count the changes; save nothing")

    def handle(self, *args, file, dry_run=False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        result = import_pairings(path, user=None, dry_run=dry_run)
        if not result.ok:
            for error in result.errors:
                self.stderr.write(f"{file}: {error}")
            raise CommandError(f"{len(result.errors)} error(s) in {file}; nothing was saved.")
        prefix = "Dry run (nothing saved)" if dry_run else "Imported"
        self.stdout.write(self.style.SUCCESS(f"{prefix} {file}: {result.summary()}."))
