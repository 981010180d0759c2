"""Writing a row past the ORM, as a careless script or an old version of the planner might, to show what the
database itself refuses."""

from django.db import connection


def raw_update(obj, **values):
    """UPDATE ``obj``'s row with ``values`` (strings the database parses, e.g. '0001-01-01 00:00:00+00:00')."""
    table = connection.ops.quote_name(obj._meta.db_table)
    columns = ", ".join(f"{connection.ops.quote_name(obj._meta.get_field(name).column)} = %s" for name in values)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {columns} WHERE id = %s", [*values.values(), obj.pk])
