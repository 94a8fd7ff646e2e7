"""One test per class of corruption: corrupt a copy of a built warehouse with SQL and check the
gate stops it with a one-line summary naming the suite, the expectation and the failing count.

The failing counts are computed here from the corrupted rows, not read back from the gate.
"""

from __future__ import annotations

import pytest

from mileage.quality import run_gate
from quality.conftest import execute, query


def _gate(warehouse, stage, suite=None):
    """The gate on one stage: the whole stage, or only `suite` (the one the corruption must
    fail; ~1 s instead of ~7 s on these warehouses). Whole-stage runs are kept for one
    corruption per stage, so the summary's first line is shown to name the right failure."""
    result = run_gate(warehouse, (stage,), suites=(suite,) if suite else ())
    assert not result.passed, "the gate let a corrupted warehouse through"
    return result


def _sample_keys(warehouse, table, key, n, where="true"):
    """n distinct values of a unique `key` (`rowid` for landing tables) as a SQL list body."""
    rows = query(warehouse, f"select {key} from {table} where {where} order by {key} limit {n}")
    assert len(rows) == n
    return ", ".join(f"'{r[0]}'" if isinstance(r[0], str) else str(r[0]) for r in rows)


# --- negative tokens --------------------------------------------------------------------------


def test_negative_tokens_in_a_mart_stop_the_gate(sim_warehouse, copy_of):
    wh = copy_of(sim_warehouse)
    keys = _sample_keys(wh, "marts.fct_ai_usage_daily", "usage_daily_id", 3)
    execute(
        wh,
        f"update marts.fct_ai_usage_daily set output_tokens = -output_tokens - 1, "
        f"total_tokens = total_tokens - 2 * output_tokens - 1 "
        f"where usage_daily_id in ({keys})",
    )
    result = _gate(wh, "mart")
    assert result.summary().startswith(
        "fct_ai_usage_daily.mart: expect_column_values_to_be_between(output_tokens) failed on 3 rows"
    ), result.summary()


def test_negative_tokens_in_raw_exports_are_a_warning_because_staging_rejects_them(
    sim_landing, copy_of
):
    wh = copy_of(sim_landing)
    keys = _sample_keys(wh, "landing.cursor__usage_events", "rowid", 2)
    execute(
        wh, f"update landing.cursor__usage_events set input_tokens = -5 where rowid in ({keys})"
    )
    (corrupted,) = query(
        wh, "select count(*) from landing.cursor__usage_events where input_tokens < 0"
    )[0]
    result = run_gate(wh, ("raw",))
    assert result.passed, result.summary()
    assert (
        f"cursor__usage_events.raw: expect_column_values_to_be_between(input_tokens) "
        f"failed on {corrupted} rows"
    ) in "\n".join(result.warnings_summary())


# --- duplicate keys ---------------------------------------------------------------------------


def test_duplicate_keys_in_a_mart_stop_the_gate(sim_warehouse, copy_of):
    wh = copy_of(sim_warehouse)
    keys = _sample_keys(wh, "marts.fct_pull_requests", "pull_request_id", 2)
    execute(
        wh,
        f"insert into marts.fct_pull_requests select * from marts.fct_pull_requests "
        f"where pull_request_id in ({keys})",
    )
    # every member of a duplicated key is unexpected: 2 originals + 2 copies
    result = _gate(wh, "mart", "fct_pull_requests.mart")
    assert result.summary().startswith(
        "fct_pull_requests.mart: expect_column_values_to_be_unique(pull_request_id) "
        "failed on 4 rows"
    ), result.summary()


def test_duplicate_landing_records_stop_the_gate(sim_landing, copy_of):
    wh = copy_of(sim_landing)
    keys = _sample_keys(wh, "landing.openai__usage_completions", "rowid", 1)
    execute(
        wh,
        "insert into landing.openai__usage_completions select * from "
        f"landing.openai__usage_completions where rowid in ({keys})",
    )
    result = _gate(wh, "raw")
    assert result.summary().startswith(
        "openai__usage_completions.raw: expect_compound_columns_to_be_unique"
        "(_source_file,_record_path) failed on 2 rows"
    ), result.summary()


# --- a 10x jump -------------------------------------------------------------------------------


def test_a_10x_month_in_a_raw_export_stops_the_gate(sim_landing, copy_of):
    wh = copy_of(sim_landing)
    execute(
        wh,
        """
        update landing.anthropic__usage_report_messages
        set uncached_input_tokens = uncached_input_tokens * 10,
            cache_creation_5m_input_tokens = cache_creation_5m_input_tokens * 10,
            cache_creation_1h_input_tokens = cache_creation_1h_input_tokens * 10,
            cache_read_input_tokens = cache_read_input_tokens * 10,
            output_tokens = output_tokens * 10
        where starting_at >= '2025-12-01'
    """,
    )
    result = _gate(wh, "raw", "raw_usage_months.raw")
    # December against November (January has 1 day: too short to compare)
    assert result.summary().startswith(
        "raw_usage_months.raw: expect_column_values_to_be_between(month_over_month_ratio) "
        "failed on 1 rows"
    ), result.summary()


