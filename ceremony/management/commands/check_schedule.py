"""Report the schedule's conflicts; exit 1 when any is an error, for CI and cron."""

import json

from django.core.management.base import BaseCommand, CommandError

from ceremony.conflicts import ceremony_conflicts
from ceremony.models import Ceremony


class Command(BaseCommand):
    help = (
        "Check the programme for conflicts (rooms or delegations in two places, signing outside a delegation's "
        "stay, full powers not verified, items outside the ceremony's days, withdrawn rooms). "
        "Exits with 1 when any conflict is an error."
    )

    def add_arguments(self, parser):
        parser.add_argument("--ceremony", help="Slug of the ceremony (default: the current one).")
        parser.add_argument("--format", choices=["text", "json"], default="text", help="Output format.")

    def handle(self, *args, ceremony, format, **options):
        target = Ceremony.objects.filter(slug=ceremony).first() if ceremony else Ceremony.objects.current()
        if target is None:
            raise CommandError(f"No ceremony {ceremony!r}." if ceremony else "No ceremony yet.", returncode=2)
        conflicts = ceremony_conflicts(ceremony=target)
        errors = sum(1 for c in conflicts if c.is_error)
        warnings = len(conflicts) - errors
        if format == "json":
            report = {
                "ceremony": target.slug,
                "time_zone": target.time_zone,
                "errors": errors,
                "warnings": warnings,
                "conflicts": [c.as_json() for c in conflicts],
            }
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            for c in conflicts:
                self.stdout.write(f"{c.severity.upper()} [{c.rule}] {c.message} — {c.who} — {c.when} — {c.url}")
            self.stdout.write(f"{target.slug}: {errors} error(s), {warnings} warning(s).")
        if errors:
            # run_from_argv turns this into exit status 1; call_command callers see the returncode.
            raise CommandError(f"{errors} schedule error(s) in {target.slug}.", returncode=1)
