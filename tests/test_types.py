"""The encoding rules of DESIGN §2, checked on the real databases."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from mastra_data import Resource, Span, Thread
from mastra_data.db import migrations
from mastra_data.db.dialects import backend_for
from mastra_data.db.types import format_iso_ms, to_utc

THREADS = Thread.__table__  # type: ignore[attr-defined]
SPANS = Span.__table__  # type: ignore[attr-defined]

aware = st.datetimes(
    min_value=datetime(1, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-7)), timezone(timedelta(hours=5, minutes=30))]),
)


@given(aware)
def test_iso_format_is_js_to_iso_string(value: datetime) -> None:
    text = format_iso_ms(value)
    assert len(text) == 24
    assert (text[4], text[10], text[19], text[23]) == ("-", "T", ".", "Z")
    utc = value.astimezone(UTC)
    assert datetime.fromisoformat(text) == utc.replace(microsecond=utc.microsecond // 1000 * 1000)


@given(aware, aware)
def test_iso_strings_sort_like_instants(a: datetime, b: datetime) -> None:
    ta, tb = to_utc(a), to_utc(b)
    assert (format_iso_ms(a) < format_iso_ms(b)) == (ta < tb)
    assert (format_iso_ms(a) == format_iso_ms(b)) == (ta == tb)


def test_naive_datetimes_are_utc() -> None:
    assert to_utc(datetime(2025, 1, 1, 12, 0, 0, 123456)) == datetime(
        2025, 1, 1, 12, 0, 0, 123000, tzinfo=UTC
    )
    assert to_utc("2025-01-01T12:00:00.123Z") == datetime(2025, 1, 1, 12, 0, 0, 123000, tzinfo=UTC)
    # Mastra's libSQL ALTER TABLE default writes CURRENT_TIMESTAMP's format.
    assert to_utc("2025-01-01 12:00:00") == datetime(2025, 1, 1, 12, tzinfo=UTC)


def _insert_thread(engine: Engine, thread_id: str, created: datetime, metadata: object = None) -> None:
    backend = backend_for(engine)
    values = {
        "id": thread_id,
        "resourceId": "r",
        "title": "t",
        "metadata": metadata,
        "createdAt": created,
        "updatedAt": created,
    }
    with engine.begin() as conn:
        conn.execute(sa.insert(THREADS), [backend.row(THREADS, values)])


def test_timestamps_round_trip_to_the_millisecond(engine: Engine) -> None:
    migrations.upgrade(engine)
    written = datetime(2025, 12, 1, 10, 0, 0, 123987, tzinfo=timezone(timedelta(hours=2)))
    _insert_thread(engine, "t1", written)
    with Session(engine) as session:
        got = session.scalars(sa.select(Thread).where(THREADS.c.id == "t1")).one().created_at
    assert got == datetime(2025, 12, 1, 8, 0, 0, 123000, tzinfo=UTC)
    assert got.utcoffset() == timedelta(0)


def test_stored_timestamps_order_like_time(engine: Engine) -> None:
    """Ordering by the stored column equals ordering by instant (string order on libSQL)."""
    migrations.upgrade(engine)
    base = datetime(2025, 1, 1, tzinfo=UTC)
    offsets = [
        timedelta(milliseconds=1),
        timedelta(days=400),
        timedelta(seconds=9),
        timedelta(0),
        timedelta(hours=23),
    ]
    for i, off in enumerate(offsets):
        _insert_thread(engine, f"t{i}", (base + off).astimezone(timezone(timedelta(hours=-(i % 3)))))
    with engine.connect() as conn:
        ids = conn.execute(sa.select(THREADS.c.id).order_by(THREADS.c.createdAt)).scalars().all()
    assert ids == [f"t{i}" for i, _ in sorted(enumerate(offsets), key=lambda p: p[1])]


def test_libsql_stores_js_iso_text(libsql_engine: Engine) -> None:
    engine = libsql_engine
    migrations.upgrade(engine)
    _insert_thread(engine, "t1", datetime(5, 3, 4, 5, 6, 7, 8000, tzinfo=UTC))
    with engine.connect() as conn:
        raw = conn.exec_driver_sql('SELECT "createdAt", typeof("createdAt") FROM mastra_threads').one()
    assert tuple(raw) == ("0005-03-04T05:06:07.008Z", "text")


def test_pg_writes_both_columns_and_reads_the_shadow_first(pg_engine: Engine) -> None:
    engine = pg_engine
    migrations.upgrade(engine)
    _insert_thread(engine, "t1", datetime(2025, 6, 1, 12, 30, tzinfo=UTC))
    with engine.begin() as conn:
        # A session time zone far from UTC must change neither what is stored nor what is read.
        conn.exec_driver_sql("SET TIME ZONE 'America/Los_Angeles'")
        plain, shadow = conn.exec_driver_sql('SELECT "createdAt", "createdAtZ" FROM mastra_threads').one()
        assert plain == datetime(2025, 6, 1, 12, 30)  # UTC wall clock
        assert shadow == datetime(2025, 6, 1, 12, 30, tzinfo=UTC)
        # Reads prefer the Z column (Mastra: createdAtZ || createdAt).
        conn.exec_driver_sql("""UPDATE mastra_threads SET "createdAtZ" = '2030-01-01T00:00:00Z'""")
        assert Session(bind=conn).scalars(sa.select(Thread)).one().created_at == datetime(
            2030, 1, 1, tzinfo=UTC
        )
        # Without a shadow value the plain column is read as UTC.
        conn.exec_driver_sql('UPDATE mastra_threads SET "createdAtZ" = NULL')
        read = Session(bind=conn).scalars(sa.select(Thread)).one().created_at
        assert read == datetime(2025, 6, 1, 12, 30, tzinfo=UTC)


def test_json_columns_read_mastra_jsonb_blobs(engine: Engine) -> None:
    """Mastra's libSQL store writes jsonb(?) blobs; reads go through json(col) and give the dict."""
    migrations.upgrade(engine)
    doc = {"a": 1, "nested": {"list": [1, "two", None, True]}, "unicode": "héllo ✓", "empty": {}}
    _insert_thread(engine, "text", datetime(2025, 1, 1, tzinfo=UTC), doc)
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO mastra_threads VALUES ('blob', 'r', 't', jsonb(?), '2025-01-01T00:00:00.000Z', "
                "'2025-01-01T00:00:00.000Z')",
                (json.dumps(doc),),
            )
            assert (
                conn.exec_driver_sql("SELECT typeof(metadata) FROM mastra_threads WHERE id='blob'").scalar()
                == "blob"
            )
    else:
        _insert_thread(engine, "blob", datetime(2025, 1, 1, tzinfo=UTC), doc)
    with Session(engine) as session:
        threads = {t.id: t for t in session.scalars(sa.select(Thread))}
    assert threads["text"].metadata_ == doc
    assert threads["blob"].metadata_ == doc
    _insert_thread(engine, "none", datetime(2025, 1, 1, tzinfo=UTC), None)
    with engine.connect() as conn:
        assert conn.execute(sa.select(THREADS.c.metadata).where(THREADS.c.id == "none")).scalar() is None
        assert conn.execute(sa.select(sa.func.count()).where(THREADS.c.metadata.is_(None))).scalar() == 1


