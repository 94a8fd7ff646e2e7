"""`mileage validate`: run the expectations gate against a built warehouse."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from mileage import config

console = Console(stderr=True, soft_wrap=True)


def _listed(values: list[str]) -> tuple[str, ...]:
    """A repeatable option's values, each possibly comma-separated, in order, once each."""
    return tuple(
        dict.fromkeys(v.strip() for value in values for v in value.split(",") if v.strip())
    )


def validate_command(
    warehouse: Path = typer.Option(
        None,
        "--warehouse",
        help="Warehouse to validate (default: $MILEAGE_WAREHOUSE or the demo's).",
    ),
    stage: list[str] = typer.Option(
        ["raw", "mart"],
        "--stage",
        help="Stage(s) to validate: raw (landing tables), mart (public marts).",
    ),
    suite: list[str] = typer.Option(
        [],
        "--suite",
        help="Only these suites of the stages (e.g. fct_bugs.mart); repeat or comma-separate.",
    ),
    docs: bool = typer.Option(
        False, "--docs", help="Also build GX Data Docs (offline HTML) into artifacts/data_docs/."
    ),
) -> None:
    """Validate the warehouse with the suites in expectations/; exit 1 on a critical failure."""
    from mileage.quality.gate import default_docs_dir, run_gate

    path = Path(warehouse or config.warehouse_path()).expanduser().resolve()
    if not path.exists():
        console.print(f"[bold red]mileage validate:[/] warehouse {path} does not exist")
        raise typer.Exit(code=1)
    stages = _listed(stage)
    bad = [s for s in stages if s not in ("raw", "mart")]
    if bad or not stages:
        console.print(
            f"[bold red]mileage validate:[/] unknown stage {', '.join(bad) or '(none)'}"
            " (choose raw, mart)"
        )
        raise typer.Exit(code=2)
    suites = _listed(suite)
    with console.status("Validating...") as status:

        def progress(item: str, done: int, total: int) -> None:
            status.update(f"Validating {item} ({done}/{total})")

        try:
            result = run_gate(
                path,
                stages,
                progress,
                docs_dir=default_docs_dir() if docs else None,
                suites=suites,
            )
        except ValueError as exc:  # an unknown suite
            console.print(f"[bold red]mileage validate:[/] {escape(str(exc))}")
            raise typer.Exit(code=2) from exc
    for line in result.warnings_summary():
        console.print(f"[yellow]warning:[/] {escape(line)}")
    if result.docs_index:
        console.print(f"Data Docs: {escape(str(result.docs_index))}")
    if not result.passed:
        console.print(f"[bold red]expectations failed:[/] {escape(result.summary())}")
        raise typer.Exit(code=1)
    console.print(f"[green]{escape(result.summary())}[/] in {result.seconds:.1f} s")
