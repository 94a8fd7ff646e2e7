"""The expectations gate: Great Expectations suites guarding the pipeline's boundaries.

`run_gate(warehouse, stages=("raw", "mart"))` validates the landing tables ("raw") and the
public marts ("mart") with the suites in expectations/, records the run in `quality.*` and
returns a GateResult (`passed`, one-line `summary()`, `warnings_summary()`, `seconds`).
Great Expectations is imported only when the gate runs (the import alone takes seconds).
"""

from __future__ import annotations

from mileage.quality.gate import GateResult, Outcome, run_gate

__all__ = ["GateResult", "Outcome", "run_gate"]
