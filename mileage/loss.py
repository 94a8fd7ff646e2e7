"""The loss check: after dbt, a build stops when the raw exports lost too much to publish.

Three rules (thresholds in expectations/thresholds.yml, `loss`):
- a file of a usage or delivery source was rejected whole (nothing of it landed);
- a source's lost records (rejected, not duplicates: marts.fct_source_accounting) exceed its
  share, once it holds enough records for a share to mean something;
- a roster row cannot place a person in a team (rejected for any reason but being a
  duplicate, or a `valid_to` that is not a date, which staging would read as "still current").

Each loss is one line naming the source, the reason, the amount and the first file. With
`accept` the build publishes anyway and `quality.accepted_losses` records what was accepted and
when; without it the pipeline stops (mileage/pipeline.py). The check reads the build's own
warehouse after dbt, since staging's rejects are known only then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import yaml

ACCEPT_OPTION = "--accept-loss"
ACCEPTED_TABLE = "quality.accepted_losses"
DUPLICATE = "(reason like 'duplicate%' or reason like 'parent record rejected: duplicate%')"


@dataclass(frozen=True)
class Loss:
    source: str
    rule: str  # "whole file", "rejected share" or "roster"
    reason: str
    records: int
    bytes: int | None
    tokens: float | None  # NULL: unknown (the source carries no token counts)
    first_file: str
    message: str


@dataclass(frozen=True)
class LossRules:
    whole_file_sources: tuple[str, ...]
    max_lost_record_share: dict[str, float]
    min_raw_records_for_share: int

    def share_for(self, source: str) -> float:
        return float(self.max_lost_record_share.get(source, self.max_lost_record_share["default"]))


def load_rules(directory: Path | None = None) -> LossRules:
    """The `loss` section of expectations/thresholds.yml."""
    from mileage.quality.gate import expectations_dir

    path = (directory or expectations_dir()) / "thresholds.yml"
    section = (yaml.safe_load(path.read_text()) or {}).get("loss") or {}
    shares = dict(section.get("max_lost_record_share") or {})
    if "default" not in shares:
        raise ValueError(f"{path}: loss.max_lost_record_share needs a `default` share")
    return LossRules(
        whole_file_sources=tuple(section.get("whole_file_sources") or ()),
        max_lost_record_share=shares,
        min_raw_records_for_share=int(section.get("min_raw_records_for_share", 0)),
    )


def _amount(records: int, bytes_: int | None, tokens: float | None, *, lower: bool) -> str:
    parts = [f"{records:,} record(s)"]
    if bytes_ is not None:
        parts.append(f"{bytes_:,} bytes")
    if tokens is None:
        parts.append("tokens unknown")
    else:
        parts.append(f"{'at least ' if lower else ''}{tokens:,.0f} tokens")
    return ", ".join(parts)


def find_losses(warehouse: Path, rules: LossRules | None = None) -> list[Loss]:
    """Every loss in a built warehouse that stops a build, whole files first."""
    rules = rules or load_rules()
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        whole = _whole_files(con, rules)
        # a source stopped for a whole file is not named twice for the share that file makes
        stopped = {loss.source for loss in whole}
        shares = [loss for loss in _shares(con, rules) if loss.source not in stopped]
        return [*whole, *_roster(con), *shares]
    finally:
        con.close()


def _whole_files(con, rules: LossRules) -> list[Loss]:
    losses = []
    rows = con.execute(
        """
        select source, count(*), sum(rejected_records), sum(bytes),
               sum(cast(rejected_tokens as double)), count(rejected_tokens),
               min(source_file), arg_min(problem, source_file)
        from landing.file_manifest
        where landed_records = 0 and rejected_records > 0
          and source in (select unnest(?::varchar[]))
        group by source order by source
        """,
        [list(rules.whole_file_sources)],
    ).fetchall()
    for source, files, records, bytes_, tokens, with_tokens, first, problem in rows:
        tokens = tokens if with_tokens else None
        amount = _amount(int(records), int(bytes_), tokens, lower=True)
        losses.append(
            Loss(
                source,
                "whole file",
                problem,
                int(records),
                int(bytes_),
                tokens,
                first,
                f"{source}: {files} file(s) rejected whole ({problem}): {amount}; first {first}",
            )
        )
    return losses


def _roster(con) -> list[Loss]:
    """Roster rows that place nobody in a team, each with its reason, in file order."""
    rows = con.execute(
        f"""
        with unplaced as (
            select source_file, record_path, reason
            from marts.fct_rejected_records
            where source = 'hr__roster' and not {DUPLICATE}
            union all
            select _source_file, _record_path,
                   'valid_to is not a date (it would read as a current assignment)'
            from landing.hr__roster
            where valid_to is not null and try_cast(valid_to as date) is null
              and _record_path not in (
                  select record_path from marts.fct_rejected_records where source = 'hr__roster'
              )
            union all
            -- staged, but in no team: published, the person counts under the unassigned team
            select _source_file, _record_path, 'missing team_id (counted under team unassigned)'
            from landing.hr__roster
            where team_id is null
              and _record_path not in (
                  select record_path from marts.fct_rejected_records where source = 'hr__roster'
              )
        )
        select source_file, record_path, reason from unplaced
        order by source_file, try_cast(replace(record_path, 'line ', '') as bigint)
        """
    ).fetchall()
    if not rows:
        return []
    first_file, first_line, first_reason = rows[0]
    reasons = sorted({reason for _, _, reason in rows})
    return [
        Loss(
            "hr__roster",
            "roster",
            first_reason,
            len(rows),
            None,
            None,
            first_file,
            f"hr__roster: {len(rows)} roster row(s) cannot place a person in a team "
            f"({'; '.join(reasons)}): their tokens, PRs and bugs are missing from or "
            f"misplaced in team figures; first {first_file} {first_line}",
        )
    ]


def _shares(con, rules: LossRules) -> list[Loss]:
    losses = []
    rows = con.execute(
        """
        select source, raw_records, lost_records, lost_record_share, lost_tokens
        from marts.fct_source_accounting
        where raw_records >= ? and lost_records > 0
        order by source
        """,
        [rules.min_raw_records_for_share],
    ).fetchall()
    for source, raw, lost, share, tokens in rows:
        limit = rules.share_for(source)
        if share is None or share <= limit or source == "hr__roster":
            continue
        reason, first_file = con.execute(
            f"""
            select arg_max(reason, records), min(first_file) from (
                select reason, count(*) as records, min(source_file) as first_file
                from marts.fct_rejected_records
                where source = ? and not {DUPLICATE}
                group by reason
            )
            """,
            [source],
        ).fetchone()
        # a line or file landing could not parse carries tokens nobody could read
        (unread,) = con.execute(
            "select count(*) > 0 from marts.fct_rejected_records "
            "where source = ? and rejected_at = 'landing'",
            [source],
        ).fetchone()
        if unread and not tokens:
            tokens = None
        amount = _amount(int(lost), None, tokens, lower=bool(unread))
        losses.append(
            Loss(
                source,
                "rejected share",
                reason,
                int(lost),
                None,
                tokens,
                first_file,
                f"{source}: {lost:,} of {raw:,} records lost ({share:.1%}, above its "
                f"{limit:.1%} threshold; mostly {reason}): {amount}; first {first_file}",
            )
        )
    return losses


def stop_message(losses: list[Loss]) -> str:
    """One line: every loss, then what to do."""
    return (
        "; ".join(loss.message for loss in losses)
        + f". Fix the exports, or publish anyway with {ACCEPT_OPTION} (recorded in the warehouse)"
    )


def record_accepted(warehouse: Path, losses: list[Loss], *, now: datetime | None = None) -> None:
    """(Re)create quality.accepted_losses in `warehouse` with the losses published anyway
    (empty when none were): it describes this build's data, so each build replaces it."""
    at = (now or datetime.now(UTC)).replace(tzinfo=None)
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema if not exists quality")
        con.execute(
            f"""
            create or replace table {ACCEPTED_TABLE} (
                accepted_at timestamp, source varchar, rule varchar, reason varchar,
                records bigint, bytes bigint, tokens double, first_file varchar,
                message varchar
            )"""
        )
        if losses:
            con.executemany(
                f"insert into {ACCEPTED_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        at,
                        x.source,
                        x.rule,
                        x.reason,
                        x.records,
                        x.bytes,
                        x.tokens,
                        x.first_file,
                        x.message,
                    )
                    for x in losses
                ],
            )
    finally:
        con.close()
