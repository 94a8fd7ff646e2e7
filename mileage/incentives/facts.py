"""The facts every scheme measures, built once from the marts (vectorised pandas).

The atom is a *member month*: one row per (month, team, person) for every roster assignment
overlapping a month of the evaluation window (the months of `fct_team_months`), carrying the
person's tokens, cost and merged PRs attributed to that team in that month. A person who
moved teams mid-month has one row per team, exactly as `fct_team_months` counts headcount.
Team and person figures for any period are aggregations of member months, so a gaming tactic
(stress.py) only has to edit member months and everything downstream follows.

Inputs (`marts` dict, keyed by table name; extra columns ignored):
    int_employee_assignments  employee_key, team_id, role, level, salary_usd, valid_from, valid_to
    fct_team_months           team_id, month_start, bugs
    fct_roadmap_quarters      team_id, quarter_start, planned_points, delivered_points
    fct_pull_requests         author_employee_key, team_id, merged_at, is_merged, is_bot, is_trivial
                              (or pre-aggregated: author_employee_key, team_id, month_start,
                              merged_prs, trivial_merged_prs, first_merged_at, last_merged_at:
                              warehouse.PRS_MONTHLY_SQL)
    fct_ai_usage_daily        employee_key, team_id, usage_date (or month_start [+ active_days]),
                              total_tokens, list_cost_usd
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd

REQUIRED = {
    "int_employee_assignments": [
        "employee_key",
        "team_id",
        "role",
        "level",
        "salary_usd",
        "valid_from",
        "valid_to",
    ],
    "fct_team_months": ["team_id", "month_start", "bugs"],
    "fct_roadmap_quarters": ["team_id", "quarter_start", "planned_points", "delivered_points"],
    "fct_pull_requests": [
        "author_employee_key",
        "team_id",
        "merged_at",
        "is_merged",
        "is_bot",
        "is_trivial",
    ],
    "fct_ai_usage_daily": ["employee_key", "team_id", "total_tokens", "list_cost_usd"],
}
# fct_pull_requests already aggregated to author x team x month (warehouse.PRS_MONTHLY_SQL)
PRS_MONTHLY = [
    "author_employee_key",
    "team_id",
    "month_start",
    "merged_prs",
    "trivial_merged_prs",
    "first_merged_at",
    "last_merged_at",
]
MIN_MONTH_COVERAGE = 0.5
DEFAULT_OUTCOME_WEIGHTS = {"throughput": 0.5, "roadmap": 0.3, "quality": 0.2}
MEMBER_SUMS = [
    "salary_period_usd",
    "person_months",
    "total_tokens",
    "token_cost_usd",
    "active_days",
    "merged_prs",
    "nontrivial_merged_prs",
    "trivial_merged_prs",
]
# The member-month columns that say who is where (the grouping structure). Gaming tactics
# edit only activity columns, so Facts that share these share the cached groupings.
STRUCTURE = [
    "month_start",
    "team_id",
    "employee_key",
    "role",
    "level",
    "salary_usd",
    "last_valid_from",
    "salary_period_usd",
]


def outcome_weights() -> dict[str, float]:
    """The outcome score's weights from dbt_project.yml (vars.outcome_score_weights)."""
    import yaml

    from mileage import config

    try:
        project = yaml.safe_load((config.PROJECT_DIR / "dbt_project.yml").read_text())
        weights = project["vars"]["outcome_score_weights"]
        return {k: float(weights[k]) for k in DEFAULT_OUTCOME_WEIGHTS}
    except (OSError, KeyError, TypeError, ValueError):
        return dict(DEFAULT_OUTCOME_WEIGHTS)


FAR_FUTURE = pd.Timestamp("2200-01-01")


def _timestamps(values) -> pd.Series:
    """Naive datetime64[ns]; missing or far-future dates (open-ended 9999-12-31) become 2200-01-01."""
    s = pd.Series(values)
    if s.dtype == object:
        s = s.map(lambda v: min(pd.Timestamp(v), FAR_FUTURE) if pd.notna(v) else FAR_FUTURE)
    else:
        s = pd.to_datetime(s)
        if getattr(s.dt, "tz", None) is not None:
            s = s.dt.tz_localize(None)
        s = s.where(s < FAR_FUTURE, FAR_FUTURE).fillna(FAR_FUTURE)
    return s.astype("datetime64[ns]")


def _month(values) -> pd.Series:
    s = pd.to_datetime(pd.Series(values))
    return s.dt.to_period("M").dt.to_timestamp()


