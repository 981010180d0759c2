from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from planner.seeding import DEFAULT_SEEDS_DIR, OUTCOMES, SeedError, seed_ceremony


class Command(BaseCommand):
    help = (
        "Load the ceremony, its agencies, officials, venue, programme, milestones, key figures, "
        "the host's delegation and the list of states from seeds/. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS_DIR, help="Folder of seed files.")
        parser.add_argument(
            "--update",
            action="store_true",
            help="Bring rows that differ from the seed files back to them (by default they are kept as edited).",
        )

    def handle(self, *args, seeds, update, **options):
        try:
            report = seed_ceremony(seeds_dir=seeds, update=update)
        except SeedError as exc:
            raise CommandError(f"Nothing was seeded. {exc}") from exc
        for table, counts in report.items():
            figures = ", ".join(f"{counts[o]} {o}" for o in OUTCOMES if counts[o])
            self.stdout.write(f"{table}: {figures or 'none'}")
        kept = sum(counts["kept"] for counts in report.values())
        if kept:
            self.stdout.write(
                self.style.WARNING(
                    f"{kept} row(s) differ from the seed files and were kept as edited; --update resets them."
                )
            )
        self.stdout.write(self.style.SUCCESS("Seeding done."))
