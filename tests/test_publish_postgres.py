"""`tsq publish --to postgresql://…` against a real PostgreSQL server (tests/postgres_server.py
starts one with scripts/postgres-test-server.sh), publishing the real store of the
`small_home` session warehouse (300 generated tickets through the loader and dbt).

Row-for-row equality is checked with a fingerprint computed the same way on both sides
from the values each driver returns: the row count and the md5 of the sorted rows, each
row rendered as text (floats by repr, so every bit counts; instants in UTC)."""

from __future__ import annotations

import hashlib
import shutil
import socket
import threading
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg
import pytest
from click.testing import CliRunner

from orchestration.publish.cli_commands import publish as publish_command
from orchestration.publish.postgres import (
    PostgresPublishError,
    publish_to_postgres,
)
from orchestration.publish.store import (
    published_model_nodes,
    published_models,
    published_table_name,
    read_manifest,
)

pytestmark = pytest.mark.slow


def render(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def fingerprint(rows: list[tuple]) -> tuple[int, str]:
    lines = sorted("\t".join(render(v) for v in row) for row in rows)
    return len(rows), hashlib.md5("\n".join(lines).encode()).hexdigest()


def duckdb_fingerprints(store: Path) -> dict[str, tuple[int, str]]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        tables = [name for (name,) in con.execute("SHOW TABLES").fetchall()]
        return {t: fingerprint(con.execute(f"SELECT * FROM {t}").fetchall()) for t in tables}
    finally:
        con.close()


def postgres_fingerprints(url: str, schema: str = "tsq_published") -> dict[str, tuple[int, str]]:
    from psycopg import sql

    with psycopg.connect(url) as con:
        tables = [
            name
            for (name,) in con.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema]
            ).fetchall()
        ]
        return {
            t: fingerprint(
                con.execute(
                    sql.SQL("SELECT * FROM {}").format(sql.Identifier(schema, t))
                ).fetchall()
            )
            for t in tables
        }


def manifest_descriptions() -> dict[tuple[str, str], str]:
    """(table, column) -> description of the published models, read from the manifest."""
    return {
        (published_table_name(node), column): spec["description"]
        for node in published_model_nodes(read_manifest())
        for column, spec in node["columns"].items()
        if spec.get("description")
    }


class PublishInBackground:
    """`publish_to_postgres(store, url)` run in a thread while the test thread holds
    readers open: the steps it reports and how it ended are handed over under one
    condition, so the test can wait for the switch to have waited for its readers."""

    def __init__(self, store: Path, url: str, timeout_seconds: float = 300) -> None:
        self.steps: list[str] = []
        self.outcome: dict[str, object] = {}  # "ok": PostgresOutcome, or "error"
        self.timeout_seconds = timeout_seconds
        self._changed = threading.Condition()
        # a daemon: a failed assertion in the test thread must not leave pytest hanging
        self._thread = threading.Thread(target=self._publish, args=(store, url), daemon=True)
        self._thread.start()

    def _note(self, step: str) -> None:
        with self._changed:
            self.steps.append(step)
            self._changed.notify_all()

    def _publish(self, store: Path, url: str) -> None:
        try:
            self.outcome["ok"] = publish_to_postgres(store, url, on_step=self._note)
        except Exception as error:  # handed to the test thread
            self.outcome["error"] = error
        with self._changed:
            self._changed.notify_all()

    def waits(self) -> int:
        """How many times the switch has found readers in its way so far."""
        with self._changed:
            return sum(1 for step in self.steps if step == "waiting_for_readers")

    def wait_until_it_waited(self, times: int) -> None:
        """Return once the switch has waited for readers `times` times in all; fail if the
        publication ended (or the timeout passed) first."""
        with self._changed:
            self._changed.wait_for(
                lambda: self.steps.count("waiting_for_readers") >= times or self.outcome,
                timeout=self.timeout_seconds,
            )
        assert self.waits() >= times, self.outcome

    def finish(self) -> None:
        """Wait for the publication to end, and fail if it failed."""
        self._thread.join(timeout=self.timeout_seconds)
        assert not self._thread.is_alive()
        assert "error" not in self.outcome, self.outcome


