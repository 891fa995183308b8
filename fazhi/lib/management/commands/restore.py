"""Restore an archive written by `manage.py backup` into the configured database and MEDIA_ROOT.

    python manage.py restore var/backups/fazhi-backup-20261201-013000.tar.gz
    python manage.py restore ARCHIVE --force          # replace a database that already holds rows

The archive is checked in full (checksums, engine, migrations) before anything changes. Set the same
SECRET_KEY, FIELD_ENCRYPTION_KEY and TIP_RECEIPT_KEY as the installation that made it.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fazhi.lib.backup import BackupError, created_at_text, restore


class Command(BaseCommand):
    help = "Restore a backup archive (database and uploaded files), then check the row counts."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--force", action="store_true",
                            help="restore even though the database already holds rows (they are replaced)")

    def handle(self, *args, archive, force=False, **options):
        try:
            s = restore(archive, force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{s.engine} backup of {created_at_text(s.created_at)}: {s.rows:,} rows in {s.tables} "
                          f"tables (counts checked), {s.media_files:,} media files ({s.media_bytes / 1e6:.1f} MB)")
        for warning in s.warnings:
            self.stdout.write(self.style.WARNING(warning))
        self.stdout.write(self.style.SUCCESS(f"Restored {s.path}."))
