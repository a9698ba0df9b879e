#!/usr/bin/env bash
# Debian's Java 17 runtime, for the local Spark session of the dbt project's `spark` target
# (pyspark starts a JVM; tests/test_engine_spark.py). Skipped when `java` is already there;
# needs root (CI and these machines run as root) or sudo.
set -euo pipefail
if command -v java >/dev/null 2>&1; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# slim Debian images lack this folder, and the JRE's post-install step fails without it
$SUDO mkdir -p /usr/share/man/man1
$SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null
java -version
