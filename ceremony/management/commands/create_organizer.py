import secrets
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ceremony.models import Agency, StaffMember
from ceremony.roles import ROLES


class Command(BaseCommand):
    help = "Create an organizer: a staff account in one group (Protocol, Security, Logistics, Viewer) and an agency."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--group", required=True, choices=sorted(ROLES))
        parser.add_argument("--agency", required=True, help="Agency code, e.g. mps or mofa.")
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--password-stdin", action="store_true", help="Read the password from standard input instead of making one."
        )

    @transaction.atomic
    def handle(self, *args, username, group, agency, email, first_name, last_name, password_stdin, **options):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user named {username!r} already exists.")
        found = Agency.objects.filter(code=agency).first()
        if found is None:
            codes = ", ".join(Agency.objects.order_by("code").values_list("code", flat=True)) or "none yet"
            raise CommandError(f"No agency with code {agency!r} (known: {codes}).")
        password = sys.stdin.readline().rstrip("\n") if password_stdin else secrets.token_urlsafe(12)
        user = User(username=username, email=email, first_name=first_name, last_name=last_name, is_staff=True)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError("Password refused: " + " ".join(exc.messages)) from exc
        user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get(name=group))
        StaffMember.objects.create(user=user, agency=found)
        self.stdout.write(self.style.SUCCESS(f"Created {username} in {group}, {found}."))
        if not password_stdin:
            self.stdout.write(f"  password: {password}  (shown once; ask them to change it)")
