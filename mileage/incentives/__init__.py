"""Incentive lab: bonus schemes defined as data, evaluated on the marts, compared and
stress-tested for gaming. One implementation, called by the dbt Python models in
models/marts/incentives/ and by the app with edited parameters:

    schemes = load_schemes()                       # schemes/*.yml, validated
    edited = Scheme.from_dict({**schemes["outcome_threshold"].to_dict(), ...})
    facts = build_facts(load_marts(con))           # or pass the marts dict directly
    payouts = evaluate(edited, facts)
    comparison = compare(evaluate_all(schemes, facts), facts, flags)
    table = stress_test(schemes, facts, share=0.1)
"""

from mileage.incentives.compare import compare, gini, spearman, top_share
from mileage.incentives.evaluate import evaluate, evaluate_all, person_payouts
from mileage.incentives.facts import Facts, build_facts
from mileage.incentives.schemes import (
    METRICS,
    Scheme,
    SchemeError,
    default_schemes_dir,
    load_scheme,
    load_schemes,
    parse_scheme,
)
from mileage.incentives.stress import TACTICS, apply_tactic, choose_gamers, stress_test
from mileage.incentives.warehouse import load_marts, write_incentive_marts

__all__ = [
    "METRICS",
    "TACTICS",
    "Facts",
    "Scheme",
    "SchemeError",
    "apply_tactic",
    "build_facts",
    "choose_gamers",
    "compare",
    "default_schemes_dir",
    "evaluate",
    "evaluate_all",
    "gini",
    "load_marts",
    "load_scheme",
    "load_schemes",
    "parse_scheme",
    "person_payouts",
    "spearman",
    "stress_test",
    "top_share",
    "write_incentive_marts",
]
