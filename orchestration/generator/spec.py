"""Static shape of the simulated support organisation.

Everything random is drawn from these tables, so the "story" of the sample data (which
team is good, which one is overloaded with walk-ins, who speaks English) is readable in
one place. Probabilities in a mix are normalised where they are used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

CATEGORIES = (
    "network",
    "database",
    "email",
    "hardware",
    "account",
    "software",
    "security",
    "printing",
)
PRODUCTS = ("iMail", "CloudDrive", "VPN Gateway", "ERP Suite", "Office Suite")
LANGUAGES = ("zh", "en")
# Order matches contract.CHANNELS: email, phone, chat, web, walk_in.
CHANNEL_CODES = {"email": 0, "phone": 1, "chat": 2, "web": 3, "walk_in": 4}

PRIORITY_MIX = (0.05, 0.15, 0.50, 0.30)
# Median first-response delay in working minutes per priority, for an average agent.
FIRST_RESPONSE_MEDIAN_MIN = (10.0, 30.0, 90.0, 240.0)
# Resolution target in business hours per complexity tier (1, 2, 3).
TIER_TARGET_HOURS = (8.0, 24.0, 72.0)
# Urgent tickets get worked harder, so they resolve faster than their tier alone implies.
PRIORITY_RESOLUTION_FACTOR = (0.4, 0.7, 1.0, 1.1)

REVIEWERS = ("QA01", "QA02", "QA03", "QA04")
INDICATORS = (
    "ux_first_response_sla_rate",
    "ux_reopen_rate",
    "ux_csat_rate",
    "ops_kb_link_rate",
    "ux_resolution_sla_rate",
    "ops_data_completeness",
)
PROCESS_STEPS = ("intake", "escalation", "transfer", "closure")
# Escalation and transfer checklists are harder to follow than intake and closure.
PROCESS_STEP_COMPLIANCE_SHIFT = (0.02, -0.06, -0.04, 0.0)


@dataclass(frozen=True)
class TeamSpec:
    team_id: str
    name: str
    timezone: str
    work_start: time
    work_end: time
    work_days: tuple[int, ...]  # ISO weekdays
    calendar_id: str
    volume_share: float  # share of all arriving tickets
    skill_mean: float  # latent team skill in (0, 1); the main driver of every score
    zh_share: float  # share of tickets in Chinese
    channel_mix: tuple[float, ...]  # email, phone, chat, web, walk_in
    category_mix: tuple[float, ...]  # in CATEGORIES order
    product_mix: tuple[float, ...]  # in PRODUCTS order
    complexity_mix: tuple[float, float, float]

    @property
    def work_days_text(self) -> str:
        return ",".join(str(d) for d in self.work_days)


MON_FRI = (1, 2, 3, 4, 5)
NINE_TO_SIX = (time(9, 0), time(18, 0))

# fmt: off
TEAMS: tuple[TeamSpec, ...] = (
    TeamSpec(
        "TM01", "Shanghai Service Desk", "Asia/Shanghai", *NINE_TO_SIX, MON_FRI, "CN",
        volume_share=0.24, skill_mean=0.74, zh_share=0.78,
        channel_mix=(0.30, 0.20, 0.25, 0.20, 0.05),
        category_mix=(0.12, 0.08, 0.20, 0.12, 0.18, 0.15, 0.07, 0.08),
        product_mix=(0.30, 0.20, 0.15, 0.10, 0.25),
        complexity_mix=(0.55, 0.33, 0.12),
    ),
    TeamSpec(
        "TM02", "Beijing Infrastructure", "Asia/Shanghai", *NINE_TO_SIX, MON_FRI, "CN",
        volume_share=0.18, skill_mean=0.58, zh_share=0.80,
        channel_mix=(0.45, 0.15, 0.10, 0.28, 0.02),
        category_mix=(0.30, 0.25, 0.05, 0.05, 0.05, 0.10, 0.18, 0.02),
        product_mix=(0.10, 0.25, 0.35, 0.20, 0.10),
        complexity_mix=(0.40, 0.40, 0.20),
    ),
    TeamSpec(
        # Extended hours and Saturdays: the application desk covers shop-floor users.
        "TM03", "Chengdu Application Support", "Asia/Shanghai", time(8, 0), time(20, 0),
        (1, 2, 3, 4, 5, 6), "CN",
        volume_share=0.20, skill_mean=0.50, zh_share=0.85,
        channel_mix=(0.30, 0.15, 0.30, 0.23, 0.02),
        category_mix=(0.04, 0.22, 0.10, 0.02, 0.20, 0.36, 0.04, 0.02),
        product_mix=(0.10, 0.15, 0.05, 0.50, 0.20),
        complexity_mix=(0.50, 0.35, 0.15),
    ),
    TeamSpec(
        # Walk-ins and phone calls about hardware: the overloaded, weakest team.
        "TM04", "Shenzhen Field Services", "Asia/Shanghai", *NINE_TO_SIX, MON_FRI, "CN",
        volume_share=0.14, skill_mean=0.34, zh_share=0.90,
        channel_mix=(0.25, 0.30, 0.10, 0.17, 0.18),
        category_mix=(0.18, 0.02, 0.05, 0.40, 0.05, 0.08, 0.02, 0.20),
        product_mix=(0.15, 0.10, 0.20, 0.05, 0.50),
        complexity_mix=(0.62, 0.30, 0.08),
    ),
    TeamSpec(
        "TM05", "Berlin EMEA Desk", "Europe/Berlin", *NINE_TO_SIX, MON_FRI, "DE",
        volume_share=0.12, skill_mean=0.66, zh_share=0.05,
        channel_mix=(0.40, 0.20, 0.20, 0.18, 0.02),
        category_mix=(0.14, 0.08, 0.18, 0.10, 0.16, 0.18, 0.10, 0.06),
        product_mix=(0.25, 0.20, 0.20, 0.15, 0.20),
        complexity_mix=(0.50, 0.35, 0.15),
    ),
    TeamSpec(
        "TM06", "Guangzhou Identity & Security", "Asia/Shanghai", *NINE_TO_SIX, MON_FRI, "CN",
        volume_share=0.12, skill_mean=0.44, zh_share=0.80,
        channel_mix=(0.40, 0.20, 0.15, 0.23, 0.02),
        category_mix=(0.08, 0.04, 0.10, 0.02, 0.36, 0.06, 0.32, 0.02),
        product_mix=(0.30, 0.15, 0.30, 0.15, 0.10),
        complexity_mix=(0.45, 0.40, 0.15),
    ),
)
# fmt: on
