"""A real PostgreSQL server for the test session, started and stopped by the project's own
scripts/postgres-test-server.sh (which installs Debian's postgresql-15 when it is missing
and, as root, runs the server as the unprivileged user `postgres`). Nothing starts unless a
test asks for `postgres_url` or `postgres_database`."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

SERVER_SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "postgres-test-server.sh"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of a throwaway cluster (trust on 127.0.0.1, superuser `postgres`)."""
    # Not under pytest's tmp folder: as root the server runs as `postgres`, which cannot
    # enter root's 0700 pytest folders. mkdtemp's folder in /tmp is handed to that user.
    folder = Path(tempfile.mkdtemp(prefix="tsq-pg-"))
    started = subprocess.run(
        ["bash", str(SERVER_SCRIPT), "start", str(folder)], capture_output=True, text=True
    )
    if started.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"the PostgreSQL test server did not start:\n{started.stderr[-3000:]}")
    try:
        yield started.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run(["bash", str(SERVER_SCRIPT), "stop", str(folder)], check=False)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres_database(postgres_url: str, request: pytest.FixtureRequest) -> str:
    """A fresh database on the session's server for one test; returns its URL."""
    import psycopg
    from psycopg import sql

    name = "t_" + re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:50]
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return postgres_url.rsplit("/", 1)[0] + "/" + name
