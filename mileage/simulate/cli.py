"""`mileage simulate`: the typer command (registered by mileage/cli.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from mileage import config
from mileage.simulate.core import ground_truth_dir, simulate
from mileage.simulate.options import DEFAULT_GAMING_RATES, OptionsError, SimulationOptions

_DEFAULTS = SimulationOptions()


def _rate(name: str) -> float:
    return typer.Option(
        DEFAULT_GAMING_RATES[name],
        f"--{name.replace('_', '-')}-rate",
        help=f"Share of people planted as {name.replace('_', ' ')}s (0 disables; "
        "any rate > 0 plants at least one).",
    )


def simulate_command(
    out: Path = typer.Option(
        config.DEMO_RAW_DIR,
        "--out",
        help="Raw directory to write (its contract folders are replaced); "
        "ground truth goes to OUT/../ground_truth.",
    ),
    employees: int = typer.Option(
        _DEFAULTS.employees,
        "--employees",
        help="Distinct people over the period (joiners included).",
    ),
    days: int = typer.Option(_DEFAULTS.days, "--days", help="Days of history."),
    start: str = typer.Option(
        _DEFAULTS.start.isoformat(), "--start", help="First day, YYYY-MM-DD."
    ),
    seed: int = typer.Option(_DEFAULTS.seed, "--seed", help="Random seed (same seed, same bytes)."),
    bucket: str = typer.Option(
        _DEFAULTS.bucket, "--bucket", help="Anthropic/OpenAI usage bucket width: 1h or 1d."
    ),
    pr_spammer_rate: float = _rate("pr_spammer"),
    always_on_bot_rate: float = _rate("always_on_bot"),
    referral_inflater_rate: float = _rate("referral_inflater"),
    telemetry_inflater_rate: float = _rate("telemetry_inflater"),
    unattended_agent_rate: float = _rate("unattended_agent"),
    prompt_stuffer_rate: float = _rate("prompt_stuffer"),
) -> None:
    """Generate a synthetic organisation's raw exports (vendor formats) and its ground truth."""
    err = Console(stderr=True)
    try:
        start_day = date.fromisoformat(start)
    except ValueError:
        err.print(
            f"[bold red]mileage simulate: error:[/] --start must be YYYY-MM-DD, got {start!r}",
            soft_wrap=True,
        )
        raise typer.Exit(code=2) from None
    options = SimulationOptions(
        employees=employees,
        days=days,
        start=start_day,
        seed=seed,
        bucket=bucket,
        pr_spammer_rate=pr_spammer_rate,
        always_on_bot_rate=always_on_bot_rate,
        referral_inflater_rate=referral_inflater_rate,
        telemetry_inflater_rate=telemetry_inflater_rate,
        unattended_agent_rate=unattended_agent_rate,
        prompt_stuffer_rate=prompt_stuffer_rate,
    )
    try:
        options.validate()
    except OptionsError as exc:
        err.print(f"[bold red]mileage simulate: error:[/] {exc}", soft_wrap=True)
        raise typer.Exit(code=2) from None
    columns = (
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=False) as bar:
        tasks: dict[str, int] = {}

        def on_progress(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done, total=total)

        try:
            summary = simulate(out, options, progress=on_progress)
        except OptionsError as exc:
            bar.stop()
            err.print(f"[bold red]mileage simulate: error:[/] {exc}", soft_wrap=True)
            raise typer.Exit(code=2) from None
    typer.echo(
        f"Wrote {summary.files_written} files, {summary.total_records:,} records, "
        f"{summary.bytes_written / 1e6:.0f} MB to {summary.out_dir} in {summary.seconds:.1f} s "
        f"({summary.people} people, {summary.teams} teams); ground truth in "
        f"{ground_truth_dir(summary.out_dir)}"
    )
