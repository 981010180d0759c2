import logging

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ceremony.two_factor import two_factor_reset

logger = logging.getLogger("ceremony.two_factor")


class Command(BaseCommand):
    help = (
        "Reset an organizer's two-factor sign-in (a lost phone): their phone and recovery codes are forgotten, "
        "and they set up a new phone at their next sign-in. The same as the Users admin's reset action."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        deleted = two_factor_reset(user=user)
        # No administrator is signed in here to name in the admin's log: the server's log keeps the reset.
        logger.warning("Two-factor sign-in of %r reset from the command line.", username)
        if deleted:
            self.stdout.write(f"Reset the two-factor sign-in of {username}: a new phone is set up at the next sign-in.")
        else:
            self.stdout.write(f"{username} had no two-factor sign-in set up; nothing to reset.")
