import json

from django.core.management.base import BaseCommand, CommandError

from delegations.models import Delegate
from delegations.privacy import delegate_export


class Command(BaseCommand):
    help = "Print, as JSON, all personal data the planner holds about one delegate, history included."

    def add_arguments(self, parser):
        parser.add_argument("delegate", type=int, help="The delegate's id (shown in the admin's address bar).")

    def handle(self, *args, delegate, **options):
        found = Delegate.objects.select_related("delegation").filter(pk=delegate).first()
        if found is None:
            raise CommandError(f"No delegate with id {delegate}.")
        self.stdout.write(json.dumps(delegate_export(delegate=found), ensure_ascii=False, indent=2))
