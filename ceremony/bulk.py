"""Writing thousands of rows in milliseconds, for writes that hold the database's write lock.

Django's ``bulk_update`` builds a CASE expression per row and column, and ``bulk_create`` compiles its
INSERT anew for every batch of a few dozen rows: for a few thousand rows each takes seconds, and inside a
write transaction (on SQLite, the whole database's write lock) every second counts. Here one statement is
prepared once and run for all the rows (``executemany``), which SQLite and psycopg run in a tight loop.
Values are prepared by the model's own fields, as Django's ``save`` would; no signal is sent.
"""

from django.db import connections


def update_rows(model, instances, attnames, *, using="default"):
    """Write ``attnames`` of each instance to its row; returns how many rows were updated."""
    if not instances:
        return 0
    connection = connections[using]
    meta = model._meta
    targets = _fields(meta, attnames)
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608 (names from the model, values as parameters)
        quote(meta.db_table),
        ", ".join(f"{quote(target.column)} = %s" for target in targets),
        quote(meta.pk.column),
    )
    rows = [
        [target.get_db_prep_save(getattr(obj, target.attname), connection) for target in targets] + [obj.pk]
        for obj in instances
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        return cursor.rowcount


def insert_rows(model, rows, *, using="default"):
    """Insert ``rows`` (dicts of attname -> value, all with the same keys) into the model's table."""
    if not rows:
        return
    connection = connections[using]
    meta = model._meta
    targets = _fields(meta, rows[0])
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names from the model, values as parameters)
        quote(meta.db_table),
        ", ".join(quote(target.column) for target in targets),
        ", ".join(["%s"] * len(targets)),
    )
    prepared = [[target.get_db_prep_save(row[target.attname], connection) for target in targets] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, prepared)


def _fields(meta, attnames):
    by_attname = {field.attname: field for field in meta.concrete_fields}
    return [by_attname[attname] for attname in attnames]
