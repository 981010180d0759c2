# Data: each official's one undated title becomes a title held "since a day no source records", with the
# official's source; seed_ceremony --update then gives the seeded officials their dated titles.

from django.db import migrations
from django.db.models import F


def move_titles(apps, schema_editor):
    Official = apps.get_model("ceremony", "Official")
    OfficialTitle = apps.get_model("ceremony", "OfficialTitle")
    OfficialTitle.objects.bulk_create(
        OfficialTitle(
            official_id=official.pk, title=official.title, title_vi=official.title_vi, source_id=official.source_id
        )
        for official in Official.objects.exclude(title="").order_by("pk")
    )


def restore_titles(apps, schema_editor):
    Official = apps.get_model("ceremony", "Official")
    OfficialTitle = apps.get_model("ceremony", "OfficialTitle")
    for official in Official.objects.order_by("pk"):
        latest = OfficialTitle.objects.filter(official_id=official.pk).order_by(F("held_from").desc(nulls_last=True), "-pk").first()
        if latest is not None:
            Official.objects.filter(pk=official.pk).update(title=latest.title, title_vi=latest.title_vi)


class Migration(migrations.Migration):
    dependencies = [
        ("ceremony", "0015_official_titles_held_for_dates"),
    ]

    operations = [
        migrations.RunPython(move_titles, restore_titles),
    ]
