"""`mileage`: the command line. Each subcommand is a thin shell over a library function."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from mileage import config
from mileage.bench import bench_command
from mileage.pipeline import BuildReport, StageFailed
from mileage.quality.cli import validate_command
from mileage.simulate.cli import simulate_command

app = typer.Typer(
    help="Mileage: what AI assistance delivers per token and per dollar.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)

app.command("simulate", help="Generate a demo organisation's raw exports (and ground truth).")(
    simulate_command
)
app.command("validate", help="Run the expectations gate against a built warehouse.")(
    validate_command
)
app.command(
    "bench", help="Simulate an organisation and time every stage, with peak memory and the floor."
)(bench_command)


def _fail(stage: str, reason: str) -> typer.Exit:
    console.print(f"[bold red]mileage: stage '{stage}' failed:[/] {escape(reason)}")
    return typer.Exit(code=1)


def run_build(
    raw_dir: Path,
    warehouse: Path,
    *,
    gate: bool = True,
    demo: bool = False,
    incremental: bool = False,
    lock_wait: float = 0.0,
    accept_loss: bool = False,
) -> BuildReport:
    """Build with progress bars; raise typer.Exit(1) with a one-line reason on failure."""
    from mileage.pipeline import build

    _, is_demo_key = config.pseudonym_key()
    if is_demo_key and demo:
        console.print("Demo mode: employee keys use Mileage's public demo pseudonym key.")
    elif is_demo_key and Path(raw_dir).resolve() != config.DEMO_RAW_DIR.resolve():
        console.print(
            f"[yellow]warning:[/] {config.ENV_PSEUDONYM_KEY} is not set: employee keys use the "
            "public demo key. Set it to a secret before building from real exports."
        )
    columns = (
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        tasks: dict[str, int] = {}

        def stage_task(stage: str) -> int:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=None, detail="")
            return tasks[stage]

        def on_stage(stage: str, status: str) -> None:
            task = stage_task(stage)
            if status == "done":
                total = progress.tasks[task].total or progress.tasks[task].completed or 1
                progress.update(task, total=total, completed=total)

        def on_progress(item: str, done: int, total: int) -> None:
            progress.update(stage_task("land"), total=total, completed=done, detail=item)

        def on_dbt_node(node: str, status: str) -> None:
            progress.update(stage_task("dbt build"), advance=1, detail=f"{node}: {status}")

        try:
            report = build(
                raw_dir,
                warehouse,
                run_gate=gate,
                incremental=incremental,
                lock_wait=lock_wait,
                accept_loss=accept_loss,
                on_stage=on_stage,
                on_progress=on_progress,
                on_dbt_node=on_dbt_node,
            )
        except StageFailed as exc:
            raise _fail(exc.stage, exc.reason) from None
    _print_build_report(report)
    return report


def _print_build_report(report: BuildReport) -> None:
    if report.mode == "current":
        console.print(
            f"Incremental build: nothing new since the live build; {report.warehouse} is current."
        )
        return
    if report.full_reason:
        console.print(f"Built in full, not incrementally: {escape(report.full_reason)}.")
    elif report.mode == "incremental":
        plan = report.increment.plan
        since = report.increment.from_date
        console.print(
            f"Incremental build: {len(plan.new_files)} new and {len(plan.changed_files)} changed "
            f"raw file(s); usage recomputed from {since.isoformat() if since else '(no usage)'}."
        )
    table = Table(title=f"Published {report.warehouse}", show_header=True)
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    for stage, seconds in report.stage_seconds.items():
        table.add_row(stage, f"{seconds:.1f}")
    console.print(table)
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}")


@app.command("build")
def build_command(
    raw_dir: Path = typer.Option(
        config.DEMO_RAW_DIR,
        "--raw-dir",
        help="Raw directory laid out as the raw-directory contract.",
    ),
    warehouse: Path = typer.Option(
        None,
        "--warehouse",
        help="Warehouse file to publish (default: $MILEAGE_WAREHOUSE or the demo's).",
    ),
    gate: bool = typer.Option(
        True, "--gate/--no-gate", help="Run the expectations gate before publishing."
    ),
    incremental: bool = typer.Option(
        False,
        "--incremental/--full",
        help="Start from the live warehouse and add only new or changed raw files "
        "(falls back to a full build, saying why, when that is not safe).",
    ),
    wait_for_lock: float = typer.Option(
        0.0,
        "--wait-for-lock",
        min=0.0,
        help="Seconds to wait while another build holds this warehouse's lock "
        "(default 0: stop at once, naming the other build).",
    ),
    accept_loss: bool = typer.Option(
        False,
        "--accept-loss",
        help="Publish even when the loss check would stop the build (a whole rejected usage "
        "or delivery file, a source past its rejected share, an unplaceable roster row); the "
        "accepted losses are recorded in the warehouse and shown on the Data quality page.",
    ),
) -> None:
    """Land raw exports, run `dbt build`, run the expectations gate, publish atomically."""
    run_build(
        raw_dir,
        warehouse or config.warehouse_path(),
        gate=gate,
        incremental=incremental,
        lock_wait=wait_for_lock,
        accept_loss=accept_loss,
    )


@app.command("fetch")
def fetch_command(
    sources: list[str] = typer.Argument(
        ...,
        help="Sources to fetch: anthropic, claude_code, openai, cursor, copilot, github, jira.",
    ),
    raw_dir: Path = typer.Option(
        ..., "--raw-dir", help="Raw directory to fill (the raw-directory contract)."
    ),
    since: str = typer.Option(
        None,
        "--since",
        help="First UTC day (YYYY-MM-DD). Default: where the source's state file says, "
        "re-fetching its last day, or $MILEAGE_FETCH_DEFAULT_DAYS (30) days back.",
    ),
    until: str = typer.Option(
        None, "--until", help="Stop before this UTC day (YYYY-MM-DD, exclusive). Default: now."
    ),
) -> None:
    """Pull the vendors' exports into the raw directory, page by page, unchanged.

    Credentials come from environment variables or $MILEAGE_FETCH_CONFIG /
    ~/.config/mileage/fetch.toml (docs/fetch.md), never from the command line.
    """
    from datetime import date

    from mileage.fetch import FetchError, fetch
    from mileage.fetch.core import parse_until
    from mileage.fetch.settings import SettingsError

    try:
        since_day = date.fromisoformat(since) if since else None
        until_at = parse_until(until)
    except ValueError as exc:
        raise _fail("fetch", f"--since/--until must be YYYY-MM-DD: {exc}") from None
    columns = (
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        TextColumn("{task.completed} file(s)"),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        tasks: dict[str, int] = {}

        def on_progress(source: str, done: int, item: str) -> None:
            if source not in tasks:
                tasks[source] = progress.add_task(source, total=None, detail="")
            progress.update(tasks[source], completed=done, detail=escape(item))

        try:
            report = fetch(
                sources, raw_dir, since=since_day, until=until_at, on_progress=on_progress
            )
        except (FetchError, SettingsError) as exc:
            raise _fail("fetch", str(exc)) from None
    for result in report.results:
        status = f"[red]failed:[/] {escape(result.error)}" if result.error else "ok"
        retried = f", {result.retries} retried request(s)" if result.retries else ""
        console.print(
            f"{result.source}: {len(result.files)} file(s) from {result.since}{retried}: {status}",
            soft_wrap=True,  # one line per source, whatever the terminal's width
        )
    if report.failed:
        raise typer.Exit(code=1)


def serve_app(
    warehouse: Path,
    port: int,
    headless: bool = True,
    *,
    demo: bool = False,
    address: str = config.DEFAULT_APP_ADDRESS,
) -> int:
    if not warehouse.exists():
        raise _fail("app", f"warehouse {warehouse} does not exist: run `mileage build` first")
    from mileage.app.serve import auth_configured_on_disk, streamlit_command

    signed_in = auth_configured_on_disk()
    is_demo = demo or config.is_demo_warehouse(warehouse)
    if not signed_in and not is_demo:
        raise _fail(
            "app",
            f"{warehouse} is not the demo's warehouse and no [auth] is configured in "
            ".streamlit/secrets.toml: configure sign-in (README, Deployment) or pass --demo to "
            "let anyone pick any role, HR included",
        )
    env = dict(os.environ, **{config.ENV_WAREHOUSE: str(warehouse)})
    if is_demo and not signed_in:
        env[config.ENV_DEMO_MODE] = "1"
        console.print("[yellow]Demo mode:[/] no sign-in; anyone who can reach it picks a role.")
    cmd = streamlit_command(port, address=address, headless=headless)
    console.print(f"Serving Mileage on [bold]http://{address}:{port}[/] (Ctrl+C to stop)")
    try:
        return subprocess.call(cmd, env=env, cwd=config.PROJECT_DIR)
    except KeyboardInterrupt:
        return 0


@app.command("app")
def app_command(
    warehouse: Path = typer.Option(
        None, "--warehouse", help="Default: $MILEAGE_WAREHOUSE or the demo's."
    ),
    port: int = typer.Option(8501, "--port"),
    address: str = typer.Option(
        config.DEFAULT_APP_ADDRESS,
        "--address",
        help="Interface to listen on (0.0.0.0: every interface, e.g. behind a proxy).",
    ),
    demo: bool = typer.Option(
        False,
        "--demo",
        help="Serve a warehouse that is not the demo's without sign-in: anyone can pick any "
        "role, HR included; every page says so.",
    ),
) -> None:
    """Serve the Streamlit app on a built warehouse (read-only).

    Without `[auth]` in .streamlit/secrets.toml it serves only the demo's warehouse, unless
    --demo is given."""
    raise typer.Exit(
        serve_app(
            (warehouse or config.warehouse_path()).resolve(), port, demo=demo, address=address
        )
    )


@app.command("demo")
def demo_command(
    employees: int = typer.Option(2000, help="People in the demo organisation."),
    days: int = typer.Option(365, help="Days of history."),
    seed: int = typer.Option(42, help="Random seed (same seed, same data)."),
    out: Path = typer.Option(config.DEMO_RAW_DIR, "--out", help="Raw directory to write."),
    warehouse: Path = typer.Option(config.DEMO_WAREHOUSE, "--warehouse"),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the app at the end."),
    port: int = typer.Option(8501, "--port"),
    accept_loss: bool = typer.Option(
        False,
        "--accept-loss",
        help="Publish even when the loss check would stop the build (a whole rejected usage "
        "or delivery file, a source past its rejected share, an unplaceable roster row); the "
        "accepted losses are recorded in the warehouse and shown on the Data quality page.",
    ),
) -> None:
    """The main job: simulate the demo organisation, build the warehouse, serve the app."""
    ctx_args = [
        "--out",
        str(out),
        "--employees",
        str(employees),
        "--days",
        str(days),
        "--seed",
        str(seed),
    ]
    try:
        # Reuse the simulate command so the demo shows exactly what `mileage simulate` shows.
        app(["simulate", *ctx_args], standalone_mode=False)
    except typer.Exit as exc:
        if exc.exit_code:
            raise
    except Exception as exc:
        raise _fail("simulate", str(exc)) from None
    run_build(out, warehouse, demo=True, accept_loss=accept_loss)
    if serve:
        raise typer.Exit(serve_app(warehouse.resolve(), port, demo=True))


@app.command("docs")
def docs_command(
    warehouse: Path = typer.Option(
        None, "--warehouse", help="Default: $MILEAGE_WAREHOUSE or the demo's."
    ),
    out: Path = typer.Option(config.PROJECT_DIR / "artifacts" / "dbt_docs", "--out"),
) -> None:
    """Generate the dbt docs offline (a single static_index.html) and MetricFlow's manifest."""
    import shutil

    from mileage.dbt_runner import DbtError, run_dbt

    warehouse = (warehouse or config.warehouse_path()).resolve()
    if not warehouse.exists():
        raise _fail("docs", f"warehouse {warehouse} does not exist: run `mileage build` first")
    try:
        result = run_dbt(["docs", "generate", "--static"], warehouse=warehouse, target_path=out)
    except DbtError as exc:
        raise _fail("docs", str(exc)) from None
    target = config.PROJECT_DIR / "target"
    target.mkdir(exist_ok=True)
    manifest = result.target_path / "semantic_manifest.json"
    if manifest.exists():
        shutil.copy(manifest, target / "semantic_manifest.json")
    console.print(f"dbt docs: open [bold]{out / 'static_index.html'}[/] in a browser")


def main() -> None:  # pragma: no cover - console script entry
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
