"""Back up the database and the uploaded files into one archive (fazhi/lib/backup.py, docs/deploy.md).

    python manage.py backup                          # var/backups/fazhi-backup-YYYYmmdd-HHMMSS.tar.gz
    python manage.py backup --output /backup/fazhi/nightly.tar.gz

The archive holds no key (SECRET_KEY, FIELD_ENCRYPTION_KEY, TIP_RECEIPT_KEY): keep those apart.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fazhi.lib.backup import BackupError, backup


class Command(BaseCommand):
    help = "Write the database (pg_dump or SQLite backup), the uploaded files and a manifest into one archive."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="archive path (default var/backups/fazhi-backup-<time>.tar.gz)")

    def handle(self, *args, output=None, **options):
        try:
            s = backup(output)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{s.engine}: {s.rows:,} rows in {s.tables} tables, {s.media_files:,} media files "
                          f"({s.media_bytes / 1e6:.1f} MB)")
        self.stdout.write(self.style.SUCCESS(f"Backup written to {s.path} ({s.size / 1e6:.1f} MB). "
                                             f"The keys are not in it: keep them apart."))
