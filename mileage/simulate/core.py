"""`simulate()`: build the organisation, then generate and write day by day.

Memory stays bounded: per-person arrays for the whole organisation, one day of usage and
delivery rows, and at most one page per source waiting in a buffer (plus the Jira issues,
written at the end because a search result carries its total).
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from mileage.landing import RAW_TOP_LEVEL
from mileage.simulate import catalog as C
from mileage.simulate.delivery import Delivery, roadmap
from mileage.simulate.options import SimulationOptions, SimulationSummary
from mileage.simulate.org import NEVER, Org, build_org
from mileage.simulate.usage import DayUsage
from mileage.simulate.writers import SOURCES, PageBuffer, RawWriter

Progress = Callable[[str, int, int], None]

# What a run owns inside the raw directory (landing's contract): removed before writing, so
# reruns are clean.
RAW_FOLDERS = RAW_TOP_LEVEL
GROUND_TRUTH_FILES = (
    "README.md",
    "people.csv",
    "teams.csv",
    "referral_routes.csv",
    "api_keys.csv",
    "summary.json",
)
SCRATCH = ".simulate-scratch"


def ground_truth_dir(out_dir: Path) -> Path:
    """Ground truth lives beside the raw directory: `<out>/../ground_truth`."""
    return Path(out_dir).resolve().parent / "ground_truth"


def clean(out_dir: Path) -> None:
    out_dir = Path(out_dir)
    for name in (*RAW_FOLDERS, SCRATCH):
        target = out_dir / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    gt = ground_truth_dir(out_dir)
    for name in GROUND_TRUTH_FILES:
        if (gt / name).exists():
            (gt / name).unlink()


def simulate(
    out_dir: Path, options: SimulationOptions | None = None, progress: Progress | None = None
) -> SimulationSummary:
    """Write a synthetic organisation's raw exports to `out_dir` and its ground truth beside it.

    Raises `OptionsError` (a ValueError) for out-of-range options.
    """
    started = time.perf_counter()
    options = (options or SimulationOptions()).validate()
    report = progress or (lambda step, done, total: None)
    out_dir = Path(out_dir).resolve()
    gt_dir = ground_truth_dir(out_dir)
    report("organisation", 0, 1)
    org = build_org(options)  # may still reject the options: before touching any file
    report("organisation", 1, 1)
    clean(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    gt_dir.mkdir(parents=True, exist_ok=True)
    scratch = out_dir / SCRATCH
    scratch.mkdir()

    start_epoch = int(
        datetime(options.start.year, options.start.month, options.start.day, tzinfo=UTC).timestamp()
    )
    writer = RawWriter(org, out_dir, scratch, start_epoch)
    try:
        writer.roster()
        writer.api_keys()
        buffers = {
            name: PageBuffer(
                name, getattr(writer, name), org, min(spec[3], options.max_page_records)
            )
            for name, spec in SOURCES.items()
            if name != "jira_issues"
        }
        usage = DayUsage(org, telemetry_start=max(0, options.days - options.telemetry_days))
        delivery = Delivery(org, start_epoch)
        for u in range(options.days):
            day = usage.generate(u)
            buffers["anthropic_messages"].add(u, day["messages"])
            buffers["anthropic_claude_code"].add(u, _flat_claude_code(day["claude_code"]))
            buffers["telemetry_claude_code"].add(u, day["telemetry"])
            buffers["openai_completions"].add(u, day["openai"])
            buffers["cursor_usage_events"].add(u, day["cursor"])
            buffers["copilot_users"].add(u, day["copilot"])
            human, bots = delivery.generate(u)
            delivery.background_issues(u)
            buffers["github_pull_requests"].add(u, human)
            buffers["github_pull_requests_list"].add(u, bots)
            for buffer in buffers.values():
                buffer.end_of_day(u)
            report("days", u + 1, options.days)
        for buffer in buffers.values():
            buffer.flush()
        report("jira", 0, 1)
        writer.jira_issues(delivery.all_issues())
        report("jira", 1, 1)
        writer.roadmap(roadmap(org))
        report("ground truth", 0, 1)
        _ground_truth(org, gt_dir, options)
        summary = SimulationSummary(
            out_dir=out_dir,
            ground_truth_dir=gt_dir,
            files_written=len(writer.paths),
            bytes_written=writer.bytes,
            records_by_source=dict(sorted(writer.records.items())),
            persona_counts={
                name: int((org.p["persona"] == i).sum()) for i, name in enumerate(C.PERSONAS) if i
            },
            people=org.P,
            teams=org.T,
            paths=list(writer.paths),
        )
    finally:
        writer.close()
        shutil.rmtree(scratch, ignore_errors=True)
    summary.seconds = time.perf_counter() - started
    (gt_dir / "summary.json").write_text(
        json.dumps(
            {
                "options": options.as_dict(),
                "people": summary.people,
                "teams": summary.teams,
                "persona_counts": summary.persona_counts,
                "files_written": summary.files_written,
                "bytes_written": summary.bytes_written,
                "records_by_source": summary.records_by_source,
            },
            indent=2,
        )
        + "\n"
    )
    report("ground truth", 1, 1)
    return summary


def _flat_claude_code(rec: dict) -> dict:
    if not rec:
        return {}
    out = {k: v for k, v in rec.items() if k not in ("tokens", "cost_cents")}
    for m in range(rec["tokens"].shape[1]):
        for c in range(4):
            out[f"t{m}_{c}"] = rec["tokens"][:, m, c]
        out[f"c{m}"] = rec["cost_cents"][:, m]
    return out


GROUND_TRUTH_README = """# Ground truth of a simulated organisation

