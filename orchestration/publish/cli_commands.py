"""Click commands of the publish package, registered on the `tsq` group by orchestration/cli.py."""

from __future__ import annotations

import click

from orchestration.publish.postgres import (
    DEFAULT_SCHEMA,
    DEFAULT_WAIT_FOR_READERS_SECONDS,
    URL_ENVIRONMENT_VARIABLE,
)


@click.command("publish")
@click.option(
    "--to",
    "url",
    envvar=URL_ENVIRONMENT_VARIABLE,
    required=True,
    metavar="postgresql://USER@HOST:PORT/DB",
    help=f"The PostgreSQL database to publish into (or ${URL_ENVIRONMENT_VARIABLE}). "
    "A password is better given by PGPASSWORD or ~/.pgpass than in the URL; it is never "
    "printed either way.",
)
@click.option(
    "--schema", default=DEFAULT_SCHEMA, show_default=True, help="The schema readers query."
)
@click.option(
    "--wait-for-readers",
    "wait_seconds",
    type=click.FloatRange(min=0),
    default=DEFAULT_WAIT_FOR_READERS_SECONDS,
    show_default=True,
    help="Seconds the switch may wait for transactions still reading the previous tables.",
)
@click.option(
    "--grant",
    "grant_to",
    multiple=True,
    metavar="ROLE",
    help="Role given USAGE and SELECT on the new schema (repeatable): grants do not carry "
    "over from the schema it replaces.",
)
def publish(url: str, schema: str, wait_seconds: float, grant_to: tuple[str, ...]) -> None:
    """Copy the published store into a PostgreSQL schema, switched in atomically.

    The tables are loaded into a fresh schema, then one transaction renames it to
    SCHEMA: a reader sees the previous tables or the new ones, never a mix. Column
    descriptions from the dbt project become COMMENT ON COLUMN.
    """
    from orchestration.publish.postgres import PostgresPublishError, publish_to_postgres
    from orchestration.settings import get_settings

    settings = get_settings()
    try:
        outcome = publish_to_postgres(
            settings.published_path,
            url,
            schema=schema,
            wait_for_readers_seconds=wait_seconds,
            grant_to=grant_to,
        )
    except PostgresPublishError as error:
        raise click.ClickException(str(error)) from None
    rows = ", ".join(f"{table} {count:,}" for table, count in outcome.row_counts.items())
    click.echo(f"published {settings.published_path.name} to {outcome.target}, schema {schema}")
    click.echo(f"rows: {rows}")
    click.echo(f"column descriptions: {outcome.described_columns}")
    if outcome.undescribed_columns:
        click.echo(f"columns without a description: {', '.join(outcome.undescribed_columns)}")
    if not outcome.previous_schema_dropped:
        click.echo("the previous schema is still held by a reader; the next publish drops it")
