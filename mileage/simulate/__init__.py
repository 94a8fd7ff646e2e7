"""The Mileage organisation simulator: a synthetic company's raw exports plus ground truth.

`simulate(out_dir, options, progress)` writes the raw-directory contract
(docs/raw-contract.md) under `out_dir` in the vendors' own formats, and the answers (personas,
latent productivity, key users, referral routes) to `out_dir/../ground_truth`, which only
tests and evaluations read.
"""

from mileage.simulate.core import ground_truth_dir, simulate
from mileage.simulate.options import (
    DEFAULT_GAMING_RATES,
    OptionsError,
    SimulationOptions,
    SimulationSummary,
)

__all__ = [
    "DEFAULT_GAMING_RATES",
    "OptionsError",
    "SimulationOptions",
    "SimulationSummary",
    "ground_truth_dir",
    "simulate",
]
