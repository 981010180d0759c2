"""Create the organizers' groups (Protocol, Security, Logistics, Viewer) with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from ceremony.roles import groups_sync


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    groups_sync(
        group_model=apps.get_model("auth", "Group"), permission_model=apps.get_model("auth", "Permission"), strict=False
    )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("ceremony", "0005_change_history_and_roles"),
        ("delegations", "0004_change_history_and_roles"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
