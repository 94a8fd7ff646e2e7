"""Score the audit's gaming signals against a simulated organisation's ground truth.

Evaluation only: the pipeline never reads ground truth; this script and tests/audit do.

    .venv/bin/python tests/audit/audit_evaluation.py --employees 2000 --days 365 --seed 42
        simulates, lands and builds a fresh warehouse in a temporary folder, then prints
        precision and recall per signal;
    .venv/bin/python tests/audit/audit_evaluation.py --warehouse W.duckdb --ground-truth DIR
        scores an existing build.

A person counts as flagged by a signal if it fired in any month. Per signal, precision is the
share of flagged people who carry the matching planted persona and recall the share of that
persona's people flagged. `tokens_without_outcomes` has no planted persona: its precision
counts flagged people who are planted gamers or whose latent productivity (ground truth) is
below their role's median.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

SIGNAL_PERSONA = {
    "pr_spam": "pr_spammer",
    "always_on": "always_on_bot",
    "referral_inflation": "referral_inflater",
    "telemetry_inflation": "telemetry_inflater",
    "unattended_agent": "unattended_agent",
    "prompt_stuffing": "prompt_stuffer",
}
PERSONA_SIGNALS = list(SIGNAL_PERSONA)


def read_warehouse(warehouse: Path) -> dict[str, pd.DataFrame]:
    """The marts the evaluation needs, read in a fresh read-only connection."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {
            "signals": con.execute("select * from marts.fct_gaming_signals").df(),
            "identities": con.execute(
                "select employee_key, employee_id from restricted.employee_identities"
            ).df(),
            "person_months": con.execute(
                "select * from intermediate.int_audit__person_months"
            ).df(),
            "leaderboard": con.execute("select * from marts.fct_token_leaderboard").df(),
            "summary": con.execute("select * from marts.fct_leaderboard_summary").df(),
            "reconciliation": con.execute("select * from marts.fct_usage_reconciliation").df(),
            "tiers": con.execute("select * from reference.audit_leaderboard_tiers").df(),
        }
    finally:
        con.close()


def people_table(tables: dict[str, pd.DataFrame], ground_truth: Path) -> pd.DataFrame:
    """One row per person in the ground truth: persona, latent productivity, signals fired,
    period tokens and non-trivial merged PRs (from the marts)."""
    truth = pd.read_csv(ground_truth / "people.csv")
    ids = tables["identities"].drop_duplicates("employee_id")
    people = truth.merge(ids, on="employee_id", how="left")
    fired = tables["signals"].groupby(["employee_key", "signal"]).size().unstack(fill_value=0) > 0
    for signal in [*PERSONA_SIGNALS, "tokens_without_outcomes"]:
        col = fired[signal] if signal in fired else pd.Series(dtype=bool)
        people[f"flag_{signal}"] = people["employee_key"].map(col).fillna(False).astype(bool)
    pm = (
        tables["person_months"]
        .groupby("employee_key")
        .agg(
            total_tokens=("total_tokens", "sum"),
            nontrivial_merged_prs=("nontrivial_merged_prs", "sum"),
        )
    )
    people = people.join(pm, on="employee_key")
    people[["total_tokens", "nontrivial_merged_prs"]] = people[
        ["total_tokens", "nontrivial_merged_prs"]
    ].fillna(0)
    people["flag_persona_signal"] = people[[f"flag_{s}" for s in PERSONA_SIGNALS]].any(axis=1)
    people["flag_any"] = people["flag_persona_signal"] | people["flag_tokens_without_outcomes"]
    people["is_gamer"] = people["persona"] != "normal"
    return people


def heavy_productive(people: pd.DataFrame) -> pd.DataFrame:
    """Normal engineers in the top quartile of both period tokens and non-trivial merged PRs."""
    eng = people[(people["role"] == "engineer") & (people["persona"] == "normal")]
    tokens_q = eng["total_tokens"].quantile(0.75)
    prs_q = eng["nontrivial_merged_prs"].quantile(0.75)
    return eng[
        (eng["total_tokens"] >= tokens_q)
        & (eng["nontrivial_merged_prs"] >= prs_q)
        & (eng["total_tokens"] > 0)
    ]


