"""The register's shape is part of what ``verify`` checks.

A dropped table, a dropped column, a dropped index or an added trigger changes
nothing in the chain, yet it hides records (``DROP TABLE acks``) or rewrites them as
they are written (a trigger runs inside the daemon's own transaction, before the row
is read back and chained). So the file's schema must be exactly the one its
migrations build: the same tables with the same columns (name, type, NOT NULL,
default, primary key), the same indexes, and nothing else (no trigger, no view).

The reference is built once per version in memory from ``MIGRATIONS``, so it never
drifts from the DDL. SQLite's own objects (``sqlite_*``: statistics of ANALYZE,
automatic indexes of UNIQUE and PRIMARY KEY) are left out.
"""

from __future__ import annotations

import sqlite3
from functools import cache

from monitor.errors import ChainBroken
from monitor.register.schema import MIGRATIONS

#: (type, name) -> what defines it: the columns of a table, the indexed expression
#: and table of an index; a trigger or a view is never expected.
Shape = dict[tuple[str, str], tuple[object, ...]]


def shape_of(db: sqlite3.Connection) -> Shape:
    """Return the shape of the schema of ``db`` (user objects only)."""
    shape: Shape = {}
    objects = db.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master "
        "WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name"
    ).fetchall()
    for kind, name, table, sql in objects:
        if kind == "table":
            columns = db.execute(f'PRAGMA table_info("{name}")').fetchall()
            # (name, type, notnull, default, pk) of every column, in order
            shape[(kind, name)] = tuple(tuple(c)[1:] for c in columns)
        elif kind == "index":
            shape[(kind, name)] = (table, _words(sql))
        else:
            shape[(kind, name)] = (table,)
    return shape


def _words(sql: str | None) -> str:
    """Return ``sql`` with its whitespace normalised (None for an automatic index)."""
    return " ".join((sql or "").split())


@cache
def expected_shape(version: int) -> Shape:
    """Return the shape the migrations build at schema ``version`` (0 = empty)."""
    db = sqlite3.connect(":memory:")
    try:
        for ddl in MIGRATIONS[:version]:
            for statement in ddl.split(";"):
                if statement.strip():
                    db.execute(statement)
        return shape_of(db)
    finally:
        db.close()


def check_shape(db: sqlite3.Connection, version: int) -> None:
    """Raise ChainBroken naming the first difference between the schema of ``db`` and
    the one schema ``version`` has (a table, column or index missing or changed, an
    object that should not be there)."""
    if not 0 <= version <= len(MIGRATIONS):
        raise ChainBroken("schema", f"unknown schema version v{version}")
    have, want = shape_of(db), expected_shape(version)
    # Tables first: a dropped table takes its indexes with it, and the table is the news.
    for (kind, name), definition in sorted(want.items(), key=lambda item: item[0][0] != "table"):
        found = have.get((kind, name))
        if found is None:
            raise ChainBroken("schema", f"{kind} {name} is missing (dropped)")
        if found != definition:
            raise ChainBroken("schema", f"{kind} {name} {_difference(kind, found, definition)}")
    for kind, name in have:
        if (kind, name) not in want:
            raise ChainBroken("schema", f"{kind} {name} should not be there (added)")


def _difference(kind: str, found: tuple[object, ...], want: tuple[object, ...]) -> str:
    """Say how a table's columns (or an index's definition) differ from the expected."""
    if kind != "table":
        return "was changed"
    have_cols = {c[0]: c for c in found if isinstance(c, tuple)}
    want_cols = {c[0]: c for c in want if isinstance(c, tuple)}
    missing = [n for n in want_cols if n not in have_cols]
    if missing:
        return f"lacks column(s) {', '.join(map(str, missing))} (dropped)"
    added = [n for n in have_cols if n not in want_cols]
    if added:
        return f"has column(s) {', '.join(map(str, added))} it should not (added)"
    changed = [n for n in want_cols if have_cols[n] != want_cols[n]]
    return (
        f"column(s) {', '.join(map(str, changed)) or '?'} changed (type, NOT NULL, default or key)"
    )
