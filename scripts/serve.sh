#!/usr/bin/env bash
# The served deployment (docs/deployment.md): the Dagster webserver and the daemon over the
# instance in $TSQ_HOME/dagster, with the daily schedule and the inbox sensor switched on.
#
#   scripts/serve.sh          webserver (http://$TSQ_SERVE_HOST:$TSQ_SERVE_PORT) and daemon
#   scripts/serve.sh daemon   the daemon only (schedules, sensors, the run queue)
#   scripts/serve.sh webserver   the webserver only
#
# Both processes run in this script's process group; stopping the script (Ctrl-C, SIGTERM)
# stops both. dagster.yaml and workspace.yaml are (re)written on each start unless their
# owner edited them (orchestration/instance.py).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${TSQ_BIN:-$ROOT/.venv/bin}"
export TSQ_HOME="$(realpath -m "${TSQ_HOME:-$ROOT/warehouse}")"
export DAGSTER_HOME="$(realpath -m "${DAGSTER_HOME:-$TSQ_HOME/dagster}")"
# the schedule's and the sensor's default status (orchestration/automation.py)
export TSQ_AUTOMATION="${TSQ_AUTOMATION:-1}"
# dbt's DuckDB reads its memory limit from here (profiles.yml); `tsq run` sets it the same way
export TSQ_DUCKDB_MEMORY_LIMIT="${TSQ_DUCKDB_MEMORY_LIMIT:-$("$BIN/python" -c \
  'from orchestration.settings import TsqSettings; print(TsqSettings().duckdb_memory_limit)')}"
HOST="${TSQ_SERVE_HOST:-127.0.0.1}"
PORT="${TSQ_SERVE_PORT:-3000}"
WHAT="${1:-all}"

cd "$ROOT"
"$BIN/python" -m orchestration.instance "$DAGSTER_HOME"
WORKSPACE=(-w "$DAGSTER_HOME/workspace.yaml")

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap stop INT TERM EXIT

case "$WHAT" in
  all | daemon | webserver) ;;
  *) echo "usage: $0 [all|daemon|webserver]" >&2; exit 2 ;;
esac
if [[ "$WHAT" != webserver ]]; then
  "$BIN/dagster-daemon" run "${WORKSPACE[@]}" &
  pids+=("$!")
fi
if [[ "$WHAT" != daemon ]]; then
  "$BIN/dagster-webserver" -h "$HOST" -p "$PORT" "${WORKSPACE[@]}" &
  pids+=("$!")
  echo "TSQ served: http://$HOST:$PORT (DAGSTER_HOME=$DAGSTER_HOME)"
fi
# either process ending ends the deployment: a half-served TSQ is worse than none
wait -n
