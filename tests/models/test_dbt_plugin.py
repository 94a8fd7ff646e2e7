"""mileage.dbt_plugin: the pseudonymisation pads as DuckDB session variables."""

from __future__ import annotations

import hashlib
import hmac

import duckdb
import pytest

from mileage.dbt_plugin import PAD_VARIABLES, MalformedPseudonymPad, set_pad_variables
from mileage.dbt_runner import dbt_env


@pytest.fixture
def pad_env(monkeypatch):
    monkeypatch.setenv("MILEAGE_PSEUDONYM_KEY", "a test key")
    env = dbt_env(None)
    for name in PAD_VARIABLES:
        monkeypatch.setenv(name, env[name])
    return env


def test_variables_give_the_hmac_of_the_key(pad_env):
    con = duckdb.connect()
    set_pad_variables(con)
    # HMAC(K, m) = H(opad || H(ipad || m)), the construction macros/pseudonymise.sql uses
    (found,) = con.execute(
        "select sha256(getvariable('mileage_pseudonym_opad') || "
        "unhex(sha256(getvariable('mileage_pseudonym_ipad') || encode('E1'))))"
    ).fetchone()
    assert found == hmac.new(b"a test key", b"E1", hashlib.sha256).hexdigest()


def test_each_cursor_gets_its_own_variables(pad_env):
    con = duckdb.connect()
    set_pad_variables(con)
    cursor = con.cursor()
    assert cursor.execute("select getvariable('mileage_pseudonym_ipad')").fetchone() == (None,)
    set_pad_variables(cursor)
    (pad,) = cursor.execute("select getvariable('mileage_pseudonym_ipad')").fetchone()
    assert pad.hex() == pad_env["MILEAGE_PSEUDONYM_IPAD_HEX"]


def test_without_pads_the_variables_stay_unset(pad_env, monkeypatch):
    """A connection that needs no key (mf query, dbt docs) still opens; the macro's guard
    fails a model that pseudonymises."""
    for name in PAD_VARIABLES:
        monkeypatch.delenv(name)
    con = duckdb.connect()
    set_pad_variables(con)
    assert con.execute("select getvariable('mileage_pseudonym_ipad')").fetchone() == (None,)


@pytest.mark.parametrize("value", ["", "zz" * 64, "ab" * 63])
def test_malformed_pads_fail_loudly(pad_env, monkeypatch, value):
    monkeypatch.setenv("MILEAGE_PSEUDONYM_OPAD_HEX", value)
    with pytest.raises(MalformedPseudonymPad, match="MILEAGE_PSEUDONYM_OPAD_HEX"):
        set_pad_variables(duckdb.connect())


def test_one_pad_without_the_other_fails(pad_env, monkeypatch):
    monkeypatch.delenv("MILEAGE_PSEUDONYM_IPAD_HEX")
    with pytest.raises(MalformedPseudonymPad, match="or neither"):
        set_pad_variables(duckdb.connect())


def test_a_model_fails_naming_the_missing_key(tiny_build, tmp_path):
    """dbt run without the pads (not through `mileage build`): the staging model that
    pseudonymises fails with the macro's message instead of hashing with an empty key."""
    import shutil

    from mileage.dbt_runner import run_dbt

    warehouse = tmp_path / tiny_build.warehouse.name  # same name: dbt's parse state is reused
    shutil.copy(tiny_build.warehouse, warehouse)
    run = run_dbt(
        ["run", "--select", "stg_hr__roster"],
        warehouse=warehouse,
        extra_env=dict.fromkeys(PAD_VARIABLES),
        target_path=tmp_path / "target",
        check=False,
    )
    assert run.returncode != 0
    assert any("no pseudonymisation key" in failure for failure in run.failures), run.failures
