"""Conventions an analytics engineer extending the project can rely on, checked on the manifest."""

from __future__ import annotations

import json

import pytest

PK_TESTS = {"unique", "unique_combination_of_columns"}


@pytest.fixture(scope="module")
def manifest(tiny_build) -> dict:
    return json.loads((tiny_build.dbt.target_path / "manifest.json").read_text())


def _models(manifest, folder: str):
    return [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["path"].startswith(folder + "/")
    ]


def _tests_on(manifest, unique_id: str) -> set[str]:
    return {
        node["test_metadata"]["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and unique_id in node["depends_on"]["nodes"]
        and node.get("test_metadata")
        and node.get("attached_node") == unique_id
    }


@pytest.mark.parametrize("folder", ["staging", "intermediate", "marts", "restricted"])
def test_every_model_is_described(manifest, folder):
    models = _models(manifest, folder)
    assert models, f"no models found under models/{folder}"
    undocumented = [m["name"] for m in models if not m["description"].strip()]
    assert undocumented == []


def test_every_staging_model_has_a_primary_key_test(manifest):
    missing = [
        m["name"]
        for m in _models(manifest, "staging")
        if not (_tests_on(manifest, m["unique_id"]) & PK_TESTS)
    ]
    assert missing == []


def test_public_marts_have_contracts_and_documented_columns(manifest):
    for model in _models(manifest, "marts") + _models(manifest, "restricted"):
        if "/audit/" in model["path"] or "/incentives/" in model["path"]:
            continue
        assert model["config"]["contract"]["enforced"], model["name"]
        undocumented = [c for c, v in model["columns"].items() if not v["description"].strip()]
        assert undocumented == [], model["name"]


def test_only_staging_reads_sources(manifest):
    offenders = [
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and not node["path"].startswith("staging/")
        and any(dep.startswith("source.") for dep in node["depends_on"]["nodes"])
        and node["name"]
        not in {"fct_source_accounting", "fct_rejected_records", "fct_unread_files"}
    ]
    assert offenders == []


def test_every_landing_table_is_a_dbt_source(manifest, tiny_build):
    """An incremental build selects `source:landing.<table>+` for each landing table whose rows
    changed; a landing table dbt did not know would select nothing and leave its models stale."""
    from mileage.incremental import LANDING_SOURCE

    declared = {
        node["name"]
        for node in manifest["sources"].values()
        if node["source_name"] == LANDING_SOURCE
    }
    landed = {
        r[0]
        for r in tiny_build.query(
            "select table_name from duckdb_tables() where schema_name = 'landing'"
        )
    }
    assert landed and landed == declared


def test_dbt_docs_generate_offline(tiny_build, tmp_path):
    from mileage.dbt_runner import run_dbt

    result = run_dbt(
        ["docs", "generate", "--static"], warehouse=tiny_build.warehouse, target_path=tmp_path
    )
    page = (result.target_path / "static_index.html").read_text()
    # one self-contained page: the manifest and catalog are inlined, so it opens without a server
    assert "fct_team_months" in page and "merged_prs_per_million_tokens" in page
