from django.core.management.base import BaseCommand, CommandError

from delegations.models import Delegate
from delegations.privacy import delegate_erase


class Command(BaseCommand):
    help = (
        "Erase one delegate's name, position, email and telephone, from the record and its history; "
        "a history entry records that the erasure happened."
    )

    def add_arguments(self, parser):
        parser.add_argument("delegate", type=int, help="The delegate's id.")
        parser.add_argument("--yes", action="store_true", help="Confirm: the erasure cannot be undone.")

    def handle(self, *args, delegate, yes, **options):
        found = Delegate.objects.filter(pk=delegate).first()
        if found is None:
            raise CommandError(f"No delegate with id {delegate}.")
        if not yes:
            raise CommandError(f"This erases the personal data of delegate {delegate} for good; add --yes to confirm.")
        erased = delegate_erase(delegate=found)
        self.stdout.write(self.style.SUCCESS(f"Personal data of delegate {delegate} erased; now “{erased.name}”."))
