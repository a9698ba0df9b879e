"""The load ledger, read and corrected: `tsq loads` and `tsq retract`, and the account of
every inbox file the run summary prints.

Raw is append-only per load: a load's rows stay until the load is retracted. A
retraction removes the load's rows from raw.<entity> and from raw.quarantine in one
transaction, moves its ledger row from raw.loads to the audit table raw.retractions
(who, when, how many rows, why), and keeps the same bytes from being loaded again while
the file stays in the inbox. The next `tsq run` rebuilds and republishes without them.
"""

from __future__ import annotations

import getpass
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.contract import ENTITY_BY_NAME, classify_file
from orchestration.ingest.ticket_cascade import TICKET_DEPENDENT_ENTITIES
from orchestration.raw_tables import ensure_ledger


class RetractError(ValueError):
    """Nothing to retract, or an ambiguous target; the message says which."""


@dataclass(frozen=True)
class LoadRow:
    load_id: str
    entity: str
    source_file: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    loaded_at: datetime


@dataclass(frozen=True)
class InboxFileState:
    """What became of one inbox file (or of a loaded file no longer there)."""

    file: str
    entity: str
    state: str  # loaded | refused | not understood | retracted | waiting | gone | mapping
    detail: str


def list_loads(con: duckdb.DuckDBPyConnection) -> list[LoadRow]:
    ensure_ledger(con)
    rows = con.execute(
        "SELECT load_id, entity, source_file, rows_read, rows_loaded, rows_quarantined, "
        "loaded_at FROM raw.loads ORDER BY loaded_at, entity, source_file"
    ).fetchall()
    return [LoadRow(*row) for row in rows]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def account_for_inbox(con: duckdb.DuckDBPyConnection, inbox: Path) -> list[InboxFileState]:
    """Every file in the inbox with what became of it, then every loaded file that is no
    longer there (its rows still count until it is retracted)."""
    ensure_ledger(con)
    loads = {
        (entity, sha): (load_id, read, loaded, quarantined)
        for load_id, entity, sha, read, loaded, quarantined in con.execute(
            "SELECT load_id, entity, file_sha256, rows_read, rows_loaded, rows_quarantined "
            "FROM raw.loads"
        ).fetchall()
    }
    retracted = {
        (entity, sha): load_id
        for load_id, entity, sha in con.execute(
            "SELECT load_id, entity, file_sha256 FROM raw.retractions"
        ).fetchall()
    }
    refused = {
        name: (entity, sha, reason)
        for entity, name, sha, reason in con.execute(
            "SELECT entity, source_file, file_sha256, reason FROM raw.refused_files"
        ).fetchall()
    }
    states: list[InboxFileState] = []
    present: set[tuple[str, str]] = set()
    files = sorted(p for p in inbox.iterdir() if p.is_file()) if inbox.is_dir() else []
    for path in files:
        name = path.name
        if name.endswith(".mapping.yml"):
            states.append(InboxFileState(name, "", "mapping", "mapping of " + name[:-12]))
            continue
        classified = classify_file(name)
        if classified is None:
            entity, _, reason = refused.get(name, ("", "", ""))
            states.append(
                InboxFileState(
                    name,
                    "",
                    "not understood",
                    reason
                    or "not a contract file name and not yet tried by the adapters (tsq run)",
                )
            )
            continue
        entity_name = classified[0].name
        sha = _sha256(path)
        present.add((entity_name, sha))
        if (entity_name, sha) in loads:
            load_id, read, loaded, quarantined = loads[(entity_name, sha)]
            states.append(
                InboxFileState(
                    name,
                    entity_name,
                    "loaded",
                    f"load {load_id}: {read} read, {loaded} loaded, {quarantined} quarantined",
                )
            )
        elif (entity_name, sha) in retracted:
            states.append(
                InboxFileState(
                    name,
                    entity_name,
                    "retracted",
                    f"load {retracted[(entity_name, sha)]} was retracted; these bytes are not "
                    "loaded again (remove the file, or change it to load it anew)",
                )
            )
        elif name in refused and refused[name][1] == sha:
            states.append(InboxFileState(name, entity_name, "refused", refused[name][2]))
        else:
            states.append(InboxFileState(name, entity_name, "waiting", "not loaded yet (tsq run)"))
    names_present = {p.name for p in files}
    for load_id, entity, source_file, sha in con.execute(
        "SELECT load_id, entity, source_file, file_sha256 FROM raw.loads "
        "ORDER BY loaded_at, source_file"
    ).fetchall():
        if (entity, sha) in present:
            continue
        how = "changed since" if source_file in names_present else "gone from the inbox"
        states.append(
            InboxFileState(
                source_file,
                entity,
                "gone",
                f"load {load_id}: the file it was loaded from is {how}; its rows still count "
                f"(a later load wins for the same key). `tsq retract {load_id}` removes them",
            )
        )
    return states


