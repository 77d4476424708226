"""Copying a store's rows from one engine to another (issue 13, "Moving and backing up").

One place for engine-to-engine copying: `peerdesk server import-store` (a local SQLCipher
file onto an empty server), `peerdesk backup` on a server (the server's rows into a
temporary SQLCipher file that is then packed as every backup is) and `peerdesk restore`
onto a server (a backup's SQLCipher file onto an empty server).

Rows go table by table in foreign-key order with SQLAlchemy Core, in batches, inside
the caller's transactions: the caller decides what is all-or-nothing. The schema on both
sides is made by the same Alembic migrations, so the models' tables describe both.

A local store keeps free text plain (the whole file is encrypted); a server store keeps
the sealed columns sealed with the data key (models/sealing.py). `Sealing` says how a
value read from the source becomes the value written to the target: opened with the
source's sealer, sealed with the target's. Identity on both sides copies as is.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Connection, Integer, Table, func, insert, select, text, tuple_

from peerdesk.models import Base

# Batch size: large enough that a 200,000-session store moves in a few round trips per
# thousand rows, small enough that a batch of rows with notes stays a few MB in memory.
BATCH_ROWS = 5000
SAMPLE_ROWS = 50  # sealed values per column read back after a copy

# Tables whose rows are not copied, and why.
NOT_COPIED: dict[str, str] = {
    # The key document travels on its own: keyslots.json beside a local store, the
    # key_documents row on a server (services/storage/keyslot_table.py).
    "key_documents": "the key document is written on its own",
    # A cache of closed months' trend figures kept exact by SQLite triggers
    # (services/reports/cache.py); it is counted again on demand.
    "report_months": "a cache, counted again when a report needs it",
}


class Sealer(Protocol):
    """What models/sealing.py's sealers provide (a local Protocol so this module does not
    depend on it)."""

    def seal(self, table: str, column: str, record_id: str, text: str) -> str: ...

    def open(self, table: str, column: str, record_id: str, stored: str) -> str: ...


class _Identity:
    def seal(self, table: str, column: str, record_id: str, text: str) -> str:
        return text

    def open(self, table: str, column: str, record_id: str, stored: str) -> str:
        return stored

    def __repr__(self) -> str:
        return "IDENTITY"


IDENTITY: Sealer = _Identity()


@dataclass(frozen=True)
class Sealing:
    """How sealed columns change on the way: `read` opens what the source holds, `write`
    seals what the target gets. `columns`: table -> sealed columns. `kept`: (table,
    column) -> prefix of values their author already sealed with a key the data key
    cannot open (private notes); such values travel as they are."""

    read: Sealer = IDENTITY
    write: Sealer = IDENTITY
    columns: Mapping[str, Sequence[str]] = field(default_factory=dict)
    kept: Mapping[tuple[str, str], str] = field(default_factory=dict)

    @property
    def changes_nothing(self) -> bool:
        return not self.columns or (self.read is IDENTITY and self.write is IDENTITY)

    def _passes(self, table: str, column: str, value: Any) -> bool:
        if value is None or value == "":
            return True
        prefix = self.kept.get((table, column))
        return prefix is not None and isinstance(value, str) and value.startswith(prefix)

    def plain(self, table: str, column: str, record_id: str, stored: Any) -> Any:
        """The source's stored value as plain text."""
        if self._passes(table, column, stored):
            return stored
        return self.read.open(table, column, record_id, stored)

    def target_plain(self, table: str, column: str, record_id: str, stored: Any) -> Any:
        """The target's stored value as plain text."""
        if self._passes(table, column, stored):
            return stored
        return self.write.open(table, column, record_id, stored)

    def convert(self, table: str, column: str, record_id: str, stored: Any) -> Any:
        if self._passes(table, column, stored):
            return stored
        plain = self.read.open(table, column, record_id, stored)
        return self.write.seal(table, column, record_id, plain)


NO_CHANGE = Sealing()

Progress = Callable[[str, int, int], None]  # (table, rows copied so far, rows in table)


def copied_tables() -> list[Table]:
    """Every table with rows to copy, parents before children."""
    return [t for t in Base.metadata.sorted_tables if t.name not in NOT_COPIED]


def _record_id(table: Table, row: Mapping[str, Any]) -> str:
    if "id" in table.c:
        return str(row["id"])
    return ":".join(str(row[c.name]) for c in table.primary_key.columns)


# A SQLCipher file decrypts a page per read: with random UUID keys a bulk load touches
# the same pages again and again, so a copy runs with a large page cache (as the demo does).
BULK_CACHE_KIB = 262144


