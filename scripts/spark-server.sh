#!/usr/bin/env bash
# A local Spark server standing in for a cluster, for the tests of TSQ_ENGINE=spark with
# TSQ_SPARK_REMOTE, from the jars pyspark ships:
#   connect  Spark Connect (spark-connect; orchestration/engines/spark_connect.py), sc://
#   thrift   the Thrift server, HiveServer2 (spark-hive-thriftserver; spark_thrift.py), hive://
#
#   scripts/spark-server.sh KIND start DIR   # prints the server's URL (last line)
#   scripts/spark-server.sh KIND url DIR     # the URL of the server running in DIR
#   scripts/spark-server.sh KIND stop DIR    # stops it (DIR itself is left to the caller)
#
# start is idempotent: a server already running in DIR is reused. Everything the server
# keeps (its warehouse, Derby catalogue, logs, pid) lives in DIR; it listens on 127.0.0.1
# on a free port chosen at its first start (kept in DIR/port), without authentication
# (the Thrift server's NONE: a user name, no password): it is for tests on this machine,
# never for data. Its Python workers (Connect runs the suites' Python table function)
# run this project's interpreter. Java 17 comes from scripts/install-java.sh.
set -euo pipefail

usage() {
    echo "usage: $0 connect|thrift start|stop|url DIR" >&2
    exit 2
}
[ $# -eq 3 ] || usage
kind=$1
action=$2
dir=$(realpath -m -- "$3")
case "$kind" in
connect) main_class=org.apache.spark.sql.connect.service.SparkConnectServer ;;
thrift) main_class=org.apache.spark.sql.hive.thriftserver.HiveThriftServer2 ;;
*) usage ;;
esac
here=$(cd "$(dirname "$0")/.." && pwd)
python="${TSQ_PYTHON:-$here/.venv/bin/python}"
spark_home=$("$python" -c "import os, pyspark; print(os.path.dirname(pyspark.__file__))")
export SPARK_HOME="$spark_home"
export SPARK_LOG_DIR="$dir/logs" SPARK_PID_DIR="$dir/pid" SPARK_IDENT_STRING=tsq
export PYSPARK_PYTHON="$python"

url() {
    if [ "$kind" = connect ]; then
        echo "sc://127.0.0.1:$(cat "$dir/port")"
    else
        echo "hive://tsq@127.0.0.1:$(cat "$dir/port")/default"
    fi
}

listening() {
    [ -f "$dir/port" ] && "$python" - "$(cat "$dir/port")" <<'PY'
import socket, sys

with socket.socket() as s:
    s.settimeout(1)
    sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
PY
}

case "$action" in
start)
    mkdir -p "$dir/logs" "$dir/pid" "$dir/warehouse"
    if [ -f "$dir/port" ] && listening; then
        url
        exit 0
    fi
    bash "$here/scripts/install-java.sh"
    "$python" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])" >"$dir/port"
    port=$(cat "$dir/port")
    if [ "$kind" = connect ]; then
        where=(--conf "spark.connect.grpc.binding.address=127.0.0.1"
            --conf "spark.connect.grpc.binding.port=$port")
        application=()
    else
        where=()
        # no application jar (`spark-internal`), then HiveServer2's own settings
        application=(spark-internal
            --hiveconf "hive.server2.thrift.bind.host=127.0.0.1"
            --hiveconf "hive.server2.thrift.port=$port")
    fi
    # what sbin/start-connect-server.sh and sbin/start-thriftserver.sh run
    "$SPARK_HOME/sbin/spark-daemon.sh" submit "$main_class" 1 \
        --name "tsq $kind server" \
        --master "local[2]" \
        "${where[@]}" \
        --conf "spark.sql.warehouse.dir=$dir/warehouse" \
        --conf "spark.sql.catalogImplementation=hive" \
        --conf "spark.hadoop.javax.jdo.option.ConnectionURL=jdbc:derby:;databaseName=$dir/metastore_db;create=true" \
        --conf "spark.sql.session.timeZone=UTC" \
        --conf "spark.sql.shuffle.partitions=2" \
        --conf "spark.ui.enabled=false" \
        --conf "spark.ui.showConsoleProgress=false" \
        --driver-memory "${TSQ_SPARK_DRIVER_MEMORY:-2g}" \
        --driver-java-options "-Dderby.system.home=$dir -Duser.timezone=UTC" \
        "${application[@]}" >&2
    for _ in $(seq 1 120); do
        if listening; then
            url
            exit 0
        fi
        sleep 1
    done
    echo "the Spark $kind server in $dir did not listen within 120 s; its log:" >&2
    tail -30 "$dir"/logs/*.out >&2 || true
    exit 1
    ;;
url)
    url
    ;;
stop)
    "$SPARK_HOME/sbin/spark-daemon.sh" stop "$main_class" 1 >&2 || true
    # A JVM started where SIGTERM was ignored (a background job, a test runner's worker)
    # keeps ignoring it, and the stop above only sends SIGTERM: the server's own folder,
    # in its command line, finds it; after 15 s it is killed.
    for _ in $(seq 1 15); do
        pgrep -f -- "-Dderby.system.home=$dir " >/dev/null || exit 0
        sleep 1
    done
    echo "the Spark $kind server in $dir ignored SIGTERM: killed" >&2
    pkill -9 -f -- "-Dderby.system.home=$dir " || true
    ;;
*)
    usage
    ;;
esac