def period_start(months: pd.Series, period: str) -> pd.Series:
    months = pd.to_datetime(months)
    if period == "month":
        return months.dt.to_period("M").dt.to_timestamp()
    if period == "quarter":
        return months.dt.to_period("Q").dt.to_timestamp()
    if period == "year":
        return months.dt.to_period("Y").dt.to_timestamp()
    raise ValueError(f"unknown period {period!r}")


def period_label(starts: pd.Series, period: str) -> pd.Series:
    starts = pd.to_datetime(starts)
    if period == "month":
        return starts.dt.strftime("%Y-%m")
    if period == "quarter":
        return starts.dt.year.astype(str) + "-Q" + starts.dt.quarter.astype(str)
    return starts.dt.year.astype(str)


def period_end(starts: pd.Series, period: str) -> pd.Series:
    offset = {
        "month": pd.DateOffset(months=1),
        "quarter": pd.DateOffset(months=3),
        "year": pd.DateOffset(years=1),
    }[period]
    return pd.to_datetime(starts) + offset


def _check(marts: dict[str, pd.DataFrame]) -> None:
    problems = []
    for table, columns in REQUIRED.items():
        if table not in marts:
            problems.append(f"{table}: missing")
            continue
        if table == "fct_pull_requests" and "merged_prs" in marts[table].columns:
            columns = PRS_MONTHLY
        missing = [c for c in columns if c not in marts[table].columns]
        if table == "fct_ai_usage_daily" and not (
            {"usage_date", "month_start"} & set(marts[table].columns)
        ):
            missing.append("usage_date or month_start")
        if missing:
            problems.append(f"{table}: missing columns {', '.join(missing)}")
    if problems:
        raise ValueError("incentive facts need: " + "; ".join(problems))


def _members(assignments: pd.DataFrame, months: pd.Series) -> pd.DataFrame:
    a = assignments[
        ["employee_key", "team_id", "role", "level", "salary_usd", "valid_from", "valid_to"]
    ].copy()
    a = a[a["employee_key"].notna() & a["team_id"].notna()]
    a["valid_from"] = _timestamps(a["valid_from"])
    a["valid_to"] = _timestamps(a["valid_to"])
    m = pd.DataFrame({"month_start": pd.to_datetime(months)})
    m["next_month"] = m["month_start"] + pd.DateOffset(months=1)
    m["days_in_month"] = (m["next_month"] - m["month_start"]).dt.days
    x = a.merge(m, how="cross")
    x = x[(x["valid_from"] < x["next_month"]) & (x["valid_to"] > x["month_start"])]
    start = x[["valid_from", "month_start"]].max(axis=1)
    end = x[["valid_to", "next_month"]].min(axis=1)
    x = x.assign(month_fraction=(end - start).dt.days / x["days_in_month"])
    x["salary_period_usd"] = x["salary_usd"].fillna(0.0) / 12.0 * x["month_fraction"]
    x = x.sort_values(["employee_key", "month_start", "valid_from"])
    # several roster rows in one team and month (a raise, a re-hire) make one member month
    g = x.groupby(["month_start", "team_id", "employee_key"], sort=False)
    out = g.agg(
        role=("role", "last"),
        level=("level", "last"),
        salary_usd=("salary_usd", "last"),
        last_valid_from=("valid_from", "max"),
        person_months=("month_fraction", "sum"),
        salary_period_usd=("salary_period_usd", "sum"),
    ).reset_index()
    return out


def _usage(usage: pd.DataFrame) -> pd.DataFrame:
    u = usage[usage["employee_key"].notna() & usage["team_id"].notna()]
    if "month_start" in u.columns:
        u = u.assign(month_start=_month(u["month_start"]).to_numpy())
        if "active_days" not in u.columns:
            u = u.assign(active_days=0)
        g = u.groupby(["month_start", "team_id", "employee_key"])
        return g.agg(
            total_tokens=("total_tokens", "sum"),
            token_cost_usd=("list_cost_usd", "sum"),
            active_days=("active_days", "sum"),
        ).reset_index()
    u = u.assign(
        month_start=_month(u["usage_date"]).to_numpy(),
        usage_day=pd.to_datetime(u["usage_date"]).to_numpy(),
    )
    g = u.groupby(["month_start", "team_id", "employee_key"])
    return g.agg(
        total_tokens=("total_tokens", "sum"),
        token_cost_usd=("list_cost_usd", "sum"),
        active_days=("usage_day", "nunique"),
    ).reset_index()


