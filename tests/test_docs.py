"""Generated pages are in sync with their single sources (contract, catalogue)."""

from __future__ import annotations

from click.testing import CliRunner

from orchestration.cli import main


def test_generated_docs_are_up_to_date():
    result = CliRunner().invoke(main, ["docs", "--check"])
    assert result.exit_code == 0, result.output


def test_every_command_has_help():
    commands = (
        "generate", "ingest", "run", "scores", "where", "docs", "weights", "quarantine",
        "loads", "retract", "report",
    )  # fmt: skip
    for command in commands:
        result = CliRunner().invoke(main, [command, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output, command
