"""Issue 24 item 3: no demo mode on a real warehouse by accident; localhost unless told."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from app_warehouse import APP
from mileage import cli
from mileage.app import serve


def _calls(monkeypatch, tmp_path):
    monkeypatch.setattr(serve, "secrets_files", lambda: [tmp_path / "no-secrets.toml"])
    calls = []
    monkeypatch.setattr(cli.subprocess, "call", lambda cmd, env, cwd: calls.append((cmd, env)) or 0)
    return calls


def test_mileage_app_refuses_a_real_warehouse_without_auth(monkeypatch, tmp_path, small_warehouse):
    calls = _calls(monkeypatch, tmp_path)
    result = CliRunner().invoke(cli.app, ["app", "--warehouse", str(small_warehouse.path)])
    assert result.exit_code == 1 and not calls
    assert "no [auth] is configured" in result.output and "--demo" in result.output


def test_demo_option_and_address(monkeypatch, tmp_path, small_warehouse):
    calls = _calls(monkeypatch, tmp_path)
    runner = CliRunner()
    assert (
        runner.invoke(
            cli.app, ["app", "--warehouse", str(small_warehouse.path), "--demo"]
        ).exit_code
        == 0
    )
    cmd, env = calls[-1]
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    assert env["MILEAGE_DEMO_MODE"] == "1"
    args = ["app", "--warehouse", str(small_warehouse.path), "--demo", "--address", "0.0.0.0"]
    assert runner.invoke(cli.app, args).exit_code == 0
    cmd, _ = calls[-1]
    assert cmd[cmd.index("--server.address") + 1] == "0.0.0.0"


def test_with_auth_no_demo_mode_is_set(monkeypatch, tmp_path, small_warehouse):
    calls = _calls(monkeypatch, tmp_path)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[auth]\nclient_id = "mileage"\n')
    monkeypatch.setattr(serve, "secrets_files", lambda: [secrets])
    monkeypatch.delenv("MILEAGE_DEMO_MODE", raising=False)
    result = CliRunner().invoke(cli.app, ["app", "--warehouse", str(small_warehouse.path)])
    assert result.exit_code == 0
    assert "MILEAGE_DEMO_MODE" not in calls[-1][1]


def test_the_app_itself_refuses_and_banners(monkeypatch, small_warehouse):
    monkeypatch.setenv("MILEAGE_WAREHOUSE", str(small_warehouse.path))
    monkeypatch.delenv("MILEAGE_DEMO_MODE", raising=False)
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert "not the demo's warehouse" in at.error[0].value
    assert not at.metric and not at.dataframe and not at.sidebar.selectbox
    monkeypatch.setenv("MILEAGE_DEMO_MODE", "1")
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.error and at.metric
    assert "Demo mode" in at.main.markdown[0].value
    at.switch_page("app_pages/data_quality.py").run()
    assert "Demo mode" in at.main.markdown[0].value
