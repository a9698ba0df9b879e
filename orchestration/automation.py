"""When the pipeline runs: a daily schedule, and a sensor that notices new inbox files."""

import dagster as dg

from orchestration.resources import TsqHome
from orchestration.settings import get_settings
from orchestration.up_to_date import (
    FINGERPRINT_TAG,
    inbox_fingerprint,
    inputs_fingerprint,
    published_run_if_current,
)

# Read once, when the code location loads: `make serve` sets TSQ_AUTOMATION=1 so the
# schedule and the sensor run from the daemon's first tick; under `make dev` they start
# stopped (switch them on in the UI). A status set in the UI or by `dagster schedule
# start/stop` is stored in the instance and wins over this default.
_settings = get_settings()
_DEFAULT_SCHEDULE_STATUS = (
    dg.DefaultScheduleStatus.RUNNING if _settings.automation else dg.DefaultScheduleStatus.STOPPED
)
_DEFAULT_SENSOR_STATUS = (
    dg.DefaultSensorStatus.RUNNING if _settings.automation else dg.DefaultSensorStatus.STOPPED
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
    default_status=_DEFAULT_SCHEDULE_STATUS,
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
    minimum_interval_seconds=_settings.sensor_interval_seconds,
    default_status=_DEFAULT_SENSOR_STATUS,
    description=(
        "Every 30 s (TSQ_SENSOR_INTERVAL_SECONDS): when a file in the inbox is new or "
        "changed (names, sizes and times), run the pipeline once for that state of the inbox."
    ),
)
def inbox_sensor(context: dg.SensorEvaluationContext, tsq: TsqHome) -> dg.SensorResult:
    if not any(path.is_file() for path in tsq.settings.inbox.iterdir()):
        # a new deployment's empty inbox: a run would publish empty tables
        return dg.SensorResult(skip_reason=f"the inbox {tsq.settings.inbox} is empty")
    fingerprint = inbox_fingerprint(tsq.settings)
    if fingerprint == context.cursor:
        return dg.SensorResult(skip_reason="no new or changed files in the inbox")
    request = dg.RunRequest(
        run_key=fingerprint, tags={FINGERPRINT_TAG: inputs_fingerprint(tsq.settings)}
    )
    return dg.SensorResult(run_requests=[request], cursor=fingerprint)