def score(people: pd.DataFrame) -> pd.DataFrame:
    """Precision and recall per signal (person level), plus overall rows."""
    rows = []
    for signal, persona in SIGNAL_PERSONA.items():
        flagged = people[f"flag_{signal}"]
        truth = people["persona"] == persona
        tp = int((flagged & truth).sum())
        rows.append(
            {
                "signal": signal,
                "persona": persona,
                "planted": int(truth.sum()),
                "flagged": int(flagged.sum()),
                "true_positives": tp,
                "precision": tp / flagged.sum() if flagged.sum() else float("nan"),
                "recall": tp / truth.sum() if truth.sum() else float("nan"),
            }
        )
    flagged = people["flag_persona_signal"]
    tp = int((flagged & people["is_gamer"]).sum())
    rows.append(
        {
            "signal": "any persona signal",
            "persona": "any gamer",
            "planted": int(people["is_gamer"].sum()),
            "flagged": int(flagged.sum()),
            "true_positives": tp,
            "precision": tp / flagged.sum() if flagged.sum() else float("nan"),
            "recall": tp / people["is_gamer"].sum() if people["is_gamer"].sum() else float("nan"),
        }
    )
    role_median = people.groupby("role")["latent_productivity"].transform("median")
    low = people["latent_productivity"] < role_median
    flagged = people["flag_tokens_without_outcomes"]
    ok = int((flagged & (people["is_gamer"] | low)).sum())
    rows.append(
        {
            "signal": "tokens_without_outcomes",
            "persona": "gamer or below-median productivity",
            "planted": int((people["is_gamer"] | low).sum()),
            "flagged": int(flagged.sum()),
            "true_positives": ok,
            "precision": ok / flagged.sum() if flagged.sum() else float("nan"),
            "recall": float("nan"),
        }
    )
    return pd.DataFrame(rows)


# The audit marts, everything upstream of them, and the identities that map ground truth.
DBT_SELECTION = ["+path:models/marts/audit", "+employee_identities"]


def month_precision(tables: dict[str, pd.DataFrame], people: pd.DataFrame) -> pd.Series:
    """Per signal: share of flagged person-months that belong to a person of the persona."""
    persona = people.set_index("employee_key")["persona"]
    signals = tables["signals"].assign(persona=lambda d: d["employee_key"].map(persona))
    out = {}
    for signal, name in SIGNAL_PERSONA.items():
        rows = signals[signals["signal"] == signal]
        out[signal] = (rows["persona"] == name).mean() if len(rows) else float("nan")
    return pd.Series(out, name="month_precision")


def build(workdir: Path, employees: int, days: int, seed: int) -> tuple[Path, Path]:
    """Simulate, land and dbt-build the audit marts; return (warehouse, ground truth dir)."""
    from mileage.dbt_runner import BUILD_ARGS, run_dbt
    from mileage.landing import land
    from mileage.simulate import SimulationOptions, simulate

    summary = simulate(
        workdir / "raw", SimulationOptions(employees=employees, days=days, seed=seed)
    )
    warehouse = workdir / "warehouse.duckdb"
    land(workdir / "raw", warehouse)
    run_dbt(
        [*BUILD_ARGS, "--select", *DBT_SELECTION],
        warehouse=warehouse,
        target_path=workdir / "dbt-target",
    )
    return warehouse, Path(summary.ground_truth_dir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path)
    parser.add_argument("--ground-truth", type=Path)
    parser.add_argument("--employees", type=int, default=2000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args(argv)
    started = time.time()
    if args.warehouse is None:
        workdir = args.workdir or Path(tempfile.mkdtemp(prefix="mileage-audit-eval-"))
        warehouse, ground_truth = build(workdir, args.employees, args.days, args.seed)
        print(f"built {warehouse} in {time.time() - started:.0f} s")
    else:
        warehouse, ground_truth = args.warehouse, args.ground_truth
    tables = read_warehouse(warehouse)
    people = people_table(tables, ground_truth)
    table = score(people).join(month_precision(tables, people), on="signal")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    hp = heavy_productive(people)
    print(
        f"heavy and productive normal engineers: {len(hp)}, flagged by any signal: "
        f"{int(hp['flag_any'].sum())}"
    )
    summary = tables["summary"]
    print(
        "leaderboard: mean Spearman(tokens, outcomes) "
        f"{summary['rank_correlation'].mean():.3f}; top-tier people {int(summary['top_tier_people'].sum())}, "
        f"flagged {int(summary['top_tier_flagged_people'].sum())}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