def test_a_10x_month_in_the_usage_mart_stops_the_gate(sim_warehouse, copy_of):
    wh = copy_of(sim_warehouse)
    before = query(
        wh,
        """
        select sum(total_tokens) filter (where usage_date >= date '2025-12-01') / 31
             / (sum(total_tokens) filter (where usage_date < date '2025-12-01') / 30)
        from marts.fct_ai_usage_daily where provider = 'openai'
    """,
    )[0][0]
    assert 0.2 < before < 5
    execute(
        wh,
        """
        update marts.fct_ai_usage_daily
        set uncached_input_tokens = uncached_input_tokens * 10,
            cache_write_tokens = cache_write_tokens * 10,
            cache_read_tokens = cache_read_tokens * 10,
            output_tokens = output_tokens * 10, total_tokens = total_tokens * 10,
            list_cost_usd = list_cost_usd * 10
        where provider = 'openai' and usage_date >= date '2025-12-01'
    """,
    )
    result = _gate(wh, "mart", "usage_months.mart")
    assert result.summary().startswith(
        "usage_months.mart: expect_column_values_to_be_between(month_over_month_ratio) "
        "failed on 1 rows"
    ), result.summary()


# --- future timestamps ------------------------------------------------------------------------


def test_future_usage_dates_in_a_mart_stop_the_gate(sim_warehouse, copy_of):
    wh = copy_of(sim_warehouse)
    keys = _sample_keys(wh, "marts.fct_ai_usage_daily", "usage_daily_id", 2)
    execute(
        wh,
        "update marts.fct_ai_usage_daily set usage_date = current_date + 30 "
        f"where usage_daily_id in ({keys})",
    )
    result = _gate(wh, "mart", "fct_ai_usage_daily.mart")
    assert result.summary().startswith(
        "fct_ai_usage_daily.mart: expect_column_values_to_be_between(usage_date) failed on 2 rows"
    ), result.summary()


def test_a_future_request_in_a_raw_export_is_a_warning_not_a_stop(sim_landing, copy_of):
    """Staging rejects a record beyond future_timestamp_tolerance_minutes with its field and
    value (issue 23): by the raw-stage rule it is a warning, and the build goes on."""
    from mileage.quality import run_gate

    wh = copy_of(sim_landing)
    keys = _sample_keys(wh, "landing.cursor__usage_events", "rowid", 1)
    execute(
        wh,
        "update landing.cursor__usage_events set timestamp = "
        "cast(epoch_ms(now()::timestamp + interval 10 day) as varchar) "
        f"where rowid in ({keys})",
    )
    result = run_gate(wh, ("raw",), suites=("cursor__usage_events.raw",))
    assert result.passed, result.summary()
    warned = [w for w in result.warnings_summary() if "_in_future" in w]
    assert len(warned) == 1 and "1 row" in warned[0], result.warnings_summary()


def test_a_future_pull_request_stops_the_gate(sim_warehouse, copy_of):
    wh = copy_of(sim_warehouse)
    keys = _sample_keys(
        wh,
        "marts.fct_pull_requests",
        "pull_request_id",
        1,
        "merged_at is null and closed_at is null",
    )
    execute(
        wh,
        "update marts.fct_pull_requests set opened_at = now()::timestamp + interval 7 day "
        f"where pull_request_id in ({keys})",
    )
    result = _gate(wh, "mart", "fct_pull_requests.mart")
    assert result.summary().startswith(
        "fct_pull_requests.mart: expect_column_values_to_be_between(opened_at) failed on 1 rows"
    ), result.summary()


# --- a missing column -------------------------------------------------------------------------


def test_a_missing_mart_column_stops_the_gate(sim_warehouse, copy_of):
    wh = copy_of(sim_warehouse)
    execute(wh, "alter table marts.fct_ai_usage_daily drop column total_tokens")
    result = _gate(wh, "mart", "fct_ai_usage_daily.mart")
    assert result.summary().startswith(
        "fct_ai_usage_daily.mart: expect_table_columns_to_match_set failed (missing total_tokens)"
    ), result.summary()


def test_a_missing_raw_column_stops_the_gate(sim_landing, copy_of):
    wh = copy_of(sim_landing)
    execute(wh, "alter table landing.openai__usage_completions drop column input_tokens")
    result = _gate(wh, "raw", "openai__usage_completions.raw")
    assert result.summary().startswith(
        "openai__usage_completions.raw: expect_table_columns_to_match_set failed "
        "(missing input_tokens)"
    ), result.summary()


# --- the other checks of issue 7 --------------------------------------------------------------


def test_a_retyped_column_stops_the_gate(sim_warehouse, copy_of):
    wh = copy_of(sim_warehouse)
    execute(wh, "alter table marts.fct_team_months alter headcount type bigint")
    result = _gate(wh, "mart", "column_types.mart")
    assert result.summary().startswith(
        "column_types.mart: expect_column_distinct_values_to_contain_set(typed_column) failed "
        "(where table_name == 'fct_team_months'; missing or retyped headcount:INTEGER)"
    ), result.summary()


