"""Evaluate the bonus schemes against the simulator's ground truth, and print the Goodhart
stress test. The pipeline never reads ground truth; this script (an evaluation) does.

    .venv/bin/python bench/evaluate_schemes.py --warehouse W --ground-truth G
    .venv/bin/python bench/evaluate_schemes.py --employees 300 --days 181 --seed 7

Without --warehouse it simulates an organisation into a temporary folder, lands it and runs
`dbt build`. For each scheme it reports, next to the warehouse's fct_scheme_comparison:

  rho_person_value   Spearman of each person's pay with their true delivery capacity
                     (latent_productivity x (1 + ai_uplift) from ground_truth/people.csv)
  rho_team_value     Spearman of each team's pay per person-month with the team's
                     latent_productivity (ground_truth/teams.csv)
  planted_share      share of pay going to planted gamers (persona != normal)
  planted_vs_normal  pay per planted gamer / pay per normal person

and then fct_goodhart_stress_test. Output is Markdown.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mileage.incentives import (  # noqa: E402
    build_facts,
    load_marts,
    person_payouts,
    spearman,
)


def build_org(employees: int, days: int, seed: int, start: date, folder: Path) -> tuple[Path, Path]:
    from mileage.dbt_runner import BUILD_ARGS, run_dbt
    from mileage.landing import land
    from mileage.simulate import SimulationOptions, simulate

    raw = folder / "raw"
    warehouse = folder / "warehouse.duckdb"
    t = time.time()
    summary = simulate(
        raw, SimulationOptions(employees=employees, days=days, seed=seed, start=start)
    )
    land(raw, warehouse)
    run_dbt(BUILD_ARGS, warehouse=warehouse, target_path=folder / "dbt-target")
    print(f"_built {employees} people x {days} days (seed {seed}) in {time.time() - t:.0f} s_\n")
    return warehouse, Path(summary.ground_truth_dir)


def ground_truth_table(warehouse: Path, ground_truth: Path) -> pd.DataFrame:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        ids = con.execute(
            "select employee_key, employee_id from restricted.employee_identities"
        ).df()
        payouts = con.execute("select * from marts.fct_bonus_payouts").df()
        comparison = con.execute("select * from marts.fct_scheme_comparison").df()
    finally:
        con.close()
    people = pd.read_csv(ground_truth / "people.csv").merge(ids, on="employee_id")
    people["true_value"] = people["latent_productivity"] * (1 + people["ai_uplift"])
    teams = pd.read_csv(ground_truth / "teams.csv")
    marts = load_marts(warehouse)
    facts = build_facts(marts)
    population = pd.Index(sorted(facts.members["employee_key"].unique()))
    person_months = facts.members.groupby("team_id")["person_months"].sum()
    per = person_payouts(payouts, facts)
    gt = people.set_index("employee_key").reindex(population)
    planted = gt["persona"].fillna("normal") != "normal"
    rows = []
    for scheme, rows_s in per.groupby("scheme", sort=False):
        pay = rows_s.groupby("employee_key")["payout_usd"].sum().reindex(population, fill_value=0)
        team_pay = (
            rows_s.groupby("team_id")["payout_usd"].sum().reindex(person_months.index, fill_value=0)
            / person_months
        )
        team_lp = teams.set_index("team_id")["latent_productivity"].reindex(team_pay.index)
        total = pay.sum()
        normal_mean = pay[~planted].mean()
        rows.append(
            {
                "scheme": scheme,
                "rho_person_value": spearman(pay.to_numpy(), gt["true_value"].to_numpy()),
                "rho_team_value": spearman(team_pay.to_numpy(), team_lp.to_numpy()),
                "planted_share": pay[planted].sum() / total if total > 0 else math.nan,
                "planted_vs_normal": (
                    pay[planted].mean() / normal_mean if normal_mean > 0 else math.nan
                ),
            }
        )
    truth = pd.DataFrame(rows)
    keep = [
        "scheme",
        "scheme_kind",
        "total_cost_usd",
        "cost_per_outcome_point_usd",
        "top_decile_share",
        "gini",
        "spearman_team_outcome",
        "spearman_person_outcome",
        "flagged_share",
    ]
    return comparison[keep].merge(truth, on="scheme")


def stress_table(warehouse: Path) -> pd.DataFrame:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("""
            select scheme, tactic, gamers, baseline_total_usd, gamed_total_usd, moved_share,
                   gamers_gain_usd, honest_change_usd, honest_people_losing
            from marts.fct_goodhart_stress_test order by scheme_kind, scheme, tactic
        """).df()
    finally:
        con.close()


def markdown(frame: pd.DataFrame) -> str:
    def cell(v):
        if isinstance(v, float):
            if math.isnan(v):
                return "n/a"
            return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.2f}"
        return str(v)

    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--warehouse", type=Path)
    ap.add_argument("--ground-truth", type=Path)
    ap.add_argument("--employees", type=int, default=300)
    ap.add_argument("--days", type=int, default=181)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--start", type=date.fromisoformat, default=date(2026, 1, 1))
    args = ap.parse_args(argv)
    if args.warehouse is None:
        folder = Path(tempfile.mkdtemp(prefix="mileage-schemes-"))
        warehouse, ground_truth = build_org(
            args.employees, args.days, args.seed, args.start, folder
        )
    else:
        warehouse = args.warehouse
        ground_truth = args.ground_truth or warehouse.parent / "ground_truth"
    print("## Schemes against ground truth\n")
    print(markdown(ground_truth_table(warehouse, ground_truth)))
    print("\n## Goodhart stress test (fct_goodhart_stress_test)\n")
    print(markdown(stress_table(warehouse)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