@dataclass(frozen=True)
class Retraction:
    load_id: str
    entity: str
    source_file: str
    rows_removed: int
    quarantine_rows_removed: int


def _loads_matching(con: duckdb.DuckDBPyConnection, target: str) -> list[tuple]:
    by_id = con.execute(
        "SELECT load_id, entity, source_file, file_sha256, loaded_at, rows_read "
        "FROM raw.loads WHERE load_id = ? OR (length(?) >= 8 AND starts_with(load_id, ?))",
        [target, target, target],
    ).fetchall()
    if by_id:
        return by_id
    return con.execute(
        "SELECT load_id, entity, source_file, file_sha256, loaded_at, rows_read "
        "FROM raw.loads WHERE source_file = ? ORDER BY loaded_at",
        [Path(target).name],
    ).fetchall()


def retract(
    con: duckdb.DuckDBPyConnection, target: str, reason: str | None = None
) -> list[Retraction]:
    """Retract the load `target` names: a load id (or its first 8+ characters), or a file
    name (every load of it). All or nothing, in one transaction."""
    ensure_ledger(con)
    matching = _loads_matching(con, target)
    if not matching:
        raise RetractError(
            f"no load of {target!r}: name a load id or a loaded file (see `tsq loads`)"
        )
    if len({row[0] for row in matching}) > 1 and not any(row[2] == target for row in matching):
        raise RetractError(f"{target!r} is the start of {len(matching)} load ids; give more of it")
    done: list[Retraction] = []
    user = getpass.getuser()
    now = datetime.now(UTC)
    con.execute("BEGIN TRANSACTION")
    try:
        for load_id, entity, source_file, sha, loaded_at, rows_read in matching:
            if entity not in ENTITY_BY_NAME:  # never spliced unless it is a contract entity
                raise RetractError(f"load {load_id} has an unknown entity {entity!r}")
            (removed,) = con.execute(
                f"SELECT count(*) FROM raw.{entity} WHERE _load_id = ?", [load_id]
            ).fetchone()
            con.execute(f"DELETE FROM raw.{entity} WHERE _load_id = ?", [load_id])
            (quarantined,) = con.execute(
                "SELECT count(*) FROM raw.quarantine WHERE load_id = ?", [load_id]
            ).fetchone()
            con.execute("DELETE FROM raw.quarantine WHERE load_id = ?", [load_id])
            con.execute(
                "INSERT INTO raw.retractions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    load_id,
                    entity,
                    source_file,
                    sha,
                    loaded_at,
                    rows_read,
                    removed,
                    quarantined,
                    now,
                    user,
                    reason,
                ],
            )
            con.execute("DELETE FROM raw.loads WHERE load_id = ?", [load_id])
            done.append(Retraction(load_id, entity, source_file, int(removed), int(quarantined)))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return done


def rows_left_without_their_ticket(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows of ticket-dependent entities naming a ticket no load has (accepted or
    quarantined): after retracting tickets, the next run holds these back as rows of an
    unknown ticket, so `tsq retract` names them."""
    counts: dict[str, int] = {}
    for entity in TICKET_DEPENDENT_ENTITIES:
        (orphans,) = con.execute(
            f"""
            SELECT count(*) FROM raw.{entity} AS dependent
            WHERE dependent.ticket_id NOT IN (SELECT ticket_id FROM raw.tickets
                                              WHERE ticket_id IS NOT NULL)
              AND dependent.ticket_id NOT IN (
                  SELECT ticket_id FROM (
                      SELECT TRY(json_extract_string(original_row, '$.ticket_id')) AS ticket_id
                      FROM raw.quarantine WHERE entity = 'tickets')
                  WHERE ticket_id IS NOT NULL)
            """
        ).fetchone()
        if orphans:
            counts[entity] = int(orphans)
    return counts
