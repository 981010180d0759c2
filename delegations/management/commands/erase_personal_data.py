from django.core.management.base import BaseCommand, CommandError

from delegations.personal_data import delegate_erase, delegate_find


class Command(BaseCommand):
    help = (
        "Erase one delegate's name, position, email and telephone, from the record, its history and the "
        "admin's log, also after the delegate was deleted; a history entry records that the erasure happened."
    )

    def add_arguments(self, parser):
        parser.add_argument("delegate", type=int, help="The delegate's id.")
        parser.add_argument("--yes", action="store_true", help="Confirm: the erasure cannot be undone.")

    def handle(self, *args, delegate, yes, **options):
        found, deleted_at = delegate_find(delegate_id=delegate)
        if found is None:
            raise CommandError(f"No delegate with id {delegate}, neither in the records nor in the history.")
        if not yes:
            raise CommandError(f"This erases the personal data of delegate {delegate} for good; add --yes to confirm.")
        name = delegate_erase(delegate_id=delegate)
        gone = " (deleted earlier; erased from its history)" if deleted_at else ""
        self.stdout.write(self.style.SUCCESS(f"Personal data of delegate {delegate} erased{gone}; now “{name}”."))
