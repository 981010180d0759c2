import dj_database_url
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from planner.backups import BackupError, restore


class Command(BaseCommand):
    help = "Load a snapshot written by `backup` into an empty database (the configured one, or --database-url)."

    def add_arguments(self, parser):
        parser.add_argument("snapshot", help="The file `backup` wrote.")
        parser.add_argument("--database-url", help="An empty database to restore into, instead of the configured one.")

    def handle(self, *args, snapshot, database_url, **options):
        try:
            db = dj_database_url.parse(database_url) if database_url else connection.settings_dict
        except ValueError as exc:
            raise CommandError(f"Nothing was restored. --database-url is not a database URL: {exc}") from exc
        if not database_url:
            connection.close()  # the restore writes through its own connection
        try:
            restore(source=snapshot, db=db)
        except BackupError as exc:
            raise CommandError(f"Nothing was restored. {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Restored {snapshot} into {db['NAME']}."))
