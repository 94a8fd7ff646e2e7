"""The data layer: read-only attach, rebuild pick-up, parameterised queries, values."""

from __future__ import annotations

import os
import shutil
import statistics

import duckdb
import pandas as pd
import pytest

from app_warehouse import MONTHS, build_warehouse
from mileage.app import data


@pytest.fixture
def fresh():
    data.forget_all()
    yield
    data.forget_all()


def test_missing_file_is_a_clear_error(tmp_path, fresh):
    with pytest.raises(data.WarehouseMissing) as raised:
        data.open_warehouse(tmp_path / "nope.duckdb")
    assert raised.value.path == tmp_path / "nope.duckdb"


def test_attach_is_read_only_and_lists_tables(small_warehouse, fresh):
    wh = data.open_warehouse(small_warehouse.path)
    assert wh.missing(data.CORE_TABLES) == []
    assert wh.has_table("restricted.employee_identities")
    assert not wh.has_table("marts.fct_gaming_signals")
    with pytest.raises(duckdb.Error):
        wh.query("create table wh.marts.sneaky as select 1 as x")
    with pytest.raises(data.TableMissing) as raised:
        data.later_table(wh, "gaming_signals")
    assert raised.value.table == "marts.fct_gaming_signals"


def test_cached_per_file_version_and_rebuild_is_picked_up(tmp_path, fresh):
    live = tmp_path / "live.duckdb"
    build_warehouse(live)
    first = data.open_warehouse(live)
    assert data.open_warehouse(live) is first  # same version: same attachment
    before = data.teams(first)

    # A rebuild writes a new file and swaps it in atomically, as `mileage build` does.
    staged = tmp_path / "building.duckdb"
    shutil.copy(live, staged)
    con = duckdb.connect(str(staged))
    con.execute("update marts.dim_teams set team_name = 'Renamed' where team_id = 't-pay'")
    con.close()
    os.replace(staged, live)

    second = data.open_warehouse(live)
    assert second is not first
    assert "Renamed" in set(data.teams(second).team_name)
    # The old attachment still serves its consistent old view to a query already holding it.
    assert data.teams(first).equals(before)


def test_queries_are_parameterised(small_warehouse, fresh):
    wh = data.open_warehouse(small_warehouse.path)
    assert data.employee(wh, "x' or '1'='1").empty
    key = small_warehouse.employees.employee_key.iloc[0]
    assert data.employee(wh, key).team_id.iloc[0] == "t-pay"


def test_results_are_copies(small_warehouse, fresh):
    wh = data.open_warehouse(small_warehouse.path)
    teams = data.teams(wh)
    teams["team_name"] = "mutated"
    assert "mutated" not in set(data.teams(wh).team_name)


def test_org_months_match_the_fixture(small_warehouse, fresh):
    wh = data.open_warehouse(small_warehouse.path)
    org = data.org_months(wh).set_index("month_start")
    tm = small_warehouse.team_months
    prs = small_warehouse.pull_requests
    for month in MONTHS:
        rows = tm[tm.month_start == month]
        got = org.loc[pd.Timestamp(month)]
        assert got.merged_prs == rows.merged_prs.sum()
        assert got.merged_prs_per_million_tokens == pytest.approx(
            rows.merged_prs.sum() / rows.total_tokens.sum() * 1e6
        )
        assert got.merged_prs_per_1k_usd == pytest.approx(
            rows.merged_prs.sum() / rows.token_cost_usd.sum() * 1e3
        )
        merged = prs[
            prs.is_merged & ~prs.is_bot & (pd.to_datetime(prs.merged_at).dt.month == month.month)
        ]
        assert got.median_cycle_time_hours == pytest.approx(
            statistics.median(merged.cycle_time_hours)
        )
        roadmap = small_warehouse.roadmap
        assert got.roadmap_attainment == pytest.approx(
            roadmap.delivered_points.sum() / roadmap.planned_points.sum()
        )


def test_data_quality_queries(small_warehouse, fresh):
    wh = data.open_warehouse(small_warehouse.path)
    assert data.last_validation_run(wh).run_id.iloc[0] == "run-2"
    assert len(data.validation_results(wh, "run-2")) == 3
    unpriced = data.unpriced_models(wh)
    assert unpriced.model.tolist() == ["claude-3-opus-20240229"]
    usage = small_warehouse.usage
    by_provider = data.attribution_by_provider(wh)
    assert (
        by_provider.unattributed_tokens.sum()
        == usage.loc[~usage.is_attributed, "total_tokens"].sum()
    )
    reasons = data.reject_reasons(wh)
    assert set(reasons.columns) == {"source", "reason", "records"}  # no raw records


def test_token_prices_prefer_the_warehouse(tmp_path, small_warehouse, fresh):
    frame, source = data.token_prices(data.open_warehouse(small_warehouse.path))
    assert source == "seeds/token_prices.csv" and "claude-opus-4" in set(frame.model_family)

    path = tmp_path / "priced.duckdb"
    shutil.copy(small_warehouse.path, path)
    con = duckdb.connect(str(path))
    con.execute("create schema reference")
    con.execute(
        "create table reference.token_prices as select * from read_csv_auto(?)",
        [str(data.SEED_TOKEN_PRICES)],
    )
    con.execute(
        "update reference.token_prices set output_usd_per_mtok = 80 "
        "where model_family = 'claude-opus-4'"
    )
    con.close()
    frame, source = data.token_prices(data.open_warehouse(path))
    assert source == "reference.token_prices"
    assert frame.set_index("model_family").at["claude-opus-4", "output_usd_per_mtok"] == 80
