"""Per-load reconciliation, a blocking check on every raw asset: for each load,
rows read = rows accepted into raw + rows quarantined. Nothing read is lost or doubled."""

import dagster as dg

from orchestration.contract import ENTITIES, Entity
from orchestration.resources import TsqHome


def reconciliation_rows(con, entity: Entity) -> list[tuple]:
    """(load_id, source_file, rows_read, accepted, quarantined) for every load of the entity."""
    return con.execute(
        f"""
        SELECT loads.load_id, loads.source_file, loads.rows_read,
               coalesce(accepted.n, 0), coalesce(quarantined.n, 0)
        FROM raw.loads AS loads
        LEFT JOIN (SELECT _load_id, count(*) AS n FROM raw.{entity.name} GROUP BY 1) AS accepted
            ON accepted._load_id = loads.load_id
        LEFT JOIN (SELECT load_id, count(*) AS n FROM raw.quarantine GROUP BY 1) AS quarantined
            ON quarantined.load_id = loads.load_id
        WHERE loads.entity = ?
        ORDER BY loads.loaded_at
        """,
        [entity.name],
    ).fetchall()


def describe_broken_loads(broken: list[dict], loads: int, shown: int = 3) -> str:
    """What a reader needs to act on: which files, and how many rows went missing or were
    counted twice (the first few loads; the check's metadata lists them all)."""
    if not broken:
        return f"all {loads} loads reconcile"
    details = []
    for load in broken[:shown]:
        difference = load["read"] - load["accepted"] - load["quarantined"]
        what = f"{difference} missing" if difference > 0 else f"{-difference} counted twice"
        details.append(
            f"{load['file']} (load {load['load_id']}): read {load['read']}, accepted "
            f"{load['accepted']}, quarantined {load['quarantined']}, {what}"
        )
    more = f"; and {len(broken) - shown} more" if len(broken) > shown else ""
    return f"{len(broken)} of {loads} loads do not reconcile: " + "; ".join(details) + more


def build_reconciliation_check(entity: Entity) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(["raw", entity.name]),
        name="rows_reconcile",
        blocking=True,
        # the check opens the warehouse: one writer, so it queues with the steps
        pool="tsq_warehouse",
        description="Every load: rows read = rows accepted + rows quarantined.",
    )
    def reconcile(tsq: TsqHome) -> dg.AssetCheckResult:
        with tsq.connect() as con:
            rows = reconciliation_rows(con, entity)
        broken = [
            {"load_id": r[0], "file": r[1], "read": r[2], "accepted": r[3], "quarantined": r[4]}
            for r in rows
            if r[2] != r[3] + r[4]
        ]
        return dg.AssetCheckResult(
            passed=not broken,
            severity=dg.AssetCheckSeverity.ERROR,
            description=describe_broken_loads(broken, len(rows)),
            metadata={
                "loads": len(rows),
                "rows_read": sum(r[2] for r in rows),
                "rows_accepted": sum(r[3] for r in rows),
                "rows_quarantined": sum(r[4] for r in rows),
                "loads_not_reconciling": dg.MetadataValue.json(broken),
            },
        )

    return reconcile


reconciliation_checks = [build_reconciliation_check(entity) for entity in ENTITIES]
