from django.core.management.base import BaseCommand, CommandError

from ceremony.models import Ceremony
from planner.demo import DemoError, demo_counts, generate_demo


class Command(BaseCommand):
    help = "Add plainly synthetic delegations and schedule items to a seeded ceremony, for demos and benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--items", type=int, default=100, help="Schedule items to add (default 100).")
        parser.add_argument("--delegations", type=int, default=20, help="Delegations to add (default 20).")
        parser.add_argument("--ceremony", help="Slug of the ceremony (default: the current one).")
        parser.add_argument("--seed", type=int, default=2025, help="Random seed, for repeatable data.")

    def handle(self, *args, items, delegations, ceremony, seed, **options):
        queryset = Ceremony.objects.all()
        target = queryset.filter(slug=ceremony).first() if ceremony else queryset.current()
        if target is None:
            raise CommandError(
                f"No ceremony {ceremony!r}." if ceremony else "No ceremony yet: run `manage.py seed_ceremony` first."
            )
        try:
            made_items, made_delegations, made_delegates = generate_demo(
                ceremony=target, items=items, delegations=delegations, seed=seed
            )
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        message = (
            f"Added {made_items} demo items, {made_delegations} demo delegations "
            f"and {made_delegates} demo delegates to {target}."
        )
        all_items, all_delegations = demo_counts(target)
        if (all_items, all_delegations) != (made_items, made_delegations):  # on top of an earlier demo
            message += f" It now has {all_items} demo items and {all_delegations} demo delegations."
        self.stdout.write(self.style.SUCCESS(message))
