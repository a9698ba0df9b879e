"""The DuckDB memory limit: a share of the memory available unless TSQ_DUCKDB_MEMORY_LIMIT says."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from orchestration import settings as settings_module
from orchestration.settings import (
    DBT_PROJECT_DIR,
    DUCKDB_MEMORY_SHARE,
    TsqSettings,
    cgroup_memory_limit_bytes,
    memory_limit_for,
)

GIB = 2**30


def test_the_default_is_the_share_of_the_machines_memory():
    # 16 GiB = 16384 MiB; half of it is 8192 MiB
    assert memory_limit_for(16 * GIB, None, share=0.5) == "8192MiB"
    # 24 GiB at 0.25 -> 6144 MiB; a size that is not whole MiB rounds down: 3 GiB + 1 byte
    # at 0.5 is 1536 MiB and half a byte
    assert memory_limit_for(24 * GIB, None, share=0.25) == "6144MiB"
    assert memory_limit_for(3 * GIB + 1, None, share=0.5) == "1536MiB"


def test_a_cgroup_limit_below_the_machines_memory_wins_and_one_above_does_not():
    # container of 4 GiB on a 32 GiB machine: half of 4 GiB = 2048 MiB
    assert memory_limit_for(32 * GIB, 4 * GIB, share=0.5) == "2048MiB"
    # cgroup v1's "unlimited" is a huge number: the machine's 8 GiB counts -> 4096 MiB
    assert memory_limit_for(8 * GIB, 9223372036854771712, share=0.5) == "4096MiB"
    # nothing known: DuckDB's own relative syntax for the share
    assert memory_limit_for(None, None, share=0.5) == "50%"


def test_the_cgroup_file_is_read_and_max_means_no_limit(tmp_path: Path):
    v2, v1 = tmp_path / "memory.max", tmp_path / "memory.limit_in_bytes"
    v2.write_text("4294967296\n")
    assert cgroup_memory_limit_bytes((v2, v1)) == 4 * GIB
    v2.write_text("max\n")
    assert cgroup_memory_limit_bytes((v2, v1)) is None
    v2.unlink()
    v1.write_text("1073741824\n")  # no v2 file: v1's
    assert cgroup_memory_limit_bytes((v2, v1)) == GIB
    v1.unlink()
    assert cgroup_memory_limit_bytes((v2, v1)) is None


def test_settings_take_the_share_unless_the_override_is_set(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("TSQ_DUCKDB_MEMORY_LIMIT", raising=False)
    monkeypatch.setattr(settings_module, "physical_memory_bytes", lambda: 10 * GIB)
    monkeypatch.setattr(settings_module, "cgroup_memory_limit_bytes", lambda: 6 * GIB)
    # the cgroup's 6 GiB is below the machine's 10: 6144 MiB * share
    assert TsqSettings().duckdb_memory_limit == f"{int(6 * GIB * DUCKDB_MEMORY_SHARE) // 2**20}MiB"
    monkeypatch.setenv("TSQ_DUCKDB_MEMORY_LIMIT", "3GB")
    assert TsqSettings().duckdb_memory_limit == "3GB"


def test_duckdb_accepts_the_default_and_profiles_falls_back_to_the_same_share():
    con = duckdb.connect()
    con.execute("SET memory_limit = ?", [memory_limit_for(4 * GIB, None, share=0.5)])
    # 2048 MiB = 2 GiB, as DuckDB prints it
    assert con.execute("SELECT current_setting('memory_limit')").fetchone() == ("2.0 GiB",)
    profile = (DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8")
    fallback = re.search(r"env_var\('TSQ_DUCKDB_MEMORY_LIMIT', '([^']*)'\)", profile)
    assert fallback is not None and fallback.group(1) == f"{DUCKDB_MEMORY_SHARE:.0%}"
