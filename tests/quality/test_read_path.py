"""The gate's fast read path (Arrow, dictionary codes, read-ahead) gives the frames and failure
reports the plain path gave: `for_gx(con.execute(sql).df())`, strings as strings."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from mileage.quality import run_gate
from mileage.quality.assets import assets_for
from mileage.quality.gate import (
    _coded_columns,
    _columns_of,
    _quote,
    _referenced_columns,
    for_gx,
    load_suite,
    load_thresholds,
    read_asset,
)
from quality.conftest import execute, query


def test_only_null_and_uniqueness_columns_are_coded():
    suite = {
        "expectations": [
            {"type": "expect_table_columns_to_match_set", "kwargs": {"column_set": ["a", "tool"]}},
            {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "id"}},
            {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": ["f", "p"]}},
            {
                "type": "expect_column_values_to_not_be_null",
                "kwargs": {
                    "column": "who",
                    "row_condition": {
                        "type": "comparison",
                        "column": {"name": "flag"},
                        "operator": "==",
                        "parameter": True,
                    },
                },
            },
            # a value set, a pattern and a row condition each need the real strings
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "tool"}},
            {
                "type": "expect_column_values_to_be_in_set",
                "kwargs": {"column": "tool", "value_set": ["x"]},
            },
            {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "p"}},
            {
                "type": "expect_column_values_to_match_regex",
                "kwargs": {"column": "p", "regex": "^a"},
            },
            {"type": "expect_column_values_to_be_null", "kwargs": {"column": "flag"}},
        ]
    }
    assert _coded_columns(suite) == {"id", "f", "who"}


def _plain_frames(con, asset, suite, settings) -> list[pd.DataFrame]:
    """The frames as the gate built them before the Arrow path (reference implementation)."""
    sql = asset.select_sql(settings)
    available = _columns_of(con, sql)
    columns = _referenced_columns(suite, available) or available[:1]
    frames = list(read_asset(con, asset, suite, settings).batches)
    if len(frames) != 1:
        pytest.skip("reference comparison reads single-batch frames")
    select = ", ".join(_quote(c) for c in columns)
    return [
        for_gx(
            con.execute(f"select {select} from ({sql})").df(),
            [c for c in available if c not in columns],
        )
    ]


@pytest.mark.parametrize("stage", ["raw", "mart"])
def test_arrow_frames_equal_the_plain_frames(tiny_warehouse, stage):
    """Every asset: same columns, same dtypes (strings: categoricals), same values, row by row;
    coded columns decode to the strings they stand for."""
    _, settings = load_thresholds()
    con = duckdb.connect(str(tiny_warehouse.warehouse), read_only=True)
    try:
        for asset in assets_for(stage):
            if asset.name in ("column_types", "mart_coverage"):
                continue
            suite = load_suite(asset.suite_name)
            (expected,) = _plain_frames(con, asset, suite, settings)
            frames = read_asset(con, asset, suite, settings)
            (got,) = list(frames.batches)
            codes = frames.codes.get(id(got), {})
            assert list(got.columns) == list(expected.columns), asset.suite_name
            for column in expected.columns:
                want, have = expected[column], got[column]
                if column in codes:
                    words = codes[column].to_pylist()
                    have = pd.Series(
                        [None if pd.isna(v) else words[int(v)] for v in have], dtype=object
                    )
                    want = want.astype(object).where(want.notna(), None)
                    assert want.tolist() == have.tolist(), (asset.suite_name, column)
                    continue
                if isinstance(want.dtype, pd.CategoricalDtype):
                    assert isinstance(have.dtype, pd.CategoricalDtype), (asset.suite_name, column)
                    assert set(want.cat.categories) == set(have.cat.categories)
                    want, have = want.astype(object), have.astype(object)
                else:
                    assert have.dtype == want.dtype, (asset.suite_name, column, have.dtype)
                assert want.equals(have), (asset.suite_name, column)
    finally:
        con.close()


def test_failing_coded_values_are_reported_as_their_strings(tiny_warehouse, copy_of):
    """Duplicated and null keys read as codes still fail with the real key in the detail."""
    wh = copy_of(tiny_warehouse)
    (key,) = query(wh, "select employee_key from marts.dim_employees order by 1 limit 1")[0]
    source_file, record_path = query(
        wh, "select _source_file, _record_path from landing.hr__roster order by 1, 2 limit 1"
    )[0]
    execute(
        wh,
        f"insert into marts.dim_employees select * from marts.dim_employees "
        f"where employee_key = '{key}'",
        "insert into landing.hr__roster select * from landing.hr__roster "
        f"where _source_file = '{source_file}' and _record_path = '{record_path}'",
        "update marts.dim_employees set team_id = null "
        "where employee_key = (select max(employee_key) from marts.dim_employees)",
    )
    result = run_gate(wh)
    failed = {(o.suite, o.expectation_type, o.column_name): o for o in result.critical_failures}

    unique = failed[("dim_employees.mart", "expect_column_values_to_be_unique", "employee_key")]
    assert unique.unexpected_count == 2
    assert unique.detail == f"e.g. {key}, {key}"

    compound = failed[
        ("hr__roster.raw", "expect_compound_columns_to_be_unique", "_source_file,_record_path")
    ]
    assert compound.unexpected_count == 2
    assert f"'_source_file': '{source_file}'" in compound.detail
    assert f"'_record_path': '{record_path}'" in compound.detail

    null = failed[("dim_employees.mart", "expect_column_values_to_not_be_null", "team_id")]
    assert null.unexpected_count == 1
