"""The Vietnamese translation is complete, and the compiled catalogue the planner loads matches it."""

import ast
from pathlib import Path

import pytest
from django.utils import translation

PO = Path(__file__).resolve().parents[2] / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def po_entries(po=PO):
    """A .po file's entries (ours by default): dicts of msgctxt, msgid, msgid_plural, msgstr / msgstr[0], flags."""
    entries, entry, key = [], {"flags": ""}, None
    for line in [*po.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if "msgid" in entry:
                entries.append(entry)
            entry, key = {"flags": ""}, None
        elif line.startswith("#,"):
            entry["flags"] += line
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            entry[key] = ast.literal_eval(value)
    return [e for e in entries if e["msgid"]]  # the header has an empty msgid


ENTRIES = po_entries()


def test_every_message_is_translated_and_none_is_fuzzy():
    untranslated = [e["msgid"] for e in ENTRIES if not (e.get("msgstr") or e.get("msgstr[0]"))]
    fuzzy = [e["msgid"] for e in ENTRIES if "fuzzy" in e["flags"]]
    assert len(ENTRIES) > 400
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("entry", [e for e in ENTRIES if "msgid_plural" not in e], ids=lambda e: e["msgid"][:40])
def test_the_compiled_catalogue_matches_the_po_file(entry):
    with translation.override("vi"):
        if "msgctxt" in entry:
            shown = translation.pgettext(entry["msgctxt"], entry["msgid"])
        else:
            shown = translation.gettext(entry["msgid"])
    assert shown == entry["msgstr"], "run `manage.py compilemessages -l vi` and commit the .mo file"
