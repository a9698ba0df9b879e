"""`tsq loads` and `tsq retract`: loads listed, a load's rows removed with an audit row,
the next run republishing without them; every inbox file accounted for, a file gone from
the inbox reported. One module-scoped warehouse carries the pipeline tests (two real
runs: before and after the retraction)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from orchestration.cli import main
from orchestration.contract import ENTITY_BY_NAME
from orchestration.generator import generate
from orchestration.ingest.ledger import account_for_inbox, retract
from orchestration.ingest.loader import load_entity
from orchestration.quality.reconciliation import reconciliation_rows
from orchestration.runner import RunOutcome, run_pipeline
from orchestration.settings import TsqSettings
from tests.conftest import query

TICKETS = ENTITY_BY_NAME["tickets"]
HEADER = "ticket_id,created_at,channel,priority,complexity_tier,category,team_id,status\n"
# Three tickets of May 2026 that only this file has (no events, surveys, reviews): the
# load to retract. The generated teams include TM01.
EXTRA_TICKETS = HEADER + "".join(
    f"XTRA-{n},2026-05-1{n}T08:00:00Z,email,P3,1,network,TM01,new\n" for n in (1, 2, 3)
)


def run_in(home: Path, *cli_args: str) -> tuple[TsqSettings, RunOutcome | str]:
    """A real pipeline run (no arguments) or a `tsq` command, in this TSQ home."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TSQ_HOME", str(home))
        env.setenv("DAGSTER_HOME", str(home / "dagster"))
        settings = TsqSettings(home=home).ensure()
        if cli_args:
            result = CliRunner().invoke(main, list(cli_args), env={"COLUMNS": "250"})
            assert result.exit_code == 0, result.output
            return settings, result.output
        return settings, run_pipeline(settings)


def may_completeness_denominator(settings: TsqSettings) -> float:
    ((denominator,),) = query(
        settings.published_path,
        "SELECT denominator FROM indicator_values WHERE indicator_id = 'ops_data_completeness' "
        "AND scope_type = 'organisation' AND period_grain = 'month' "
        "AND period_start = DATE '2026-05-01'",
    )
    return denominator


@pytest.fixture(scope="module")
def retracted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    home = tmp_path_factory.mktemp("loads") / "home"
    inbox = TsqSettings(home=home).ensure().inbox
    generate(inbox, tickets=80, seed=5)
    (inbox / "tickets-extra.csv").write_text(EXTRA_TICKETS, encoding="utf-8")
    settings, first = run_in(home)
    assert first.published, first.report_lines()  # fail here with the run's own report
    before = {
        "ticket_sla": query(
            settings.published_path,
            "SELECT ticket_id FROM ticket_sla WHERE ticket_id LIKE 'XTRA%' ORDER BY 1",
        ),
        "may_denominator": may_completeness_denominator(settings),
    }
    _, listed = run_in(home, "loads")
    _, retract_output = run_in(home, "retract", "tickets-extra.csv", "--reason", "test load")
    _, listed_after = run_in(home, "loads")
    _, second = run_in(home)
    yield {
        "settings": settings,
        "first": first,
        "second": second,
        "before": before,
        "listed": listed,
        "retract_output": retract_output,
        "listed_after": listed_after,
    }


def test_the_load_is_published_then_listed(retracted):
    first = retracted["first"]
    assert first.success and first.published, first.report_lines()
    assert retracted["before"]["ticket_sla"] == [("XTRA-1",), ("XTRA-2",), ("XTRA-3",)]
    assert "tickets-extra.csv" in retracted["listed"]


def test_a_retracted_load_disappears_from_the_published_scores(retracted):
    settings, second = retracted["settings"], retracted["second"]
    # the next run is not skipped as "current": it rebuilds and publishes
    assert second.success and second.published and not second.skipped, second.report_lines()
    assert query(
        settings.published_path, "SELECT count(*) FROM ticket_sla WHERE ticket_id LIKE 'XTRA%'"
    ) == [(0,)]
    # By hand: ops_data_completeness counts every ticket record created in the month once;
    # the three May tickets of the retracted load leave May's denominator.
    assert may_completeness_denominator(settings) == retracted["before"]["may_denominator"] - 3


def test_the_retraction_is_recorded_and_reconciles(retracted):
    settings = retracted["settings"]
    assert "3 rows removed from raw.tickets, 0 from quarantine" in retracted["retract_output"]
    ((file, removed, quarantined, reason, by),) = query(
        settings.warehouse_path,
        "SELECT source_file, rows_removed, quarantine_rows_removed, reason, retracted_by "
        "FROM raw.retractions",
    )
    assert (file, removed, quarantined, reason) == ("tickets-extra.csv", 3, 0, "test load")
    assert by
    assert query(
        settings.warehouse_path,
        "SELECT count(*) FROM raw.loads WHERE source_file = 'tickets-extra.csv'",
    ) == [(0,)]
    # the file is still in the inbox: the same bytes were not loaded again by run 2
    assert "retracted" in retracted["listed_after"]
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        for _, file, read, accepted, quarantined in reconciliation_rows(con, TICKETS):
            assert read == accepted + quarantined, file
    finally:
        con.close()


def _load_tickets(home: TsqSettings):
    con = duckdb.connect(str(home.warehouse_path))
    try:
        return load_entity(con, TICKETS, home.inbox, home.root)
    finally:
        con.close()


def test_a_file_gone_from_the_inbox_is_reported(tsq_home):
    (tsq_home.inbox / "tickets-old.csv").write_text(EXTRA_TICKETS, encoding="utf-8")
    _load_tickets(tsq_home)
    (tsq_home.inbox / "tickets-old.csv").unlink()
    con = duckdb.connect(str(tsq_home.warehouse_path))
    try:
        (state,) = account_for_inbox(con, tsq_home.inbox)
    finally:
        con.close()
    assert (state.file, state.entity, state.state) == ("tickets-old.csv", "tickets", "gone")
    assert "gone from the inbox" in state.detail and "tsq retract" in state.detail


def test_retracting_by_load_id_and_unknown_targets(tsq_home):
    (tsq_home.inbox / "tickets-a.csv").write_text(EXTRA_TICKETS, encoding="utf-8")
    _load_tickets(tsq_home)
    ((load_id,),) = query(tsq_home.warehouse_path, "SELECT load_id FROM raw.loads")
    con = duckdb.connect(str(tsq_home.warehouse_path))
    try:
        (done,) = retract(con, load_id[:8])  # a prefix of 8+ characters names the load
        assert (done.load_id, done.rows_removed) == (load_id, 3)
        with pytest.raises(ValueError, match="no load of 'tickets-zzz.csv'"):
            retract(con, "tickets-zzz.csv")
    finally:
        con.close()
    # the retracted bytes are not loaded again while they stay in the inbox
    assert _load_tickets(tsq_home).files_retracted == ["tickets-a.csv"]
    assert query(tsq_home.warehouse_path, "SELECT count(*) FROM raw.tickets") == [(0,)]