@pytest.mark.parametrize("value", ["question", "42", "true", "", "{not json", 3, 2.5, True, [1, "x"]])
def test_json_scalars_and_strings_round_trip(engine: Engine, value: object) -> None:
    """A stored JSON string stays a string (psycopg decodes jsonb itself; it is not parsed again)."""
    migrations.upgrade(engine)
    _insert_thread(engine, "s", datetime(2025, 1, 1, tzinfo=UTC), value)
    with engine.connect() as conn:
        got = conn.execute(sa.select(THREADS.c.metadata).where(THREADS.c.id == "s")).scalar()
    assert got == value
    assert type(got) is type(value)


def test_pg_reads_documents_mastra_stored_as_json_strings(pg_engine: Engine) -> None:
    """@mastra/pg writes ``JSON.stringify(doc)`` into jsonb (a jsonb string); it reads back as the doc."""
    migrations.upgrade(pg_engine)
    with pg_engine.begin() as conn:
        conn.exec_driver_sql(
            """INSERT INTO mastra_resources (id, metadata, "createdAt", "updatedAt") VALUES """
            """('r', to_jsonb('{"plan":"pro"}'::text), now(), now()), """
            """('l', to_jsonb('[1,2]'::text), now(), now())"""
        )
    with pg_engine.connect() as conn:
        got = dict(conn.execute(sa.select(Resource.__table__.c.id, Resource.__table__.c.metadata)).all())
    assert got == {"r": {"plan": "pro"}, "l": [1, 2]}


def test_booleans_are_integer_on_libsql_and_boolean_on_pg(engine: Engine) -> None:
    migrations.upgrade(engine)
    backend = backend_for(engine)
    now = datetime(2025, 1, 1, tzinfo=UTC)
    rows = [
        backend.row(
            SPANS,
            {
                "traceId": "tr",
                "spanId": s,
                "name": "n",
                "spanType": "agent_run",
                "isEvent": flag,
                "startedAt": now,
                "createdAt": now,
            },
        )
        for s, flag in (("a", True), ("b", False))
    ]
    with engine.begin() as conn:
        conn.execute(sa.insert(SPANS), rows)
        stored = dict(conn.exec_driver_sql('SELECT "spanId", "isEvent" FROM mastra_ai_spans').all())
        read = {s.span_id: s.is_event for s in Session(bind=conn).scalars(sa.select(Span))}
    assert read == {"a": True, "b": False}
    expected_raw = {"a": 1, "b": 0} if engine.dialect.name == "sqlite" else {"a": True, "b": False}
    assert stored == expected_raw