def _prs(prs: pd.DataFrame) -> pd.DataFrame:
    if "merged_prs" in prs.columns:  # aggregated in SQL (warehouse.PRS_MONTHLY_SQL)
        p = prs[
            (prs["merged_prs"] > 0)
            & prs["month_start"].notna()
            & prs["author_employee_key"].notna()
            & prs["team_id"].notna()
        ]
        p = p.assign(month_start=_month(p["month_start"]).to_numpy())
        g = p.groupby(["month_start", "team_id", "author_employee_key"])
        out = g.agg(
            merged_prs=("merged_prs", "sum"), trivial_merged_prs=("trivial_merged_prs", "sum")
        ).reset_index()
        out["nontrivial_merged_prs"] = out["merged_prs"] - out["trivial_merged_prs"]
        return out.rename(columns={"author_employee_key": "employee_key"})
    p = prs[
        prs["is_merged"].fillna(False).astype(bool)
        & ~prs["is_bot"].fillna(False).astype(bool)
        & prs["author_employee_key"].notna()
        & prs["team_id"].notna()
    ]
    p = p.assign(
        month_start=_month(p["merged_at"]).to_numpy(),
        trivial=p["is_trivial"].fillna(False).astype(bool).astype(int),
    )
    g = p.groupby(["month_start", "team_id", "author_employee_key"])
    out = g.agg(merged_prs=("trivial", "size"), trivial_merged_prs=("trivial", "sum")).reset_index()
    out["nontrivial_merged_prs"] = out["merged_prs"] - out["trivial_merged_prs"]
    return out.rename(columns={"author_employee_key": "employee_key"})


