"""Build a simulated organisation for the audit tests, and the bars they hold it to.

Each test module that needs an organisation defines a module-scoped fixture calling
`build_audit_org`, so the simulation, landing and one `dbt build` (the audit marts and
everything upstream of them) run once per module.

Bars, from issue 5: every planted persona type detected with recall >= 0.9 and overall
precision >= 0.9. With a few hundred people each persona is planted 1-3 times, so recall >=
0.9 means every planted person is found. Per signal we also require precision >= 0.5 (fewer
false than true alarms); the overall bar allows one false alarm among ten true ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from audit_evaluation import build, people_table, read_warehouse

PROJECT_DIR = Path(__file__).resolve().parents[2]
RECALL_BAR = 0.9
OVERALL_PRECISION_BAR = 0.9
SIGNAL_PRECISION_BAR = 0.5


@dataclass
class AuditOrg:
    raw: Path
    ground_truth: Path
    warehouse: Path
    tables: dict[str, pd.DataFrame]
    people: pd.DataFrame  # ground truth per person, with the signals that fired

    def query(self, sql: str) -> pd.DataFrame:
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return con.execute(sql).df()
        finally:
            con.close()


def build_audit_org(workdir: Path, *, employees: int, days: int, seed: int) -> AuditOrg:
    warehouse, ground_truth = build(workdir, employees, days, seed)
    tables = read_warehouse(warehouse)
    return AuditOrg(
        raw=workdir / "raw",
        ground_truth=ground_truth,
        warehouse=warehouse,
        tables=tables,
        people=people_table(tables, ground_truth),
    )