def test_every_published_table_arrives_row_for_row_typed_and_described(
    small_home: Path, postgres_database: str
):
    store = small_home / "published.duckdb"
    outcome = publish_to_postgres(store, postgres_database)

    in_duckdb = duckdb_fingerprints(store)
    # the dbt models of models/published/ (tests/test_published_models.py) and the log
    assert sorted(in_duckdb) == sorted([*published_models(), "publish_log"])
    assert postgres_fingerprints(postgres_database) == in_duckdb
    assert outcome.row_counts == {table: rows for table, (rows, _) in in_duckdb.items()}
    assert in_duckdb["scores"][0] > 0 and in_duckdb["ticket_sla"][0] == 300  # real data

    with psycopg.connect(postgres_database) as con:
        types = dict(
            ((table, column), data_type)
            for table, column, data_type in con.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'tsq_published'"
            ).fetchall()
        )
        comments = {
            (table, column): comment
            for table, column, comment in con.execute(
                "SELECT c.relname, a.attname, col_description(c.oid, a.attnum) "
                "FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace "
                "JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 "
                "WHERE n.nspname = 'tsq_published' AND c.relkind = 'r'"
            ).fetchall()
        }
        (scores_comment,) = con.execute(
            "SELECT obj_description('tsq_published.scores'::regclass, 'pg_class')"
        ).fetchone()
    # the contract's types (dbt_project/models/published/_published.yml), mapped explicitly
    assert types[("scores", "score")] == "double precision"
    assert types[("scores", "grade")] == "text"
    assert types[("scores", "period_start")] == "date"
    assert types[("scores", "period_complete")] == "boolean"
    assert types[("scores", "peers_ranked")] in ("integer", "bigint")
    assert types[("publish_log", "published_at")] == "timestamp with time zone"
    # every described column of the dbt models carries its description, word for word
    described = manifest_descriptions()
    for (table, column), comment in comments.items():
        if table != "publish_log":
            assert comment == described.get((table, column)), (table, column)
    assert sum(1 for c in comments.values() if c) >= 80  # 80 described model columns today
    assert comments[("publish_log", "run_id")] == "The Dagster run that published."
    assert scores_comment and scores_comment.startswith("Sub-dimension, dimension and overall")


def test_a_second_publish_switches_atomically_for_readers_holding_a_transaction(
    small_home: Path, postgres_database: str, tmp_path: Path
):
    """Store A (small_home) is published, then store B (A without the overall scores, run
    'run-b'). Reader 1 (READ COMMITTED, as BI tools run) has read A's scores in an open
    transaction; reader 2 (REPEATABLE READ) holds a snapshot taken before B was loaded and
    has read nothing. The switch must wait for both: reader 1 keeps reading A across its
    statements, and reader 2, once reader 1 is gone, still sees A (a switch under its old
    snapshot would show it B's tables with no rows). After both end: B whole, and only one
    schema left."""
    store_a = small_home / "published.duckdb"
    store_b = tmp_path / "published.duckdb"
    shutil.copy(store_a, store_b)
    con = duckdb.connect(str(store_b))
    try:
        (overall,) = con.execute("SELECT count(*) FROM scores WHERE level = 'overall'").fetchone()
        con.execute("DELETE FROM scores WHERE level = 'overall'")
        con.execute("UPDATE publish_log SET run_id = 'run-b'")
    finally:
        con.close()
    a = duckdb_fingerprints(store_a)
    b = duckdb_fingerprints(store_b)
    assert overall > 0 and b["scores"][0] == a["scores"][0] - overall

    publish_to_postgres(store_a, postgres_database)

    reader_1 = psycopg.connect(postgres_database)  # READ COMMITTED, a transaction per block
    reader_2 = psycopg.connect(postgres_database)
    reader_2.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    count = "SELECT count(*) FROM tsq_published.scores"
    run = "SELECT run_id FROM tsq_published.publish_log"
    try:
        assert reader_1.execute(count).fetchone() == (a["scores"][0],)
        reader_2.execute("SELECT 1")  # its snapshot, before B is loaded

        publisher = PublishInBackground(store_b, postgres_database)
        # the switch has tried and found the readers in its way
        publisher.wait_until_it_waited(times=1)
        # reader 1, still in its transaction, reads A in every statement
        assert reader_1.execute(count).fetchone() == (a["scores"][0],)
        assert reader_1.execute(run).fetchall() == [("test-run",)]
        reader_1.commit()
        # two more failed tries: the second began after reader 1 ended, so reader 2's old
        # snapshot alone holds the switch back
        publisher.wait_until_it_waited(times=publisher.waits() + 2)
        assert reader_2.execute(count).fetchone() == (a["scores"][0],)
        assert reader_2.execute(run).fetchall() == [("test-run",)]
        reader_2.commit()
        publisher.finish()

        # a new transaction on the same connection sees B, all of it
        assert reader_1.execute(count).fetchone() == (b["scores"][0],)
        assert reader_1.execute(run).fetchall() == [("run-b",)]
        reader_1.commit()
        schemas = reader_1.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tsq%' ORDER BY 1"
        ).fetchall()
        assert schemas == [("tsq_published",)]  # the previous schema is gone
    finally:
        reader_1.close()
        reader_2.close()
    assert postgres_fingerprints(postgres_database) == b