def test_usage_lost_between_staging_and_the_marts_stops_the_gate(sim_warehouse, copy_of):
    wh = copy_of(sim_warehouse)
    keys = _sample_keys(
        wh,
        "marts.fct_ai_usage_daily",
        "usage_daily_id",
        1,
        "not is_attributed and total_tokens > 0",
    )
    execute(wh, f"delete from marts.fct_ai_usage_daily where usage_daily_id in ({keys})")
    result = _gate(wh, "mart", "usage_reconciliation.mart")
    assert result.summary().startswith(
        "usage_reconciliation.mart: expect_column_values_to_be_between(unaccounted_tokens) "
        "failed on 1 rows"
    ), result.summary()


def test_attributed_usage_without_a_person_stops_the_gate(sim_warehouse, copy_of):
    wh = copy_of(sim_warehouse)
    keys = _sample_keys(wh, "marts.fct_ai_usage_daily", "usage_daily_id", 2, "is_attributed")
    execute(
        wh,
        f"update marts.fct_ai_usage_daily set employee_key = null where usage_daily_id in ({keys})",
    )
    result = _gate(wh, "mart", "fct_ai_usage_daily.mart")
    assert result.summary().startswith(
        "fct_ai_usage_daily.mart: expect_column_values_to_not_be_null(employee_key) "
        "failed on 2 rows"
    ), result.summary()


def test_cost_per_token_outside_the_price_table_stops_the_gate(sim_warehouse, copy_of):
    wh = copy_of(sim_warehouse)
    keys = _sample_keys(
        wh, "marts.fct_ai_usage_daily", "usage_daily_id", 3, "is_priced and list_cost_usd > 0"
    )
    execute(
        wh,
        "update marts.fct_ai_usage_daily set list_cost_usd = list_cost_usd * 1000 "
        f"where usage_daily_id in ({keys})",
    )
    result = _gate(wh, "mart", "usage_cost_per_token.mart")
    assert result.summary().startswith(
        "usage_cost_per_token.mart: expect_column_pair_values_a_to_be_greater_than_b"
        "(max_usd_per_mtok,usd_per_mtok) failed on 3 rows"
    ), result.summary()


def test_team_sizes_that_disagree_with_the_roster_stop_the_gate(sim_warehouse, copy_of):
    wh = copy_of(sim_warehouse)
    (team,) = query(wh, "select min(team_id) from marts.fct_team_months")[0]
    (months,) = query(wh, f"select count(*) from marts.fct_team_months where team_id = '{team}'")[0]
    execute(
        wh, f"update marts.fct_team_months set headcount = headcount + 1 where team_id = '{team}'"
    )
    result = _gate(wh, "mart", "team_sizes.mart")
    assert result.summary().startswith(
        "team_sizes.mart: expect_column_pair_values_to_be_equal(mart_headcount,roster_headcount) "
        f"failed on {months} rows"
    ), result.summary()


def test_an_unbalanced_source_stops_the_gate(sim_warehouse, copy_of):
    wh = copy_of(sim_warehouse)
    execute(
        wh,
        "update marts.fct_source_accounting set staged_records = staged_records - 1, "
        "is_balanced = false where source = 'cursor__usage_events'",
    )
    result = _gate(wh, "mart", "fct_source_accounting.mart")
    assert result.summary().startswith(
        "fct_source_accounting.mart: expect_column_values_to_be_in_set(is_balanced) "
        "failed on 1 rows"
    ), result.summary()


@pytest.mark.parametrize(("share", "expect_warning"), [(0.001, False), (0.5, True)])
def test_unpriced_usage_share_is_a_warning_above_its_threshold(
    sim_warehouse, copy_of, share, expect_warning
):
    """Mark a share of one month's tokens unpriced: above the threshold it warns, never stops."""
    wh = copy_of(sim_warehouse)
    execute(
        wh,
        f"""
        update marts.fct_ai_usage_daily
        set is_priced = false, model_family = null, list_cost_usd = null
        where usage_date >= date '2025-12-01' and usage_date < date '2026-01-01'
          and hash(usage_daily_id) % 1000 < {int(share * 1000)}
    """,
    )
    result = run_gate(wh, ("mart",))
    assert result.passed, result.summary()
    warned = [
        w
        for w in result.warnings_summary()
        if w.startswith("usage_shares.mart: expect_column_values_to_be_between(unpriced_share)")
    ]
    (unpriced_share,) = query(
        wh,
        """
        select sum(total_tokens) filter (where not is_priced) / sum(total_tokens)
        from marts.fct_ai_usage_daily where usage_date >= date '2025-12-01'
          and usage_date < date '2026-01-01'
    """,
    )[0]
    assert (unpriced_share > result.parameters["max_unpriced_token_share"]) == expect_warning
    assert bool(warned) == expect_warning
