"""Independent figures of the real help-desk log (pandas only, no TSQ code): escalation
rate, reassignment hops per resolved ticket, share of pending time in resolution time,
under the shipped mapping's choices (orchestration/adapters/mappings/helpdesk-eventlog.yml).
Compare with the pipeline's (docs/sources.md, "Event logs"):

    .venv/bin/python tests/data/eventlog/helpdesk_figures.py [path/to/helpdesk.csv]
"""

import sys

import pandas as pd

LOG = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/helpdesk-log/helpdesk.csv"
df = pd.read_csv(LOG, dtype=str)
df["row"] = range(1, len(df) + 1)
df["ts"] = pd.to_datetime(df["Complete Timestamp"], format="%Y/%m/%d %H:%M:%S")
df["ts"] = (
    df["ts"].dt.tz_localize("Europe/Rome", ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")
)
assert df["ts"].notna().all()
df = df.sort_values(["Case ID", "ts", "row"]).reset_index(drop=True)

RESOLUTION = {"Resolve ticket", "RESOLVED"}
CLOSURE = {"Closed", "INVALID", "DUPLICATE"}
TRACKER = {"RESOLVED", "INVALID", "VERIFIED", "DUPLICATE"}
RESOLVED_STATES = {"Resolve ticket", "Closed"}
OPEN_STATES = {
    "Take in charge ticket",
    "Wait",
    "Require upgrade",
    "Assign seriousness",
    "Create SW anomaly",
    "Schedule intervention",
}

resolved = escalated = hops = 0
pending_s = gross_s = 0.0
as_of = df["ts"].max()
for _case, g in df.groupby("Case ID", sort=False):
    acts, times = list(g["Activity"]), list(g["ts"])
    # reopen: an open state right after a resolved one (other states are neutral)
    last_reopen = -1
    previous_phase = None
    for i, a in enumerate(acts):
        phase = "resolved" if a in RESOLVED_STATES else "open" if a in OPEN_STATES else None
        if phase is None:
            continue
        if phase == "open" and previous_phase == "resolved":
            last_reopen = i
        previous_phase = phase
    after = range(last_reopen + 1, len(acts))
    is_resolved = any(acts[i] in RESOLUTION | CLOSURE for i in after)
    if not is_resolved:
        continue
    resolved += 1
    resolutions = [times[i] for i, a in enumerate(acts) if a in RESOLUTION]
    closures = [times[i] for i in after if acts[i] in CLOSURE]
    resolved_at = max(resolutions) if resolutions else max(closures)
    created = times[0]
    escalated += "Require upgrade" in acts
    groups = [
        w
        for a, w in zip(acts, g["workgroup"], strict=True)
        if a not in TRACKER and isinstance(w, str)
    ]
    hops += sum(1 for x, y in zip(groups, groups[1:], strict=False) if x != y)
    # waits: from the first Wait of a run to the next other activity (or the as-of instant)
    i = 0
    while i < len(acts):
        if acts[i] == "Wait" and (i == 0 or acts[i - 1] != "Wait"):
            j = i
            while j < len(acts) and acts[j] == "Wait":
                j += 1
            end = times[j] if j < len(acts) else as_of
            start = max(times[i], created)
            pending_s += max(0.0, (min(end, resolved_at) - start).total_seconds())
            i = j
        else:
            i += 1
    gross_s += (resolved_at - created).total_seconds()

print(f"resolved tickets {resolved}")
print(f"escalation rate {escalated}/{resolved} = {escalated / resolved:.5f}")
print(f"reassignment hops {hops}/{resolved} = {hops / resolved:.6f}")
print(
    f"pending share of resolution time (calendar) {pending_s / 60:.0f} / "
    f"{gross_s / 60:.0f} min = {pending_s / gross_s:.5f}"
)
