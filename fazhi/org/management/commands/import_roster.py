"""Import a roster workbook (schools, classes, officers) with full scope.

    python manage.py import_roster roster.xlsx
    python manage.py import_roster roster.xlsx --dry-run     # check and count, save nothing

Every row is checked first; if any row is wrong, each problem is printed with its sheet, row and column,
nothing is saved and the command exits with a non-zero status. The format is the one of the template
that the roster page offers for download (see fazhi/org/roster.py).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fazhi.org.roster import import_roster


class Command(BaseCommand):
    help = "Import schools, classes and officers from a roster workbook (.xlsx) in the template's format."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the roster workbook (.xlsx)")
        parser.add_argument("--dry-run", action="store_true", help="check the file and count the changes; save nothing")

    def handle(self, *args, file, dry_run=False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        result = import_roster(path, user=None, dry_run=dry_run)
        if not result.ok:
            for error in result.errors:
                self.stderr.write(f"{file}: {error}")
            raise CommandError(f"{len(result.errors)} error(s) in {file}; nothing was saved.")
        prefix = "Dry run (nothing saved)" if dry_run else "Imported"
        self.stdout.write(self.style.SUCCESS(f"{prefix} {file}: {result.summary()}."))
