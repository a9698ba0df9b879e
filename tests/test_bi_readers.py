"""What a BI tool sees when it opens the published DuckDB store through SQLAlchemy and
duckdb-engine (Superset, Metabase's Python drivers, notebooks): every published table and
column reflects, with types a BI tool maps (no HUGEINT), and rows read back through the
reflected table. The store is the session's small built warehouse
(tests/built_warehouse.py: the published dbt models as the publish step lays them out).

Two URLs are offered (docs/published-tables.md):
- `duckdb:///…`, duckdb-engine as it is: tables and columns reflect under the SQLAlchemy
  2.0 the project pins (2.1's reflection asks DuckDB 2.0 for pg_catalog.pg_collation);
  keys do not (`CAST(… AS REGCLASS)`), so whole-table reflection fails.
- `duckdb+tsq:///…`, orchestration/publish/sqlalchemy_dialect.py: everything a BI tool
  reflects, answered from DuckDB's own catalogue.
docs/DECISIONLOG.md, "BI readers reflect through SQLAlchemy"."""

from __future__ import annotations

from pathlib import Path

import duckdb
import sqlalchemy as sa

from tests.built_warehouse import PUBLISHED_TABLES


def store_columns(store: Path) -> dict[str, list[tuple[str, str]]]:
    """Each table's columns and DuckDB types, in order, as DuckDB itself reports them."""
    con = duckdb.connect(str(store), read_only=True)
    try:
        rows = con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"
        ).fetchall()
    finally:
        con.close()
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        columns.setdefault(table, []).append((column, data_type))
    return columns


def test_every_published_column_reflects_through_sqlalchemy(small_home):
    store = small_home / "published.duckdb"
    expected = store_columns(store)
    engine = sa.create_engine(f"duckdb:///{store}", connect_args={"read_only": True})
    try:
        inspector = sa.inspect(engine)
        assert set(PUBLISHED_TABLES) <= set(inspector.get_table_names())
        for table in PUBLISHED_TABLES:
            reflected = [column["name"] for column in inspector.get_columns(table)]
            assert reflected == [name for name, _ in expected[table]], table
    finally:
        engine.dispose()


def test_no_published_column_has_a_type_bi_tools_cannot_map(small_home):
    columns = store_columns(small_home / "published.duckdb")
    unmappable = [
        (table, column, data_type)
        for table, table_columns in columns.items()
        for column, data_type in table_columns
        if data_type in {"HUGEINT", "UHUGEINT", "UBIGINT", "INTERVAL"} or "[]" in data_type
    ]
    assert unmappable == []


def test_the_tsq_dialect_reflects_whole_tables_as_duckdb_describes_them(small_home):
    store = small_home / "published.duckdb"
    expected = store_columns(store)
    engine = sa.create_engine(f"duckdb+tsq:///{store}", connect_args={"read_only": True})
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)  # what a BI tool does when it adds a database
        inspector = sa.inspect(engine)
        for table in PUBLISHED_TABLES:
            reflected = metadata.tables[table]
            assert [c.name for c in reflected.columns] == [n for n, _ in expected[table]]
            # the published tables declare no keys; reflection says so instead of failing
            assert inspector.get_pk_constraint(table)["constrained_columns"] == []
            assert inspector.get_foreign_keys(table) == []
        # DuckDB's type names arrive as the SQLAlchemy types a BI tool maps
        scores = metadata.tables["scores"]
        assert isinstance(scores.c.indicators_scored.type, sa.Integer)
        assert isinstance(scores.c.score.type, sa.Float)
        assert isinstance(scores.c.period_start.type, sa.Date)
        assert not any(isinstance(c.type, sa.types.NullType) for c in scores.columns)
    finally:
        engine.dispose()


def test_rows_read_back_through_a_reflected_table_match_duckdb(small_home):
    store = small_home / "published.duckdb"
    engine = sa.create_engine(f"duckdb+tsq:///{store}", connect_args={"read_only": True})
    try:
        scores = sa.Table("scores", sa.MetaData(), autoload_with=engine)
        with engine.connect() as connection:
            through_sqlalchemy = connection.execute(
                sa.select(sa.func.count(), sa.func.sum(scores.c.indicators_scored))
            ).one()
    finally:
        engine.dispose()
    con = duckdb.connect(str(store), read_only=True)
    try:
        direct = con.execute("SELECT count(*), sum(indicators_scored) FROM scores").fetchone()
    finally:
        con.close()
    assert through_sqlalchemy[0] > 0
    assert tuple(through_sqlalchemy) == tuple(direct)


def test_the_tsq_dialect_reflects_keys_and_constraints_a_store_declares(tmp_path):
    """The published tables declare none, so the keys, unique, check and foreign-key
    answers are shown on a small file that declares one of each."""
    database = tmp_path / "declared.duckdb"
    con = duckdb.connect(str(database))
    con.execute(
        "CREATE TABLE team "
        "(id INTEGER PRIMARY KEY, code VARCHAR UNIQUE, size INTEGER CHECK (size > 0))"
    )
    con.execute("CREATE TABLE agent (id INTEGER, team_id INTEGER REFERENCES team (id))")
    con.close()
    engine = sa.create_engine(f"duckdb+tsq:///{database}", connect_args={"read_only": True})
    try:
        inspector = sa.inspect(engine)
        assert inspector.get_pk_constraint("team")["constrained_columns"] == ["id"]
        assert inspector.get_pk_constraint("agent")["constrained_columns"] == []
        assert [u["column_names"] for u in inspector.get_unique_constraints("team")] == [["code"]]
        assert [c["sqltext"] for c in inspector.get_check_constraints("team")] == ["(size > 0)"]
        ((foreign_key),) = inspector.get_foreign_keys("agent")
        assert (foreign_key["constrained_columns"], foreign_key["referred_table"]) == (
            ["team_id"],
            "team",
        )
        assert foreign_key["referred_columns"] == ["id"]
        team = sa.Table("team", sa.MetaData(), autoload_with=engine)
        assert [column.name for column in team.primary_key] == ["id"]
    finally:
        engine.dispose()
