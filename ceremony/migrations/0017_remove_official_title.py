# Schema: the undated title leaves Official once 0014 has moved it into OfficialTitle.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("ceremony", "0016_move_official_titles"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="historicalofficial",
            name="title",
        ),
        migrations.RemoveField(
            model_name="historicalofficial",
            name="title_vi",
        ),
        migrations.RemoveField(
            model_name="official",
            name="title",
        ),
        migrations.RemoveField(
            model_name="official",
            name="title_vi",
        ),
    ]
