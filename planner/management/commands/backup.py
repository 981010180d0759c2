from django.core.management.base import BaseCommand, CommandError

from planner.backups import BackupError, backup


class Command(BaseCommand):
    help = "Write a consistent snapshot of the database (SQLite online backup, or pg_dump) to a new file."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="File to write (default: data/backups/planner-<UTC time>.<kind>).")

    def handle(self, *args, output, **options):
        try:
            path = backup(output=output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Snapshot written to {path}"))
