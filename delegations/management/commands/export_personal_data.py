import json

from django.core.management.base import BaseCommand, CommandError

from delegations.personal_data import delegate_export


class Command(BaseCommand):
    help = (
        "Print, as JSON, all personal data the planner holds about one delegate, history included, "
        "also after the delegate was deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument("delegate", type=int, help="The delegate's id (shown in the admin's address bar).")

    def handle(self, *args, delegate, **options):
        data = delegate_export(delegate_id=delegate)
        if data is None:
            raise CommandError(f"No delegate with id {delegate}, neither in the records nor in the history.")
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
