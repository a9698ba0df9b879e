#!/usr/bin/env bash
# The demo on another engine (docs/scale-out.md): `make demo-postgres`, `make demo-spark`.
#
#   scripts/demo-engine.sh ENGINE
#
# Generates the same inbox as `make demo` (DEMO_TICKETS, DEMO_SEED) into a home of its
# own, $TSQ_HOME-<engine>, runs the pipeline there with TSQ_ENGINE=<engine>, and compares
# its published tables with the DuckDB demo's ($TSQ_HOME/published.duckdb, when `make
# demo` has made it): the same tables, columns, types and rows.
#
# postgres: with no TSQ_PG_HOST set, a local server is started by
# scripts/postgres-test-server.sh in $TSQ_DEMO_PG_DIR (default /tmp/tsq-demo-postgres;
# a folder the server's user can enter) and left running, so the published schema can be
# queried afterwards; the last lines say how to reach it and how to stop it. With
# TSQ_PG_HOST set, that server is used as it is.
#
# spark: a local Spark session under $TSQ_HOME-spark/spark (Java 17: installed by
# scripts/install-java.sh when missing). Spark's fixed cost per query makes a run take
# minutes whatever the size (the 5,000-ticket demo: about 13 minutes on 2 cores).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${TSQ_BIN:-$ROOT/.venv/bin}"
engine="${1:?usage: $0 postgres|spark}"
base_home="$(realpath -m "${TSQ_HOME:-$ROOT/warehouse}")"
export TSQ_HOME="$base_home-$engine"
export DAGSTER_HOME="$TSQ_HOME/dagster"
export TSQ_ENGINE="$engine"

case "$engine" in
    postgres)
        if [ -z "${TSQ_PG_HOST:-}" ]; then
            server_dir="${TSQ_DEMO_PG_DIR:-/tmp/tsq-demo-postgres}"
            bash "$ROOT/scripts/postgres-test-server.sh" start "$server_dir" >/dev/null
            export TSQ_PG_HOST=127.0.0.1 TSQ_PG_USER=postgres TSQ_PG_DBNAME=postgres
            TSQ_PG_PORT="$(cat "$server_dir/port")"
            export TSQ_PG_PORT
            reach="psql -h 127.0.0.1 -p $TSQ_PG_PORT -U postgres postgres  (schema tsq_published)"
            stop="bash scripts/postgres-test-server.sh stop $server_dir"
        else
            reach="your server $TSQ_PG_HOST, database ${TSQ_PG_DBNAME:-tsq}, schema ${TSQ_PG_PUBLISH_SCHEMA:-tsq_published}"
            stop=""
        fi
        ;;
    spark)
        bash "$ROOT/scripts/install-java.sh"
        reach="views tsq_published.<table> in the local metastore of $TSQ_HOME/spark (pyspark: orchestration.engines.spark_raw.local_session)"
        stop=""
        ;;
    *)
        echo "$0: no demo for engine '$engine' (postgres, spark)" >&2
        exit 2
        ;;
esac

cd "$ROOT"
"$BIN/tsq" generate --tickets "${DEMO_TICKETS:-5000}" --seed "${DEMO_SEED:-42}"
"$BIN/tsq" run
"$BIN/tsq" where

# tickets published by a store (ticket_sla has one row per ticket): demos of two sizes
# are not compared
tickets_of() {
    "$BIN/python" -c 'import duckdb, sys; print(duckdb.connect(sys.argv[1], read_only=True).execute("select count(*) from ticket_sla").fetchone()[0])' "$1"
}
if [ -f "$base_home/published.duckdb" ] \
    && [ "$(tickets_of "$base_home/published.duckdb")" != "$(tickets_of "$TSQ_HOME/published.duckdb")" ]; then
    echo "(the DuckDB demo in $base_home has another size: run 'make demo DEMO_TICKETS=${DEMO_TICKETS:-5000}' and this compares the two publications table by table)"
elif [ -f "$base_home/published.duckdb" ]; then
    echo "Comparing with the DuckDB demo's published tables ($base_home/published.duckdb):"
    "$BIN/python" scripts/compare_published.py "$base_home/published.duckdb" \
        "$TSQ_HOME/published.duckdb"
else
    echo "(run 'make demo' too, and this compares the two publications table by table)"
fi
echo "Published on $engine: $reach"
[ -z "$stop" ] || echo "Stop the local server: $stop"