@dataclass(frozen=True)
class Facts:
    """Member months plus the team-level facts that no person owns (bugs, roadmap)."""

    members: pd.DataFrame  # month_start, team_id, employee_key, role, level, ... sums
    team_bugs: pd.DataFrame  # month_start, team_id, bugs
    roadmap: pd.DataFrame  # team_id, quarter_start, planned_points, delivered_points
    weights: dict = field(default_factory=lambda: dict(DEFAULT_OUTCOME_WEIGHTS))
    unmatched: dict = field(default_factory=dict)  # usage/PRs outside any member month
    span: tuple | None = None  # first and last day with data
    dropped_months: list = field(default_factory=list)  # months left out (too little data)

    @property
    def months(self) -> list[pd.Timestamp]:
        return sorted(self.members["month_start"].unique())

    def with_members(self, members: pd.DataFrame) -> Facts:
        """A copy with edited member months (what a gaming tactic produces). When only
        activity columns changed, the copy shares the cached groupings (`structure`)."""
        new = replace(self, members=members)
        if _same_structure(self.members, members):
            new.__dict__["_structure"] = self.structure
        return new

    @property
    def structure(self) -> dict:
        """Caches that depend only on the STRUCTURE columns of the member months (who is on
        which team, in which month, with which role, level and salary)."""
        return self.__dict__.setdefault("_structure", {})

    def _layout(self, period: str | None, keys: tuple[str, ...]) -> tuple[np.ndarray, pd.Index]:
        """Group number of every member month (groups sorted by `keys`, as groupby sorts
        them) and the sorted group keys, for the period's `period_start` plus `keys`
        (period None: the member month's own `month_start`)."""
        cache = self.structure.setdefault("layout", {})
        if (period, keys) not in cache:
            if period is None:
                g = self.members[list(STRUCTURE)].groupby(["month_start", *keys])
            else:
                m = self._period_of(self.members[list(STRUCTURE)], period)
                g = m.groupby(["period_start", *keys])
            codes = g.ngroup().to_numpy()
            index = g.size().index
            if (codes < 0).any():  # a key is missing (never, for member months): no layout
                raise ValueError("member months with a missing key")
            cache[(period, keys)] = (codes, index)
        return cache[(period, keys)]

    def _sums(self, period: str | None, keys: tuple[str, ...], columns) -> pd.DataFrame:
        """members.groupby(["period_start", *keys])[columns].sum() through the cached layout
        (the same per-group sums, in the same order)."""
        codes, index = self._layout(period, keys)
        sums = self.members[columns].groupby(codes, sort=True).sum()
        sums.index = index
        return sums

    @cached_property
    def team_months(self) -> pd.DataFrame:
        """Team x month, with the outcome score computed exactly as macros/outcome_score.sql."""
        m = self.members
        codes, _ = self._layout(None, ("team_id",))
        heads = self.structure.setdefault("team_month_heads", {})
        if "headcount" not in heads:
            people = m["employee_key"].groupby(codes, sort=True)
            heads["headcount"] = people.nunique().to_numpy()
            heads["one_row_per_person"] = bool(
                (people.size().to_numpy() == heads["headcount"]).all()
            )
        if heads["one_row_per_person"]:
            # (month, team, person) is unique, so counting rows counts distinct people
            sums = self._sums(
                None,
                ("team_id",),
                ["total_tokens", "token_cost_usd", "merged_prs", "nontrivial_merged_prs"],
            )
            t = sums.reset_index()
            t.insert(2, "headcount", heads["headcount"])
            active = (m["total_tokens"] > 0).to_numpy()
            t["ai_active_people"] = np.bincount(codes[active], minlength=len(t)).astype("int64")
        else:
            g = m.groupby(["month_start", "team_id"])
            t = g.agg(
                headcount=("employee_key", "nunique"),
                total_tokens=("total_tokens", "sum"),
                token_cost_usd=("token_cost_usd", "sum"),
                merged_prs=("merged_prs", "sum"),
                nontrivial_merged_prs=("nontrivial_merged_prs", "sum"),
            ).reset_index()
            active = m[m["total_tokens"] > 0].groupby(["month_start", "team_id"])["employee_key"]
            t = t.merge(
                active.nunique().rename("ai_active_people").reset_index(),
                on=["month_start", "team_id"],
                how="left",
            )
            t["ai_active_people"] = t["ai_active_people"].fillna(0).astype(int)
        t = t.merge(self.team_bugs, on=["month_start", "team_id"], how="left")
        t["bugs"] = t["bugs"].fillna(0)
        road = self.roadmap.assign(
            attainment=_safe_div(self.roadmap["delivered_points"], self.roadmap["planned_points"])
        )
        t["quarter_start"] = period_start(t["month_start"], "quarter")
        t = t.merge(
            road[["team_id", "quarter_start", "attainment"]],
            on=["team_id", "quarter_start"],
            how="left",
        )
        t = t.rename(columns={"attainment": "roadmap_attainment"})
        t["merged_prs_per_head"] = _safe_div(t["merged_prs"], t["headcount"])
        t["bugs_per_merged_pr"] = _safe_div(t["bugs"], t["merged_prs"])
        bench = t.groupby("month_start")["merged_prs_per_head"].median().rename("bench")
        t = t.merge(bench.reset_index(), on="month_start", how="left")
        w = self.weights
        throughput = (
            np.minimum(_safe_div(t["merged_prs_per_head"], t["bench"]), 2.0) / 2.0
        ).fillna(0.0)
        roadmap = (np.minimum(t["roadmap_attainment"], 1.5) / 1.5).fillna(0.0)
        quality = np.maximum(1.0 - t["bugs_per_merged_pr"], 0.0).fillna(0.0)
        t["outcome_score"] = 100.0 * (
            w["throughput"] * throughput + w["roadmap"] * roadmap + w["quality"] * quality
        )
        return t.drop(columns=["bench"])

    def _period_of(self, frame: pd.DataFrame, period: str) -> pd.DataFrame:
        return frame.assign(period_start=period_start(frame["month_start"], period).to_numpy())

    def team_periods(self, period: str) -> pd.DataFrame:
        """Team x period: sums, per-head figures, AI-active share, roadmap attainment, mean
        monthly outcome score."""
        cache = self.__dict__.setdefault("_team_periods", {})
        if period in cache:
            return cache[period]
        keys = ["period_start", "team_id"]
        t = self._sums(period, ("team_id",), MEMBER_SUMS)
        # people per team and period, and those with any tokens (summed over their months)
        per_person = self._sums(period, ("team_id", "employee_key"), ["total_tokens"])
        team_of_person = self.structure.setdefault("team_of_person", {})
        if period not in team_of_person:
            pairs = per_person.index.droplevel(2)
            team_of_person[period] = (
                t.index.get_indexer(pairs),
                np.bincount(t.index.get_indexer(pairs), minlength=len(t)).astype("int64"),
            )
        owner, headcount = team_of_person[period]
        active = (per_person["total_tokens"].to_numpy() > 0).astype("int64")
        t["headcount"] = headcount
        t["ai_active_people"] = np.bincount(owner, weights=active, minlength=len(t)).astype("int64")
        t = t.reset_index()
        tm = self._period_of(self.team_months, period)
        extra = (
            tm.groupby(keys)
            .agg(
                bugs=("bugs", "sum"),
                outcome_score=("outcome_score", "mean"),
                months=("month_start", "nunique"),
            )
            .reset_index()
        )
        t = t.merge(extra, on=keys, how="left")
        # roadmap: the quarters of the period that overlap the window (a month takes its quarter's)
        window_quarters = set(period_start(pd.Series(self.months), "quarter"))
        road = self.roadmap[self.roadmap["quarter_start"].isin(window_quarters)]
        if period == "month":
            qm = pd.DataFrame({"month_start": self.months})
            qm["quarter_start"] = period_start(qm["month_start"], "quarter")
            road = road.merge(qm, on="quarter_start").rename(
                columns={"month_start": "period_start"}
            )
        else:
            road = road.assign(period_start=period_start(road["quarter_start"], period).to_numpy())
        road = road.groupby(keys)[["planned_points", "delivered_points"]].sum().reset_index()
        t = t.merge(road, on=keys, how="left")
        t["roadmap_attainment"] = _safe_div(t["delivered_points"], t["planned_points"])
        t["delivered_points"] = t["delivered_points"].fillna(0.0)
        head = t["headcount"]
        t["merged_prs_per_head"] = _safe_div(t["merged_prs"], head)
        t["nontrivial_prs_per_head"] = _safe_div(t["nontrivial_merged_prs"], head)
        t["bugs_per_merged_pr"] = _safe_div(t["bugs"], t["merged_prs"])
        t["tokens_per_head"] = _safe_div(t["total_tokens"], head)
        t["token_cost_per_head_usd"] = _safe_div(t["token_cost_usd"], head)
        t["ai_active_share"] = _safe_div(t["ai_active_people"], head)
        cache[period] = t
        return t

    def person_periods(self, period: str) -> pd.DataFrame:
        """Person x period: sums over the person's member months; team, role and level are
        those of the person's latest assignment in the period."""
        cache = self.__dict__.setdefault("_person_periods", {})
        if period in cache:
            return cache[period]
        sums = self._sums(period, ("employee_key",), MEMBER_SUMS)
        latest_cache = self.structure.setdefault("latest", {})
        if period not in latest_cache:
            # the last (non-missing) value per person and period in month / assignment order,
            # grouped on the layout's group numbers instead of the key strings
            codes, index = self._layout(period, ("employee_key",))
            when = self.members[["month_start", "last_valid_from"]].reset_index(drop=True)
            order = when.sort_values(["month_start", "last_valid_from"]).index.to_numpy()
            cols = ["team_id", "role", "level", "salary_usd"]
            latest = self.members[cols].take(order).groupby(codes[order], sort=True).last()
            latest.index = index
            latest_cache[period] = latest
        p = sums.join(latest_cache[period]).reset_index()
        p["ai_active"] = (p["total_tokens"] > 0).astype(float)
        cache[period] = p
        return p

    @cached_property
    def delivered_points(self) -> float:
        """Roadmap points delivered in the quarters overlapping the window."""
        quarters = set(period_start(pd.Series(self.months), "quarter"))
        road = self.roadmap[self.roadmap["quarter_start"].isin(quarters)]
        return float(road["delivered_points"].sum())

    @cached_property
    def person_outcomes(self) -> pd.DataFrame:
        """Per person over the window: non-trivial merged PRs (the person-level outcome)."""
        g = self.members.groupby("employee_key")
        return g.agg(
            nontrivial_merged_prs=("nontrivial_merged_prs", "sum"),
            person_months=("person_months", "sum"),
        ).reset_index()

    @cached_property
    def team_outcomes(self) -> pd.DataFrame:
        """Per team over the window: mean monthly outcome score and person-months."""
        tm = self.team_months
        out = tm.groupby("team_id").agg(outcome_score=("outcome_score", "mean")).reset_index()
        pm = self.members.groupby("team_id")["person_months"].sum().rename("person_months")
        return out.merge(pm.reset_index(), on="team_id", how="left")


