"""raw/quarantine as an asset of its own: what the quarantine holds after every load.

The ingest assets write raw.quarantine as they load (orchestration/ingest/loader.py and
ticket_cascade.py); this asset only reads it, once every ingest step of the run is done,
and records what it holds, so the table is a materialised asset in the Dagster UI (with
its history of totals) rather than an external dbt source that was "never materialized".
dagster-dbt maps the dbt source raw.quarantine (dbt_project/models/staging/_sources.yml)
to the same key, so the models that read source('raw', 'quarantine') run after it.
"""

from datetime import UTC, datetime

import dagster as dg
import duckdb

from orchestration.contract import ENTITIES
from orchestration.contract_dbt import QUARANTINE_COLUMNS
from orchestration.resources import TsqHome

QUARANTINE_KEY = dg.AssetKey(["raw", "quarantine"])

#: the (entity, rule) pairs shown in the metadata table; the rest are summed in one line
TOP_RULES = 20

QUARANTINE_DESCRIPTION = """\
Rows refused at load, kept whole: the DuckDB table `raw.quarantine` in the working
warehouse (`tsq.duckdb` under TSQ_HOME; `tsq where` prints the path).

A row lands here when it breaks a row rule of the export contract
(docs/export-contract.md: a required value missing, a value of the wrong form, a value
not allowed, an implausible timestamp, a control character, a key repeated in its
file, ...), when it cannot be parsed at all, or when its ticket was quarantined (the
events, surveys, QA reviews and KB links of a quarantined ticket follow it). Each row
keeps its entity, file, row number and load, the first rule it broke (`rule`), every
rule it broke (`rules_broken`) and the original row. A quarantined row never reaches
raw.<entity>, so it never blocks a run; quarantined tickets count only as records that
fail the ingestion gates in data completeness (int_ticket_record_gates).

See them with `tsq quarantine` (by rule and file; `--rows` lists rows). It also lists
the rows *held back* by dbt (intermediate.int_held_back_rows), which are a different
thing: they kept every rule and are in raw, but name a ticket or team no load has
brought yet (or an event dated before its ticket), and count as soon as it arrives.

Rows leave the quarantine two ways: `tsq retract FILE|LOAD_ID` removes a load's rows
from raw and from here (recorded in raw.retractions), and a row quarantined only
because of its ticket goes back to raw when a later load accepts that ticket.
Re-delivering a corrected file is a new load: its rows load, and the rows the earlier
load refused stay here until that load is retracted.

This asset writes nothing: after every ingest step of the run it reads the table and
records its rows by entity and by rule, and how many this run added."""


# raw.quarantine's columns, described once in contract_dbt.py for dbt docs and Dagster
QUARANTINE_SCHEMA = dg.TableSchema(
    columns=[
        dg.TableColumn(
            name=name,
            type=kind,
            description=description,
            constraints=dg.TableColumnConstraints(nullable=False),
        )
        for name, kind, description in QUARANTINE_COLUMNS
    ]
)


def _markdown_table(header: tuple[str, ...], rows: list[tuple[object, ...]]) -> str:
    def cell(value: object) -> str:
        # a rule or entity name is plain text; a pipe would split the cell
        return f"{value:,}" if isinstance(value, int) else str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def quarantine_metadata(
    con: duckdb.DuckDBPyConnection, run_started_at: datetime | None
) -> dict[str, object]:
    """What raw.quarantine holds: totals by entity and by rule, and the rows set aside
    since `run_started_at` (their quarantined_at is the load's or the move's time). With
    no start time, the rows added are NULL with the reason, never 0."""
    (total,) = con.execute("SELECT count(*) FROM raw.quarantine").fetchone()
    counted = dict(
        con.execute("SELECT entity, count(*) FROM raw.quarantine GROUP BY entity").fetchall()
    )
    # every contract entity, in contract order, so an entity with none shows 0 rows
    by_entity = [(entity.name, int(counted.pop(entity.name, 0))) for entity in ENTITIES]
    by_entity += sorted((name, int(count)) for name, count in counted.items())
    by_rule = [
        (entity, rule, int(count))
        for entity, rule, count in con.execute(
            "SELECT entity, rule, count(*) FROM raw.quarantine "
            "GROUP BY entity, rule ORDER BY count(*) DESC, entity, rule"
        ).fetchall()
    ]
    shown = by_rule[:TOP_RULES]
    rules_table = _markdown_table(("entity", "rule", "rows"), list(shown))
    if len(by_rule) > len(shown):
        rest = sum(count for _, _, count in by_rule[TOP_RULES:])
        rules_table += f"\n\n…and {len(by_rule) - len(shown)} more rules with {rest:,} rows."
    (files,) = con.execute("SELECT count(DISTINCT source_file) FROM raw.quarantine").fetchone()
    metadata: dict[str, object] = {
        "dagster/row_count": int(total),
        "total_rows": int(total),
        "files_with_quarantined_rows": int(files),
        "rows_by_entity": dg.MetadataValue.md(_markdown_table(("entity", "rows"), list(by_entity))),
        "rows_by_rule": dg.MetadataValue.md(rules_table if by_rule else "No quarantined rows."),
        "rows_by_rule_json": dg.MetadataValue.json(
            [{"entity": e, "rule": r, "rows": n} for e, r, n in shown]
        ),
    }
    if run_started_at is None:
        metadata["rows_added_by_this_run"] = dg.MetadataValue.null()
        metadata["rows_added_by_this_run_unknown_because"] = (
            "the run's start time is not recorded in the Dagster instance"
        )
    else:
        (added,) = con.execute(
            "SELECT count(*) FROM raw.quarantine WHERE quarantined_at >= ?", [run_started_at]
        ).fetchone()
        metadata["rows_added_by_this_run"] = int(added)
    return metadata


def run_started_at(context: dg.AssetExecutionContext) -> datetime | None:
    record = context.instance.get_run_record_by_id(context.run.run_id)
    if record is None or record.start_time is None:
        return None
    return datetime.fromtimestamp(record.start_time, tz=UTC)


@dg.asset(
    key=QUARANTINE_KEY,
    group_name="raw",
    description=QUARANTINE_DESCRIPTION,
    kinds={"duckdb", "python"},
    pool="tsq_warehouse",
    metadata={"dagster/column_schema": QUARANTINE_SCHEMA},
    # after every load of the run: each may add rows, move them in or release them
    deps=[dg.AssetKey(["raw", entity.name]) for entity in ENTITIES],
)
def raw_quarantine(context: dg.AssetExecutionContext, tsq: TsqHome) -> dg.MaterializeResult:
    started = run_started_at(context)
    # the same connection settings as the ingest steps (DuckDB refuses a second
    # configuration for a file the process has open); only SELECTs run on it
    with tsq.connect() as con:
        (exists,) = con.execute(
            "SELECT count(*) > 0 FROM information_schema.tables "
            "WHERE table_schema = 'raw' AND table_name = 'quarantine'"
        ).fetchone()
        if not exists:
            # the ingest assets create it; reading nothing as "0 rows" would be a guess
            raise dg.Failure(
                "raw.quarantine does not exist yet: no ingest step has run on this "
                "warehouse. Materialise the raw ingest assets (or run tsq run) first."
            )
        metadata = quarantine_metadata(con, started)
    context.log.info(f"raw.quarantine holds {metadata['total_rows']:,} rows")
    return dg.MaterializeResult(metadata=metadata)