def test_a_read_committed_reader_keeps_the_old_tables_until_its_transaction_ends(
    small_home: Path, postgres_database: str, tmp_path: Path
):
    """The lock alone (no old snapshot involved): a READ COMMITTED transaction holds no
    snapshot between its statements, so only its lock on the old tables it read keeps the
    switch back; its later statements, even on tables it had not touched, read the old
    publication."""
    store_a = small_home / "published.duckdb"
    store_b = tmp_path / "published.duckdb"
    shutil.copy(store_a, store_b)
    con = duckdb.connect(str(store_b))
    try:
        con.execute("UPDATE publish_log SET run_id = 'run-b'")
    finally:
        con.close()
    publish_to_postgres(store_a, postgres_database)

    reader = psycopg.connect(postgres_database)
    watcher = psycopg.connect(postgres_database, autocommit=True)
    try:
        reader.execute("SELECT count(*) FROM tsq_published.scores").fetchone()
        (reader_pid,) = reader.execute("SELECT pg_backend_pid()").fetchone()
        # idle in its transaction, the reader holds no snapshot: nothing but its lock
        assert watcher.execute(
            "SELECT state, backend_xmin FROM pg_stat_activity WHERE pid = %s", [reader_pid]
        ).fetchone() == ("idle in transaction", None)

        publisher = PublishInBackground(store_b, postgres_database)
        publisher.wait_until_it_waited(times=1)
        assert reader.execute("SELECT run_id FROM tsq_published.publish_log").fetchall() == [
            ("test-run",)
        ]
        reader.commit()
        publisher.finish()
        assert reader.execute("SELECT run_id FROM tsq_published.publish_log").fetchall() == [
            ("run-b",)
        ]
        reader.commit()
    finally:
        reader.close()
        watcher.close()


def closed_local_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_bad_url_is_one_line_naming_the_host_and_never_the_password(
    small_home: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("TSQ_HOME", str(small_home))
    port = closed_local_port()
    secret = "s3cret-Passw0rd"
    runner = CliRunner()

    nobody_listens = f"postgresql://tsq:{secret}@127.0.0.1:{port}/tsq"
    result = runner.invoke(publish_command, ["--to", nobody_listens])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(
        f"Error: cannot connect to PostgreSQL at postgresql://tsq@127.0.0.1:{port}/tsq"
    )
    assert secret not in result.output

    # the same from the environment variable
    monkeypatch.setenv("TSQ_PUBLISH_POSTGRES_URL", nobody_listens)
    result = runner.invoke(publish_command, [])
    assert result.exit_code == 1 and secret not in result.output
    assert f"127.0.0.1:{port}" in result.output

    # not a PostgreSQL URL at all
    result = runner.invoke(publish_command, ["--to", f"mysql://tsq:{secret}@db.example:3306/x"])
    assert result.exit_code == 1 and secret not in result.output
    assert result.output.strip().splitlines() == [
        "Error: not a PostgreSQL URL: mysql://tsq@db.example:3306/x "
        "(expected postgresql://user@host:port/db)"
    ]

    with pytest.raises(PostgresPublishError, match="no published store yet"):
        publish_to_postgres(small_home / "absent.duckdb", nobody_listens)


def test_the_command_publishes_and_prints_no_password(
    small_home: Path, postgres_database: str, monkeypatch: pytest.MonkeyPatch
):
    """The test server trusts 127.0.0.1, so a password in the URL is accepted and unused:
    the command must still never print it."""
    monkeypatch.setenv("TSQ_HOME", str(small_home))
    secret = "s3cret-Passw0rd"
    url = postgres_database.replace("postgresql://postgres@", f"postgresql://postgres:{secret}@")
    result = CliRunner().invoke(publish_command, ["--to", url])
    assert result.exit_code == 0, result.output
    assert secret not in result.output
    rows = duckdb_fingerprints(small_home / "published.duckdb")["scores"][0]
    assert f"scores {rows:,}" in result.output
    assert "schema tsq_published" in result.output