def _same_structure(before: pd.DataFrame, after: pd.DataFrame) -> bool:
    if not before.index.equals(after.index):
        return False
    return all(
        c in before.columns and c in after.columns and before[c].equals(after[c]) for c in STRUCTURE
    )


def _safe_div(num, den) -> pd.Series:
    num = pd.Series(num, dtype="float64") if not isinstance(num, pd.Series) else num.astype(float)
    den = den.astype(float) if isinstance(den, pd.Series) else pd.Series(den, dtype="float64")
    out = num / den.where(den != 0)
    return out.astype("float64")


def data_span(usage: pd.DataFrame, prs: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last day with any usage or merged pull request."""
    days = []
    for col in ("usage_date", "first_usage_date", "last_usage_date"):
        if col in usage.columns:
            days.append(pd.to_datetime(usage[col]))
    for col in ("merged_at", "first_merged_at", "last_merged_at"):
        if col in prs.columns:
            days.append(pd.to_datetime(prs[col]))
    every = pd.concat([d.dropna().astype("datetime64[ns]") for d in days])
    if every.empty:
        return None
    return every.min().normalize(), every.max().normalize()


def month_coverage(months: pd.Series, span) -> pd.Series:
    """Share of each month's days inside the data span (1.0 when the span is unknown)."""
    months = pd.to_datetime(pd.Series(months)).astype("datetime64[ns]")
    if span is None:
        return pd.Series(1.0, index=months.index)
    nxt = months + pd.DateOffset(months=1)
    start = months.where(months > span[0], span[0])
    end = nxt.where(nxt < span[1] + pd.Timedelta(days=1), span[1] + pd.Timedelta(days=1))
    days = (end - start).dt.days.clip(lower=0)
    return days / (nxt - months).dt.days


def build_facts(
    marts: dict[str, pd.DataFrame],
    weights: dict | None = None,
    min_month_coverage: float = MIN_MONTH_COVERAGE,
) -> Facts:
    """Member months and team facts for the months of `fct_team_months` that the data covers
    for at least `min_month_coverage` of their days (a trailing month with a day of data
    would otherwise pay a whole month of leaderboard prizes on one day's usage)."""
    if isinstance(marts, Facts):
        return marts
    _check(marts)
    tm = marts["fct_team_months"]
    months = pd.Series(sorted(_month(tm["month_start"]).unique()))
    span = data_span(marts["fct_ai_usage_daily"], marts["fct_pull_requests"])
    coverage = month_coverage(months, span)
    dropped = [m.date().isoformat() for m in months[coverage < min_month_coverage]]
    if len(dropped) < len(months):
        months = months[(coverage >= min_month_coverage).to_numpy()].reset_index(drop=True)
    else:
        dropped = []  # nothing reaches the bar: keep everything rather than nothing
    members = _members(marts["int_employee_assignments"], months)
    keys = ["month_start", "team_id", "employee_key"]
    usage = _usage(marts["fct_ai_usage_daily"])
    prs = _prs(marts["fct_pull_requests"])
    members = members.merge(usage, on=keys, how="left").merge(prs, on=keys, how="left")
    for col in [
        "total_tokens",
        "token_cost_usd",
        "active_days",
        "merged_prs",
        "nontrivial_merged_prs",
        "trivial_merged_prs",
    ]:
        members[col] = members[col].fillna(0).astype("float64")
    for col in ["employee_key", "team_id", "role", "level"]:
        # plain object arrays: pandas' numpy paths beat Arrow strings on these small frames
        members[col] = members[col].astype(object)
    member_keys = pd.MultiIndex.from_frame(members[keys])
    unmatched = {
        "usage_tokens": float(
            usage.loc[
                ~pd.MultiIndex.from_frame(usage[keys]).isin(member_keys), "total_tokens"
            ].sum()
        ),
        "merged_prs": float(
            prs.loc[~pd.MultiIndex.from_frame(prs[keys]).isin(member_keys), "merged_prs"].sum()
        ),
    }
    bugs = tm[["team_id", "month_start", "bugs"]].copy()
    bugs["month_start"] = _month(bugs["month_start"]).to_numpy()
    bugs = bugs.groupby(["month_start", "team_id"])["bugs"].sum().reset_index()
    road = marts["fct_roadmap_quarters"][
        ["team_id", "quarter_start", "planned_points", "delivered_points"]
    ].copy()
    road["quarter_start"] = pd.to_datetime(road["quarter_start"])
    road[["planned_points", "delivered_points"]] = road[
        ["planned_points", "delivered_points"]
    ].astype(float)
    bugs = bugs[bugs["month_start"].isin(set(months))]
    return Facts(
        members=members.reset_index(drop=True),
        team_bugs=bugs,
        roadmap=road,
        weights=weights or outcome_weights(),
        unmatched=unmatched,
        span=span,
        dropped_months=dropped,
    )
