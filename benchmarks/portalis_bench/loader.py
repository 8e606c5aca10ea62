# ruff: noqa: S608 - SQL here is built from table and column names of this package's own
# generator (checked against the migrated schema in declare()), never from input.
"""Bulk loading for the benchmark generator: SQLAlchemy Core ``executemany`` on SQLite,
``COPY … FROM STDIN`` (psycopg) on PostgreSQL, with secondary indexes dropped for the load
and rebuilt afterwards (one sorted build per index instead of a million random inserts).

Rows are tuples already in the database's own representation: :class:`Clock` turns
minute timestamps into what each driver wants (the exact text SQLAlchemy stores on
SQLite, aware datetimes for psycopg), so nothing is converted per value twice.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect

#: Parents before children, so a flush never writes a row whose parent is still buffered.
LOAD_ORDER = (
    "partners",
    "users",
    "deals_registrations",
    "deals_transitions",
    "deals_conflicts",
    "deals_protections",
    "deals_extension_requests",
    "content_folders",
    "content_items",
    "content_item_tiers",
    "content_item_partners",
    "content_item_tags",
    "content_translations",
    # the training plugin (portalis_bench.training)
    "lms_courses",
    "lms_course_translations",
    "lms_course_tiers",
    "lms_course_partners",
    "lms_modules",
    "lms_lessons",
    "lms_paths",
    "lms_path_courses",
    "lms_assignments",
    "lms_enrolments",
    "lms_lesson_progress",
    "lms_certificates",
)
#: Tables whose secondary indexes are dropped during the load.
BULK_TABLES = LOAD_ORDER


class Clock:
    """Timestamps as whole minutes since the epoch, rendered once per distinct value."""

    EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

    def __init__(self, sqlite: bool) -> None:
        self.sqlite = sqlite
        self._days: dict[int, Any] = {}
        self._tod = [f" {m // 60:02d}:{m % 60:02d}:00.000000" for m in range(1440)]
        self._cache: dict[int, Any] = {}

    def ts(self, minute: int | None) -> Any:
        if minute is None:
            return None
        if self.sqlite:
            day, rest = divmod(minute, 1440)
            d = self._days.get(day)
            if d is None:
                d = (self.EPOCH + dt.timedelta(days=day)).strftime("%Y-%m-%d")
                self._days[day] = d
            return d + self._tod[rest]
        value = self._cache.get(minute)
        if value is None:
            value = self.EPOCH + dt.timedelta(minutes=minute)
            if len(self._cache) < 2_000_000:
                self._cache[minute] = value
        return value

    def date(self, minute: int) -> Any:
        day = (self.EPOCH + dt.timedelta(minutes=minute)).date()
        return day.isoformat() if self.sqlite else day

    def dt(self, minute: int) -> dt.datetime:
        return self.EPOCH + dt.timedelta(minutes=minute)

    @staticmethod
    def minute(value: dt.datetime) -> int:
        return int((value - Clock.EPOCH).total_seconds() // 60)

    def flag(self, value: bool) -> Any:
        return int(value) if self.sqlite else value


class BulkLoader:
    """Buffers rows per table and writes them in batches inside one transaction."""

    def __init__(self, url: str, batch: int = 20_000, log: Callable[[str], None] = print) -> None:
        self.engine: Engine = create_engine(url)
        self.sqlite = self.engine.dialect.name == "sqlite"
        if self.sqlite:
            event.listen(self.engine, "connect", _sqlite_bulk_pragmas)
        self.batch = batch
        self.log = log
        self.columns: dict[str, list[str]] = {}
        self.buffers: dict[str, list[tuple[Any, ...]]] = {}
        self.counts: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        self.conn: Connection | None = None
        self._dropped: list[tuple[str, str, str]] = []

    # -- lifecycle -----------------------------------------------------------------------
    def begin(self) -> None:
        self.conn = self.engine.connect()
        if not self.sqlite:
            # FK triggers off for the load (superuser); the generator writes consistent ids
            try:
                self.conn.exec_driver_sql("SET session_replication_role = replica")
            except Exception:  # noqa: BLE001 - not a superuser: keep the checks, still correct
                self.conn.rollback()
            self.conn.exec_driver_sql("SET maintenance_work_mem = '512MB'")
            self.conn.exec_driver_sql("SET synchronous_commit = off")

    def declare(self, table: str, columns: Sequence[str]) -> None:
        """The columns this loader will write; checked against the migrated table."""
        assert self.conn is not None
        actual = {c["name"]: c for c in inspect(self.conn).get_columns(table)}
        unknown = [c for c in columns if c not in actual]
        if unknown:
            raise RuntimeError(f"{table}: generator writes unknown columns {unknown}")
        missing = [
            name
            for name, c in actual.items()
            if name not in columns
            and not c.get("nullable", True)
            and c.get("default") is None
            and c.get("autoincrement") is not True
            and name != "id"
        ]
        if missing:
            raise RuntimeError(
                f"{table}: NOT NULL columns without a default the generator doesn't fill: "
                f"{missing} (the plugin's schema changed; update portalis_bench.seed)"
            )
        self.columns[table] = list(columns)
        self.buffers.setdefault(table, [])
        self.counts.setdefault(table, 0)

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        buf = self.buffers[table]
        buf.append(row)
        if len(buf) >= self.batch:
            self.flush()

    def add_many(self, table: str, rows: Iterable[tuple[Any, ...]]) -> None:
        for row in rows:
            self.add(table, row)

    def flush(self) -> None:
        order = [t for t in LOAD_ORDER if t in self.buffers] + [
            t for t in self.buffers if t not in LOAD_ORDER
        ]
        for table in order:
            rows = self.buffers[table]
            if rows:
                self._write(table, rows)
                self.buffers[table] = []

    def _write(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        assert self.conn is not None
        started = time.perf_counter()
        cols = self.columns[table]
        if self.sqlite:
            marks = ", ".join("?" for _ in cols)
            self.conn.exec_driver_sql(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})",  # noqa: S608
                rows,
            )
        else:
            raw = self.conn.connection.dbapi_connection
            assert raw is not None
            with (
                raw.cursor() as cur,  # type: ignore[attr-defined]
                cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        self.counts[table] = self.counts.get(table, 0) + len(rows)
        self.seconds[table] = self.seconds.get(table, 0.0) + time.perf_counter() - started

    def commit(self) -> None:
        assert self.conn is not None
        self.flush()
        self.conn.commit()

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        self.engine.dispose()

    # -- indexes -------------------------------------------------------------------------
    def drop_indexes(self, tables: Iterable[str]) -> None:
        """Drop plain secondary indexes (not the ones behind PRIMARY KEY/UNIQUE)."""
        assert self.conn is not None
        wanted = [t for t in tables if inspect(self.conn).has_table(t)]
        if not wanted:
            return
        if self.sqlite:
            rows = self.conn.exec_driver_sql(
                "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' "
                f"AND sql IS NOT NULL AND tbl_name IN ({', '.join('?' for _ in wanted)})",  # noqa: S608
                tuple(wanted),
            ).all()
        else:
            rows = self.conn.exec_driver_sql(
                "SELECT i.indexname, i.tablename, i.indexdef FROM pg_indexes i "
                "WHERE i.schemaname = current_schema() AND i.tablename = ANY(%(t)s) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                {"t": wanted},
            ).all()
        for name, table, ddl in rows:
            self.conn.exec_driver_sql(f'DROP INDEX "{name}"')
            self._dropped.append((name, table, ddl))
        self.conn.commit()

    def rebuild_indexes(self) -> float:
        assert self.conn is not None
        started = time.perf_counter()
        for _name, _table, ddl in self._dropped:
            self.conn.exec_driver_sql(ddl)
        self.conn.commit()
        self._dropped = []
        return time.perf_counter() - started

    def finish(self) -> dict[str, float]:
        """Sequences past the loaded ids (PostgreSQL), then fresh planner statistics."""
        assert self.conn is not None
        out: dict[str, float] = {}
        if not self.sqlite:
            for table in self.columns:
                if "id" in self.columns[table]:
                    self.conn.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                        f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                    )
            self.conn.exec_driver_sql("SET session_replication_role = DEFAULT")
            self.conn.commit()
        started = time.perf_counter()
        if self.sqlite:
            self.conn.exec_driver_sql("ANALYZE")
            self.conn.commit()
            # back to the app's durability setting, and a checkpoint so the WAL is small
            self.conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            auto = self.conn.execution_options(isolation_level="AUTOCOMMIT")
            auto.exec_driver_sql("VACUUM ANALYZE")
        out["analyze_seconds"] = round(time.perf_counter() - started, 2)
        return out


def _sqlite_bulk_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=OFF")
    cur.execute("PRAGMA foreign_keys=OFF")
    cur.execute("PRAGMA cache_size=-400000")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()
