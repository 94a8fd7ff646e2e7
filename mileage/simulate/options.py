"""What the simulator is asked to do (`SimulationOptions`) and what it did (`SimulationSummary`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

# Planted gaming, as a share of all people. Each persona present at all appears at least once
# (max(1, round(rate * employees))); a rate of 0 disables it.
DEFAULT_GAMING_RATES = {
    "pr_spammer": 0.008,
    "always_on_bot": 0.004,
    "referral_inflater": 0.003,
    "telemetry_inflater": 0.005,
    "unattended_agent": 0.006,
    "prompt_stuffer": 0.006,
}
MAX_GAMING_SHARE = 0.3  # all personas together, of all people


class OptionsError(ValueError):
    """An option is out of range; `str()` is a one-line message for the CLI."""


@dataclass
class SimulationOptions:
    """Knobs of `simulate()`. Defaults give the demo organisation (about 2,000 people, a year).

    `employees` counts distinct people in the roster over the whole period (joiners and
    leavers included). `bucket` is the Anthropic and OpenAI usage bucket width.
    """

    employees: int = 2000
    days: int = 365
    start: date = date(2025, 11, 1)
    seed: int = 42
    bucket: str = "1h"
    pr_spammer_rate: float = DEFAULT_GAMING_RATES["pr_spammer"]
    always_on_bot_rate: float = DEFAULT_GAMING_RATES["always_on_bot"]
    referral_inflater_rate: float = DEFAULT_GAMING_RATES["referral_inflater"]
    telemetry_inflater_rate: float = DEFAULT_GAMING_RATES["telemetry_inflater"]
    unattended_agent_rate: float = DEFAULT_GAMING_RATES["unattended_agent"]
    prompt_stuffer_rate: float = DEFAULT_GAMING_RATES["prompt_stuffer"]
    # Tool adoption (share of engineers; other roles adopt less; see org.py).
    anthropic_api_share: float = 0.12
    claude_code_share: float = 0.30
    openai_share: float = 0.10
    cursor_share: float = 0.025
    copilot_share: float = 0.25
    telemetry_share: float = 0.005  # honest people in the Claude Code telemetry pilot
    telemetry_days: int = 92  # the telemetry pilot covers the last N days of the period
    # Company vocabulary.
    email_domain: str = "acme.example"
    github_org: str = "acme"
    # Largest records per page file (each source also has its own byte-based cap).
    max_page_records: int = 100_000

    def gaming_rates(self) -> dict[str, float]:
        return {name: float(getattr(self, f"{name}_rate")) for name in DEFAULT_GAMING_RATES}

    def validate(self) -> SimulationOptions:
        """Raise OptionsError (one line) if an option is out of range; return self."""
        if isinstance(self.start, str):
            try:
                self.start = date.fromisoformat(self.start)
            except ValueError:
                raise OptionsError(f"--start must be YYYY-MM-DD, got {self.start!r}") from None
        if not isinstance(self.employees, int) or not 20 <= self.employees <= 500_000:
            raise OptionsError(f"--employees must be between 20 and 500000, got {self.employees}")
        if not isinstance(self.days, int) or not 7 <= self.days <= 3 * 366:
            raise OptionsError(f"--days must be between 7 and 1098, got {self.days}")
        if self.bucket not in ("1h", "1d"):
            raise OptionsError(f"--bucket must be 1h or 1d, got {self.bucket!r}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise OptionsError(f"--seed must be a non-negative integer, got {self.seed}")
        rates = self.gaming_rates()
        for name, rate in rates.items():
            if not 0.0 <= rate <= 0.2:
                flag = "--" + name.replace("_", "-") + "-rate"
                raise OptionsError(f"{flag} must be between 0 and 0.2, got {rate}")
        counts = self.persona_counts()
        if sum(counts.values()) > MAX_GAMING_SHARE * self.employees:
            raise OptionsError(
                f"gaming rates add up to {sum(counts.values())} people, more than "
                f"{MAX_GAMING_SHARE:.0%} of {self.employees} employees"
            )
        for name in (
            "anthropic_api_share",
            "claude_code_share",
            "openai_share",
            "cursor_share",
            "copilot_share",
            "telemetry_share",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise OptionsError(f"{name} must be between 0 and 1, got {value}")
        if self.max_page_records < 100:
            raise OptionsError(
                f"max_page_records must be at least 100, got {self.max_page_records}"
            )
        return self

    def persona_counts(self) -> dict[str, int]:
        """People per planted persona: max(1, round(rate * employees)) when the rate is > 0."""
        return {
            name: (max(1, round(rate * self.employees)) if rate > 0 else 0)
            for name, rate in self.gaming_rates().items()
        }

    def as_dict(self) -> dict:
        out = asdict(self)
        out["start"] = self.start.isoformat()
        return out


@dataclass
class SimulationSummary:
    """What `simulate()` wrote. `files_written` is a count; `paths` lists the files."""

    out_dir: Path
    ground_truth_dir: Path
    files_written: int = 0
    bytes_written: int = 0
    records_by_source: dict[str, int] = field(default_factory=dict)
    persona_counts: dict[str, int] = field(default_factory=dict)
    people: int = 0
    teams: int = 0
    seconds: float = 0.0
    paths: list[Path] = field(default_factory=list)

    @property
    def total_records(self) -> int:
        return sum(self.records_by_source.values())
