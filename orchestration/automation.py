"""When the pipeline runs: a daily schedule, and a sensor that notices new inbox files."""

import dagster as dg

from orchestration.resources import TsqHome
from orchestration.up_to_date import (
    FINGERPRINT_TAG,
    inbox_fingerprint,
    inputs_fingerprint,
    published_run_if_current,
)

pipeline_job = dg.define_asset_job(
    "tsq_pipeline",
    selection=dg.AssetSelection.all(),
    description="Ingest the inbox, build every dbt layer, run every check, then publish.",
)


@dg.schedule(
    name="tsq_daily",
    job=pipeline_job,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    description=(
        "Every day at 06:00 UTC: run the pipeline, unless the inbox, models, seeds and "
        "settings are unchanged since the last published run (then it skips, saying which)."
    ),
)
def daily_schedule(
    context: dg.ScheduleEvaluationContext, tsq: TsqHome
) -> dg.RunRequest | dg.SkipReason:
    """Daily, unless nothing changed since the last published run (see up_to_date)."""
    fingerprint = inputs_fingerprint(tsq.settings)
    current_run = published_run_if_current(tsq.settings, fingerprint)
    if current_run:
        return dg.SkipReason(f"nothing new since published run {current_run}")
    return dg.RunRequest(tags={FINGERPRINT_TAG: fingerprint})


@dg.sensor(
    job=pipeline_job,
    minimum_interval_seconds=30,
    description=(
        "Every 30 s: when a file in the inbox is new or changed (names, sizes and times), "
        "run the pipeline once for that state of the inbox."
    ),
)
def inbox_sensor(context: dg.SensorEvaluationContext, tsq: TsqHome) -> dg.SensorResult:
    fingerprint = inbox_fingerprint(tsq.settings)
    if fingerprint == context.cursor:
        return dg.SensorResult(skip_reason="no new or changed files in the inbox")
    request = dg.RunRequest(
        run_key=fingerprint, tags={FINGERPRINT_TAG: inputs_fingerprint(tsq.settings)}
    )
    return dg.SensorResult(run_requests=[request], cursor=fingerprint)
