"""Write the change digests that are due to the outbox; the mail worker delivers them. For cron and tests."""

from django.core.management.base import BaseCommand

from delegations.digests import flush_due


class Command(BaseCommand):
    help = "Write the change digests of items quiet for PLANNER_DIGEST_QUIET_MINUTES to the outbox."

    def handle(self, *args, **options):
        queued = flush_due()
        self.stdout.write(f"Change digests queued: {queued}")