def _prepare(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")


def _insert_batch(target: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """One batch: PostgreSQL's COPY (several times faster than INSERTs for a big move),
    else one executemany."""
    if target.dialect.name == "postgresql":
        prep = target.dialect.identifier_preparer
        names = [c.name for c in table.columns]
        sql = (
            f"COPY {prep.format_table(table)} ({', '.join(prep.quote(n) for n in names)}) "
            "FROM STDIN"
        )
        raw = target.connection.dbapi_connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row([row[n] for n in names])
        return
    target.execute(insert(table), rows)


def copy_table(
    source: Connection,
    target: Connection,
    table: Table,
    sealing: Sealing = NO_CHANGE,
    batch_rows: int = BATCH_ROWS,
    progress: Progress | None = None,
) -> int:
    total = int(source.scalar(select(func.count()).select_from(table)) or 0)
    sealed = [c for c in sealing.columns.get(table.name, ()) if c in table.c]
    convert = bool(sealed) and not sealing.changes_nothing
    done = 0
    query = select(table)
    if target.dialect.name == "sqlite" and source.dialect.name != "sqlite":
        # Into a SQLCipher file in key order: its key index then grows at one end instead
        # of splitting pages all over (half the file size, a fraction of the page writes).
        # From a SQLCipher file, table order: a scan, where key order jumps between pages.
        query = query.order_by(*table.primary_key.columns)
    result = source.execution_options(stream_results=True, yield_per=batch_rows).execute(query)
    for part in result.mappings().partitions(batch_rows):
        rows = [dict(r) for r in part]
        if convert:
            for row in rows:
                rid = _record_id(table, row)
                for column in sealed:
                    row[column] = sealing.convert(table.name, column, rid, row[column])
        _insert_batch(target, table, rows)
        done += len(rows)
        if progress is not None:
            progress(table.name, done, total)
    return done


def copy_all(
    source: Connection,
    target: Connection,
    sealing: Sealing = NO_CHANGE,
    batch_rows: int = BATCH_ROWS,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Copy every table's rows into the (empty) target tables; rows copied per table."""
    _prepare(source)
    _prepare(target)
    with _without_sqlite_indexes(target):
        counts = {
            t.name: copy_table(source, target, t, sealing, batch_rows, progress)
            for t in copied_tables()
        }
    if target.dialect.name == "postgresql":
        _advance_sequences(target)
    return counts


@contextlib.contextmanager
def _without_sqlite_indexes(target: Connection) -> Iterator[None]:
    """Into a SQLite file: the secondary indexes and the triggers (which only clear the
    report cache) are dropped for the load and made again from their own SQL after it, in
    the same transaction: building an index once from all rows is far quicker than
    updating it row by row. A unique index that no longer holds fails the copy."""
    if target.dialect.name != "sqlite":
        yield
        return
    found = target.exec_driver_sql(
        "SELECT type, name, sql FROM sqlite_master "
        "WHERE type IN ('index', 'trigger') AND sql IS NOT NULL"
    ).all()
    for kind, name, _sql in found:
        target.exec_driver_sql(f'DROP {kind.upper()} "{name}"')
    yield
    for kind in ("index", "trigger"):
        for made, _name, sql in found:
            if made == kind:
                target.exec_driver_sql(sql)


def _advance_sequences(target: Connection) -> None:
    """Rows came with their integer keys: a serial column's sequence must start after
    them, or the next row the server numbers itself would collide."""
    for table in copied_tables():
        for column in table.primary_key.columns:
            if not isinstance(column.type, Integer):
                continue
            sequence = target.scalar(
                text("SELECT pg_get_serial_sequence(:t, :c)"),
                {"t": table.name, "c": column.name},
            )
            if sequence is None:
                continue
            top = target.scalar(select(func.max(column)))
            target.execute(
                text("SELECT setval(:s, :v, :called)"),
                {"s": sequence, "v": top or 1, "called": top is not None},
            )


def table_counts(conn: Connection, tables: Iterable[Table] | None = None) -> dict[str, int]:
    return {
        t.name: int(conn.scalar(select(func.count()).select_from(t)) or 0)
        for t in (tables if tables is not None else copied_tables())
    }


def count_problems(source: Connection, target: Connection) -> list[str]:
    """Tables whose row counts differ between the two sides."""
    before, after = table_counts(source), table_counts(target)
    return [
        f"table {name} has {after[name]} rows after the copy, {count} before"
        for name, count in before.items()
        if after[name] != count
    ]


def sealed_sample_problems(
    source: Connection, target: Connection, sealing: Sealing, sample_rows: int = SAMPLE_ROWS
) -> tuple[int, list[str]]:
    """Read a random sample of every sealed column back from the target, open it and
    compare it with the source's plain text: (values compared, problems). Problems name
    the table, column and record id, never the text."""
    compared = 0
    problems: list[str] = []
    for table in copied_tables():
        for column in sealing.columns.get(table.name, ()):
            if column not in table.c:
                continue
            keys = list(table.primary_key.columns)
            picked = source.execute(
                select(*keys, table.c[column])
                .where(table.c[column].is_not(None), table.c[column] != "")
                .order_by(func.random())
                .limit(sample_rows)
            ).all()
            if not picked:
                continue
            wanted = [tuple(r[: len(keys)]) for r in picked]
            found = {
                tuple(r[: len(keys)]): r[-1]
                for r in target.execute(
                    select(*keys, table.c[column]).where(tuple_(*keys).in_(wanted))
                )
            }
            for row in picked:
                key = tuple(row[: len(keys)])
                rid = _record_id(table, {k.name: v for k, v in zip(keys, key, strict=True)})
                compared += 1
                expected = sealing.plain(table.name, column, rid, row[-1])
                stored = found.get(key)
                if stored is None:
                    problems.append(f"{table.name}.{column} of record {rid} is missing")
                    continue
                try:
                    got = sealing.target_plain(table.name, column, rid, stored)
                except Exception:  # noqa: BLE001 - any failure to open is the finding
                    got = None
                if got != expected:
                    problems.append(f"{table.name}.{column} of record {rid} reads back differently")
    return compared, problems
