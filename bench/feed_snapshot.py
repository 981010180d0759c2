"""Save every calendar a database serves, to compare two versions of the planner byte for byte.

    # at the old commit (a checkout with its own .venv):
    python bench/feed_snapshot.py build old.sqlite3          # seed, 300 demo items, 40 delegations, links
    python bench/feed_snapshot.py dump old.sqlite3 before/   # the feeds the old code serves
    # at the new commit, on a copy of that database:
    cp old.sqlite3 new.sqlite3 && cp old.tokens.json new.tokens.json
    python bench/feed_snapshot.py migrate new.sqlite3 after/ # migrate, then the feeds the new code serves
    diff -r before after

Both runs need the same DJANGO_SECRET_KEY (item links in private feeds are signed with it). The raw tokens the
build issues are kept beside the database (``<name>.tokens.json``), since the database keeps only their hashes.
Not a test: it compares two checkouts, which one suite cannot hold.
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(phase, database, out=None):
    database = Path(database)
    os.environ["DATABASE_URL"] = f"sqlite:///{database.resolve()}"
    os.environ.setdefault("DJANGO_DEBUG", "1")
    # An older checkout had its settings in the programme app.
    settings_module = "planner.settings" if (Path(__file__).parents[1] / "planner").is_dir() else "ceremony.settings"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    tokens_file = database.with_suffix(".tokens.json")
    if phase == "build":
        call_command("migrate", verbosity=0)
        call_command("seed_ceremony")
        call_command("generate_demo", "--items", "300", "--delegations", "40")
        tokens_file.write_text(json.dumps(_issue_links()))
        return
    if phase == "migrate":
        call_command("migrate", verbosity=0)
    print(_dump(json.loads(tokens_file.read_text()), Path(out)), "responses saved")


def _issue_links():
    from django.contrib.auth import get_user_model

    from ceremony.models import Agency, StaffMember
    from ceremony.services import staff_issue_token
    from delegations.models import Delegation
    from delegations.services import delegation_issue_token

    staff = {}
    for agency in Agency.objects.order_by("pk")[:6]:
        user = get_user_model().objects.create(username=f"staff-{agency.pk}", is_staff=True)
        StaffMember.objects.create(user=user, agency=agency)
        staff[agency.pk] = staff_issue_token(user=user)
    delegations = {d.pk: delegation_issue_token(delegation=d) for d in Delegation.objects.order_by("pk")}
    return {"delegations": delegations, "staff": staff}


def _dump(tokens, out):
    from django.test import Client

    from ceremony.models import ScheduleItem

    urls = {}
    for lang in ("en", "vi"):
        urls[f"programme-{lang}"] = f"/programme.ics?lang={lang}"
        urls |= {
            f"delegation-{pk}-{lang}": f"/d/{t}/calendar.ics?lang={lang}" for pk, t in tokens["delegations"].items()
        }
        urls |= {f"staff-{pk}-{lang}": f"/staff/{t}/calendar.ics?lang={lang}" for pk, t in tokens["staff"].items()}
    public = ScheduleItem.objects.filter(visibility="public").order_by("pk").values_list("uid", flat=True)[:50]
    urls |= {f"item-{uid}": f"/items/{uid}.ics" for uid in public}
    out.mkdir(parents=True, exist_ok=True)
    client = Client()
    for name, url in urls.items():
        response = client.get(url, HTTP_HOST="planner.example")
        (out / f"{name}.ics").write_bytes(f"{response.status_code}\n".encode() + response.content)
    return len(urls)


if __name__ == "__main__":
    main(*sys.argv[1:])