Written by `mileage simulate` beside the raw directory (`<out>/../ground_truth`). Only tests and
evaluations read it; the pipeline never does.

- `people.csv`: one row per person: `persona` (normal | pr_spammer | always_on_bot |
  referral_inflater | telemetry_inflater | unattended_agent | prompt_stuffer; at most one per
  person), `latent_productivity`, `ai_affinity` (scale of genuine AI use), `ai_uplift` (the
  delivery multiplier minus 1), tools used, the Anthropic keys they use, whether their Claude
  Code usage is in the telemetry pilot and the telemetry/billing token ratio to expect,
  `routed_to_employee_id`/`routed_share` for colleagues whose Claude Code (and API) usage goes
  through a referral inflater's account or key.
- `teams.csv`: `team_id`, `latent_productivity`, mean AI uplift of the initial members.
- `referral_routes.csv`: colleague -> referral inflater, with the share of usage routed.
- `api_keys.csv`: every API key with its kind (personal | claude_code | shared | unowned)
  and who really uses it (shared keys are used by several people; unowned keys by automation).
- `summary.json`: the options and record counts of the run.

Delivery = latent productivity x (1 + uplift); uplift = 0.35 x (1 - exp(-genuine AI use)).
Gaming adds tokens, never delivery.
"""


def _ground_truth(org: Org, gt_dir: Path, options: SimulationOptions) -> None:
    import csv

    p, s = org.p, org.s
    persona = np.array(C.PERSONAS)[p["persona"]]
    cc = np.array(["", "subscription", "api"])[p["cc"]]
    ak = org.anthropic_keys
    keys_of: dict[int, list[str]] = {}
    for i in range(len(ak)):
        for user in ak.users[i]:
            keys_of.setdefault(user, []).append(ak.key_id[i])
    ratio = np.where(p["telemetry"], 0.99, np.nan)
    ratio[p["persona"] == C.P_TELEMETRY_INFLATER] = 9.9

    def day(d: int) -> str:
        return "" if d >= NEVER else org.date_of(d).isoformat()

    with (gt_dir / "people.csv").open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(
            [
                "employee_id",
                "email",
                "persona",
                "latent_productivity",
                "ai_affinity",
                "ai_uplift",
                "role",
                "level",
                "team_id",
                "final_team_id",
                "timezone",
                "start_date",
                "end_date",
                "uses_anthropic_api",
                "anthropic_key_ids",
                "claude_code",
                "telemetry",
                "expected_telemetry_ratio",
                "uses_openai",
                "uses_cursor",
                "uses_copilot",
                "routed_to_employee_id",
                "routed_share",
                "pr_rate_per_workday",
                "typical_daily_api_tokens",
                "typical_daily_claude_code_tokens",
            ]
        )
        for i in range(org.P):
            routed = p["routed_to"][i]
            w.writerow(
                [
                    s["emp_id"][i],
                    s["email"][i],
                    persona[i],
                    f"{p['lp'][i]:.4f}",
                    f"{p['affinity'][i]:.4f}",
                    f"{p['uplift'][i]:.4f}",
                    C.ROLES[p["role"][i]],
                    C.LEVELS[p["level"][i]],
                    org.ts["team_id"][p["team0"][i]],
                    org.ts["team_id"][p["team1"][i]],
                    org.tz_names[p["tz"][i]],
                    org.date_of(p["start_day"][i]).isoformat(),
                    day(p["end_day"][i]),
                    int(p["uses_api"][i]),
                    ";".join(keys_of.get(i, [])),
                    cc[i],
                    int(p["telemetry"][i]),
                    "" if np.isnan(ratio[i]) else f"{ratio[i]:.2f}",
                    int(p["uses_openai"][i]),
                    int(p["uses_cursor"][i]),
                    int(p["uses_copilot"][i]),
                    s["emp_id"][routed] if routed >= 0 else "",
                    f"{p['routed_share'][i]:.3f}" if routed >= 0 else "",
                    f"{p['pr_rate'][i]:.4f}",
                    f"{p['vol_api'][i]:.0f}" if p["uses_api"][i] or p["shared_key"][i] >= 0 else "",
                    f"{p['vol_cc'][i]:.0f}" if p["cc"][i] else "",
                ]
            )
    uplift = np.bincount(p["team0"], weights=p["uplift"], minlength=org.T) / np.maximum(
        np.bincount(p["team0"], minlength=org.T), 1
    )
    with (gt_dir / "teams.csv").open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(
            [
                "team_id",
                "team_name",
                "org",
                "latent_productivity",
                "mean_ai_uplift",
                "timezone",
                "lead_employee_id",
                "initial_size",
            ]
        )
        for t in range(org.T):
            w.writerow(
                [
                    org.ts["team_id"][t],
                    org.ts["team_name"][t],
                    org.org_names[org.t["org"][t]],
                    f"{org.t['lp'][t]:.4f}",
                    f"{uplift[t]:.4f}",
                    org.tz_names[org.t["tz"][t]],
                    s["emp_id"][org.t["lead"][t]],
                    int(org.t["size0"][t]),
                ]
            )
    with (gt_dir / "referral_routes.csv").open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(
            [
                "colleague_employee_id",
                "colleague_email",
                "inflater_employee_id",
                "inflater_email",
                "routed_share",
            ]
        )
        for mate, inflater, share in org.referral_routes:
            w.writerow(
                [
                    s["emp_id"][mate],
                    s["email"][mate],
                    s["emp_id"][inflater],
                    s["email"][inflater],
                    f"{share:.3f}",
                ]
            )
    with (gt_dir / "api_keys.csv").open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["provider", "api_key_id", "kind", "owner_employee_id", "user_employee_ids"])
        for provider, keys in (("anthropic", org.anthropic_keys), ("openai", org.openai_keys)):
            for i in range(len(keys)):
                owner = keys.owner[i]
                w.writerow(
                    [
                        provider,
                        keys.key_id[i],
                        keys.kind[i],
                        s["emp_id"][owner] if owner >= 0 else "",
                        ";".join(s["emp_id"][u] for u in keys.users[i]),
                    ]
                )
    (gt_dir / "README.md").write_text(GROUND_TRUTH_README)
