"""The raw schema's tables: the load ledger (raw.loads, raw.quarantine,
raw.refused_files, raw.retractions) and one table per contract entity, every value text.

On the ground floor because two layers write into it: ingest loads canonical files into
raw.<entity> and keeps the ledger, and the adapters' inbox asset records in
raw.refused_files the vendor exports nothing could translate. Either creates what it
needs here, so neither imports the other.
"""

from __future__ import annotations

import duckdb

from orchestration.contract import ENTITIES, Entity

#: raw.refused_files.entity of a file no adapter could translate (adapters/inbox.py)
NOT_UNDERSTOOD = "(not understood)"


def ensure_raw_schema(con: duckdb.DuckDBPyConnection, entity: Entity) -> None:
    """The ledger's tables and raw.<entity>, each created if missing."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS raw.loads (
            load_id VARCHAR PRIMARY KEY,
            entity VARCHAR NOT NULL,
            source_file VARCHAR NOT NULL,
            file_sha256 VARCHAR NOT NULL,
            file_format VARCHAR NOT NULL,
            encoding VARCHAR,
            rows_read BIGINT NOT NULL,
            rows_loaded BIGINT NOT NULL,
            rows_quarantined BIGINT NOT NULL,
            loaded_at TIMESTAMPTZ NOT NULL
        )
        """
    )
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS raw.quarantine (
            load_id VARCHAR NOT NULL,
            entity VARCHAR NOT NULL,
            source_file VARCHAR NOT NULL,
            source_row BIGINT NOT NULL,   -- data row (1 = first row after the header)
            rule VARCHAR NOT NULL,        -- the first rule broken
            rules_broken VARCHAR NOT NULL,
            original_row VARCHAR NOT NULL, -- the row as JSON, or the raw line if unparseable
            quarantined_at TIMESTAMPTZ NOT NULL
        )
        """
    )
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS raw.refused_files (
            entity VARCHAR NOT NULL,
            source_file VARCHAR NOT NULL,
            file_sha256 VARCHAR NOT NULL,
            reason VARCHAR NOT NULL,
            refused_at TIMESTAMPTZ NOT NULL
        )
        """
    )
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS raw.retractions (
            load_id VARCHAR NOT NULL,
            entity VARCHAR NOT NULL,
            source_file VARCHAR NOT NULL,
            file_sha256 VARCHAR NOT NULL,
            loaded_at TIMESTAMPTZ NOT NULL,
            rows_read BIGINT NOT NULL,
            rows_removed BIGINT NOT NULL,           -- rows of raw.<entity> deleted
            quarantine_rows_removed BIGINT NOT NULL,
            retracted_at TIMESTAMPTZ NOT NULL,
            retracted_by VARCHAR,                   -- the OS user who ran tsq retract
            reason VARCHAR
        )
        """
    )
    columns = ", ".join(f'"{c}" VARCHAR' for c in entity.column_names)
    con.execute(
        f"CREATE TABLE IF NOT EXISTS raw.{entity.name} ({columns}, "
        "_source_file VARCHAR NOT NULL, _source_row BIGINT NOT NULL, "
        "_load_id VARCHAR NOT NULL, _loaded_at TIMESTAMPTZ NOT NULL)"
    )
    # A warehouse made before the contract gained an optional column gets it here (empty
    # for the rows already loaded), so upgrading TSQ never means deleting the warehouse.
    for column in entity.column_names:
        con.execute(f'ALTER TABLE raw.{entity.name} ADD COLUMN IF NOT EXISTS "{column}" VARCHAR')


def ensure_ledger(con: duckdb.DuckDBPyConnection) -> None:
    """Every raw table: the ledger's and each contract entity's."""
    for entity in ENTITIES:
        ensure_raw_schema(con, entity)
