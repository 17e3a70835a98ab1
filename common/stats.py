"""Fresh planner statistics after a bulk load, on PostgreSQL.

A table filled by thousands of rows in one go keeps its old statistics until autovacuum gets to
it (a minute or more). Meanwhile PostgreSQL plans as if the table were nearly empty: measured at
10,000 proposals right after seeding, the chair dashboard's reviewer counts took 1.8 s with a
nested loop instead of 50 ms. Imports, assignment runs and the demo seed call this once they
have written many rows. SQLite has no autovacuum and plans well enough without statistics.
"""

from __future__ import annotations

from django.db import connection, models, transaction

# Below this many new rows, autovacuum's thresholds and the old statistics are good enough.
BULK_ROWS = 1000


def analyze_after_bulk_load(*tables: type[models.Model], rows: int) -> None:
    """ANALYZE these tables once the surrounding transaction commits, if ``rows`` is large."""
    if connection.vendor != "postgresql" or rows < BULK_ROWS:
        return
    names = [connection.ops.quote_name(m._meta.db_table) for m in tables]

    def analyze() -> None:
        with connection.cursor() as cursor:
            for name in names:
                cursor.execute(f"ANALYZE {name}")  # quoted table names from the models

    transaction.on_commit(analyze)
