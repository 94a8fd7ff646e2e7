"""What blocks publication, and what a build records about the marts it could not vouch for.

Core marts (usage, delivery, team months, accounting, identities and everything upstream of
them) block publication when a check on them fails. *Derived* marts (the audit's and the
incentive lab's statistics) do not: a failure confined to one publishes the core marts and
records that mart in `quality.marts_not_vouched`, which the app shows on the pages that read it.

Which marts are derived is declared once, in dbt_project.yml's `data_tests:` block: the folders
under models/marts/ whose tests have `+severity: warn`. This module reads that block; the gate
(mileage/quality/gate.py) and the pipeline ask it, never a list of their own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

import yaml

from mileage import config

NOT_VOUCHED_TABLE = "quality.marts_not_vouched"
NOT_VOUCHED_DDL = f"""
create or replace table {NOT_VOUCHED_TABLE} (
    mart varchar, check_name varchar, stage varchar, failure varchar, built_at timestamp
)"""


@cache
def derived_folders(project_dir: Path | None = None) -> tuple[str, ...]:
    """The folders under models/marts/ whose data tests warn (dbt_project.yml `data_tests:`)."""
    project = yaml.safe_load(((project_dir or config.PROJECT_DIR) / "dbt_project.yml").read_text())
    marts = (((project.get("data_tests") or {}).get(project["name"]) or {}).get("marts")) or {}
    return tuple(
        sorted(
            folder
            for folder, settings in marts.items()
            if isinstance(settings, dict) and str(settings.get("+severity", "")).lower() == "warn"
        )
    )


@cache
def derived_marts(project_dir: Path | None = None) -> frozenset[str]:
    """Every model defined in a derived folder (its name is its table's name)."""
    root = (project_dir or config.PROJECT_DIR) / "models" / "marts"
    return frozenset(
        path.stem
        for folder in derived_folders(project_dir)
        for path in (root / folder).rglob("*")
        if path.suffix in (".sql", ".py")
    )


def is_derived(mart: str | None) -> bool:
    """Whether `mart` ("fct_x" or "marts.fct_x") is a derived statistic, not a core mart."""
    return bool(mart) and mart.rpartition(".")[2] in derived_marts()


@dataclass(frozen=True)
class NotVouched:
    """One failed check on a derived mart: the build published without vouching for it."""

    mart: str
    check: str
    stage: str  # "dbt" or "expectations"
    failure: str

    def describe(self) -> str:
        return (
            f"{self.mart} not vouched for: {self.stage} check {self.check} failed ({self.failure})"
        )


@dataclass
class DbtVerdict:
    """dbt's failed nodes split by what they protect."""

    blocking: list[str]  # one line per failed node of a core mart (or one dbt could not place)
    not_vouched: list[NotVouched]
    # derived models dbt did not build (errored or skipped): their tables must not be served
    unbuilt: list[tuple[str, str]]  # (schema, table)


def judge_dbt_run(target_path: Path, failures: list[str]) -> DbtVerdict:
    """Classify a dbt build's results from its run_results.json and manifest.json.

    A failed or erroring test attached to a derived model, or a derived model that errored (and
    the derived models skipped after it), do not block. Anything else that failed blocks; so
    does a run whose artefacts are missing (dbt stopped before running nodes): `failures`, the
    runner's lines, then say why.
    """
    try:
        results = json.loads((target_path / "run_results.json").read_text())["results"]
        nodes = json.loads((target_path / "manifest.json").read_text())["nodes"]
    except (OSError, ValueError, KeyError):
        return DbtVerdict(
            blocking=failures or ["dbt produced no run results"], not_vouched=[], unbuilt=[]
        )
    verdict = DbtVerdict(blocking=[], not_vouched=[], unbuilt=[])
    for result in results:
        status = str(result.get("status", ""))
        node = nodes.get(result.get("unique_id", ""), {})
        message = " ".join(str(result.get("message") or status).split())
        kind = node.get("resource_type")
        if kind == "test":
            mart = _tested_model(node, nodes)
            if status == "warn" and is_derived(mart):
                verdict.not_vouched.append(NotVouched(mart, node["name"], "dbt", message))
            elif status in ("fail", "error"):
                if is_derived(mart):
                    verdict.not_vouched.append(NotVouched(mart, node["name"], "dbt", message))
                else:
                    verdict.blocking.append(
                        f"{node.get('name', result.get('unique_id'))}: {message}"
                    )
        elif kind == "model" and status in ("error", "skipped") and is_derived(node.get("name")):
            check = "model build" if status == "error" else "model build (skipped: upstream failed)"
            verdict.not_vouched.append(NotVouched(node["name"], check, "dbt", message))
            verdict.unbuilt.append((node["schema"], node.get("alias") or node["name"]))
        elif status in ("error", "fail", "skipped"):
            verdict.blocking.append(f"{node.get('name', result.get('unique_id'))}: {message}")
    if not verdict.blocking and not verdict.not_vouched and failures:
        verdict.blocking = list(failures)  # dbt failed outside any node (e.g. at parse time)
    return verdict


def _tested_model(test: dict, nodes: dict) -> str | None:
    attached = test.get("attached_node")
    if attached:
        return nodes.get(attached, {}).get("name")
    models = [nodes.get(n, {}).get("name") for n in test.get("depends_on", {}).get("nodes", [])]
    models = [m for m in models if m]
    # a test over several models is derived only when every one of them is
    return models[0] if models and all(is_derived(m) for m in models) else None


def drop_unbuilt(warehouse: Path, unbuilt: list[tuple[str, str]]) -> None:
    """Drop what an earlier build left of derived tables dbt did not rebuild (an incremental
    build starts from the live warehouse): a page must show "not built", never stale numbers."""
    if not unbuilt:
        return
    import duckdb

    con = duckdb.connect(str(warehouse))
    try:
        for schema, table in unbuilt:
            con.execute(f'drop table if exists "{schema}"."{table}"')
    finally:
        con.close()


def record(warehouse: Path, entries: list[NotVouched], built_at: datetime) -> None:
    """Replace `quality.marts_not_vouched` in `warehouse` (empty: every mart is vouched for)."""
    import duckdb

    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema if not exists quality")
        con.execute(NOT_VOUCHED_DDL)
        if entries:  # DuckDB's executemany refuses an empty list
            con.executemany(
                f"insert into {NOT_VOUCHED_TABLE} values (?, ?, ?, ?, ?)",
                [[e.mart, e.check, e.stage, e.failure, built_at] for e in entries],
            )
    finally:
        con.close()
