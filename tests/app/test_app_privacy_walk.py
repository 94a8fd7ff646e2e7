"""Issue 24: walk every role, page and data-changing selectbox option on two small
organisations, and check what reaches the screen.

- `all_small`: five people in teams of 3 and 2, leaderboard tiers of 1, 2 and 2: only the
  organisation itself reaches the minimum group size (5).
- `one_small`: the usual fixture: one team of 3 among teams of 5 to 8.

For roles without person-level access, on every state of every page: no number computed here
(from the fixture's rows, not with the app's code) over a group of fewer than 5 people appears
in a table, metric or text; a table row labelled with a small group (team, tier, signal,
status, unpriced model, tool) shows no figure, and on the leadership's tables it is hidden
with another row; no employee id, name, email, email local part, login or another person's
key appears; an engineer's tables name only their own team and themselves. HR, the one role
with person-level access, is walked too (every page renders) and does see names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app_warehouse import (
    ALL_SMALL_TEAMS,
    ALL_SMALL_TIERS,
    APP,
    MONTHS,
    UNPRICED_MODEL,
    Fixture,
    build_warehouse,
)
from mileage.app.labels import signal_label
from mileage.app.privacy import ROLES

K = 5
SCORE = 1.3719  # every gaming signal's score: distinctive, so a leaked mean is recognisable
# A failing roster check and a signal whose evidence quotes identities (issue 24, item 4).
ROSTER_DETAIL = "e.g. {id1}, {id2}; owner {email}, key {key}"


@dataclass
class Org:
    fixture: Fixture
    small_labels: set[str]  # labels of table rows about fewer than K people
    forbidden: list[float]  # figures over fewer than K people
    small_teams: set[str]


def _org(path, **kwargs) -> Org:
    fx = build_warehouse(path, later=True, **kwargs)
    ids = fx.identities
    con = duckdb.connect(str(path))
    try:
        con.execute("update marts.fct_gaming_signals set score = ?", [SCORE])
        con.execute(
            "update marts.fct_gaming_signals set evidence = evidence || ?",
            [f" (seen on {ids.email.iloc[1]}, {ids.employee_id.iloc[2]})"],
        )
        con.execute(
            "insert into quality.validation_results values "
            "('run-2', 'roster', 'expect_column_values_to_be_unique', 'employee_id', "
            "'warning', false, 2, ?)",
            [
                ROSTER_DETAIL.format(
                    id1=ids.employee_id.iloc[0],
                    id2=ids.employee_id.iloc[3],
                    email=ids.email.iloc[4],
                    key=fx.employees.employee_key.iloc[0][:12],
                )
            ],
        )
    finally:
        con.close()
    return Org(fx, *_small_groups(fx))


def _small_groups(fx: Fixture) -> tuple[set[str], list[float], set[str]]:
    """Labels of small groups and the figures computed over them, from the fixture's rows."""
    labels: set[str] = set()
    figures: list[float] = []
    sizes = fx.employees.groupby("team_name").size()
    small_teams = set(sizes[sizes < K].index)
    labels |= small_teams
    tm = fx.team_months
    for row in tm[tm.team_name.isin(small_teams)].itertuples():
        figures += [
            row.total_tokens,
            row.token_cost_usd,
            row.merged_prs_per_million_tokens,
            row.cost_per_merged_pr_usd,
        ]
    eff = fx.later["fct_efficiency_audit"]
    small_ids = set(fx.teams.loc[fx.teams.team_name.isin(small_teams), "team_id"])
    for row in eff[eff.team_id.isin(small_ids)].itertuples():
        figures += [row.spend_usd, row.spend_per_outcome_point_usd]
    usage = fx.usage
    # each person's usage by month and overall
    attributed = usage[usage.employee_key.notna()].copy()
    attributed["month"] = pd.to_datetime(attributed.usage_date).dt.to_period("M")
    for _, group in attributed.groupby(["employee_key", "month"]):
        figures += [group.total_tokens.sum(), group.list_cost_usd.sum()]
    for _, group in attributed.groupby("employee_key"):
        figures += [group.total_tokens.sum(), group.list_cost_usd.sum()]
    # unattributed usage: one shared key
    loose = usage[~usage.is_attributed]
    figures += [loose.total_tokens.sum(), loose.list_cost_usd.sum()]
    for _, group in loose.groupby(["provider", "tool"]):
        figures += [group.total_tokens.sum(), group.list_cost_usd.sum()]
        labels.add(group.tool.iloc[0])
    unpriced = usage[~usage.is_priced]
    figures += [unpriced.total_tokens.sum(), unpriced.requests.sum()]
    labels.add(UNPRICED_MODEL)
    # gaming signals: one person each
    signals = fx.later["fct_gaming_signals"]
    labels |= set(signals.signal) | set(signals.signal.map(signal_label))  # shown by name
    figures.append(SCORE)
    # reconciliation statuses and leaderboard tiers of fewer than K people
    recon = fx.later["fct_usage_reconciliation"]
    for status, group in recon.groupby("status"):
        if group.employee_key.nunique() < K:
            labels.add(status)
            figures += [group.billed_tokens.sum(), group.reported_tokens.sum()]
    board = fx.later["fct_token_leaderboard"]
    for (_month, tier), group in board.groupby(["month_start", "tier"]):
        if group.employee_key.nunique() < K:
            labels.add(tier)
            figures.append(group.total_tokens.sum())
    return labels, [f for f in figures if abs(f) >= 100 or f == SCORE], small_teams


@pytest.fixture(scope="module")
def orgs(tmp_path_factory) -> dict[str, Org]:
    root = tmp_path_factory.mktemp("walk")
    return {
        "all_small": _org(root / "all_small.duckdb", teams=ALL_SMALL_TEAMS, tiers=ALL_SMALL_TIERS),
        "one_small": _org(root / "one_small.duckdb"),
    }


# ---- what is on the screen -------------------------------------------------------------------

_NUMBER = re.compile(r"(?<![\w.])\$?(-?\d[\d,]*(?:\.\d+)?)([KMBT%]?)")
_SCALE = {"": 1, "K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12, "%": 0.01}


def screen_texts(at) -> list[str]:
    kinds = ("markdown", "caption", "info", "warning", "error", "success", "title", "subheader")
    texts = [e.value for kind in kinds for e in getattr(at.main, kind)]
    texts += [f"{m.label} {m.value} {m.help or ''}" for m in at.main.metric]
    texts += [str(s.options) for s in at.main.selectbox]
    texts += [str(s.options) for s in at.sidebar.selectbox]
    return texts


def text_numbers(text: str) -> list[tuple[float, float]]:
    """(value, half a unit of its last shown digit) of every number in `text`."""
    out = []
    for digits, suffix in _NUMBER.findall(text):
        clean = digits.replace(",", "")
        decimals = len(clean.split(".")[1]) if "." in clean else 0
        scale = _SCALE[suffix]
        out.append((float(clean) * scale, 0.5 * 10**-decimals * scale))
    return out


def table_numbers(tables: list[pd.DataFrame]) -> list[float]:
    values = []
    for frame in tables:
        for column in frame.columns:
            if pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(
                frame[column]
            ):
                values += [float(v) for v in frame[column].dropna()]
    return values


def leaked(shown: float, tolerance: float, forbidden: list[float]) -> float | None:
    """The forbidden figure `shown` displays (to its shown precision), if any; a number shown
    to less than 0.1% of a figure (a "1" in "$1k", 106 PRs) is not told apart from it."""
    for f in forbidden:
        if tolerance > abs(f) * 0.001:
            continue
        if abs(shown - f) <= max(tolerance, abs(f) * 1e-9):
            return f
    return None


def check_screen(at, org: Org, role: str, me: str | None, where: str) -> None:
    assert not at.exception, (where, [e.value for e in at.exception])
    check_content(screen_texts(at), [df.value for df in at.main.dataframe], org, role, me, where)


def check_content(
    texts: list[str], tables: list[pd.DataFrame], org: Org, role: str, me: str | None, where: str
) -> None:
    """The walk's checks on what one page state shows: `texts` as read off the screen and
    `tables` as data frames (from AppTest, or a real browser's CSV downloads)."""
    fx = org.fixture
    everything = "\n".join(texts + [t.to_csv() for t in tables])
    if ROLES[role].person_level:
        return
    # identities: nobody's id, name, email, local part or login; nobody else's key
    ids = fx.identities
    for column in ("employee_id", "full_name", "email", "github_login"):
        for value in ids[column]:
            assert not re.search(rf"(?<!\w){re.escape(value)}(?!\w)", everything), (where, value)
    for local in ids.email.str.split("@").str[0]:
        assert local not in everything, (where, local)
    for key in fx.employees.employee_key:
        if key != me:
            assert key[:8] not in everything, (where, "a key", key[:8])
    # numbers computed over fewer than K people
    forbidden = org.forbidden
    if me is not None:  # an engineer's own figures are theirs to see
        mine = fx.usage[fx.usage.employee_key == me]
        own = {mine.total_tokens.sum(), mine.list_cost_usd.sum()}
        mine = mine.assign(month=pd.to_datetime(mine.usage_date).dt.to_period("M"))
        for _, g in mine.groupby("month"):
            own |= {g.total_tokens.sum(), g.list_cost_usd.sum()}
        if me in set(fx.later["fct_gaming_signals"].employee_key):
            own.add(SCORE)  # their own signal's score
        forbidden = [f for f in forbidden if f not in own]
    for value in table_numbers(tables):
        hit = leaked(value, 0.0, forbidden)
        assert hit is None, (where, "table", value)
    for text in texts:
        for value, tolerance in text_numbers(text):
            hit = leaked(value, tolerance, forbidden)
            assert hit is None, (where, text, hit)
    # rows labelled with a small group show no figure (and, for leadership, not alone)
    for frame in tables:
        # pandas 3 reads text as `str`, not `object`: test for strings, not for object
        labels = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c])]
        numeric = [
            c
            for c in frame.columns
            if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
        ]
        if not labels or not numeric:
            continue
        small = frame[labels].isin(org.small_labels).any(axis=1)
        if me is not None and "person" in frame.columns:  # an engineer's own rows are theirs
            small &= frame.person != f"person-{me[:8]}"
        for index in frame.index[small]:
            row = frame.loc[index, numeric]
            assert row.isna().all(), (where, frame.loc[index].to_dict())
        blank = frame[numeric].isna().all(axis=1)
        if role == "leadership" and small.any() and len(frame) > 1:
            assert blank.sum() >= 2, (where, "a small group hidden alone", frame.to_dict())
    # an engineer sees their own team and themselves only
    if me is not None:
        team = fx.employees.set_index("employee_key").at[me, "team_name"]
        for frame in tables:
            if "team_name" in frame.columns:
                assert set(frame.team_name.dropna()) <= {team}, (where, set(frame.team_name))
            if "person" in frame.columns:
                assert set(frame.person) <= {f"person-{me[:8]}"}, (where, set(frame.person))


# ---- the walk --------------------------------------------------------------------------------

PAGE_FILES = {
    "overview": "overview",
    "teams": "teams",
    "audit": "audit",
    "leaderboard": "leaderboard",
    "incentive_lab": "incentive_lab",
    "cost_calculator": "cost_calculator",
    "data_quality": "data_quality",
}
# Selectboxes that only change the cost calculator's scenario (no warehouse figure) and the
# demo sidebar (walked as viewers) are not walked option by option.
NOT_WALKED = ("calc_", "demo_", "lab")


def open_app(role: str, page: str, employee: str | None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["demo_role"] = role
    if employee:
        at.session_state["demo_employee"] = employee
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page(f"app_pages/{PAGE_FILES[page]}.py").run()
    return at


def option_values(org: Org, box) -> list:
    """The values behind a selectbox's shown options (AppTest shows only the labels): months
    by their "%B %Y" label, teams by name."""
    labels = " | ".join(map(str, box.options))
    if "month" in box.key:
        months = [pd.Timestamp(m) for m in MONTHS]
        return [m for m in months if f"{m:%B %Y}" in labels]
    teams = org.fixture.teams
    return [t for t, n in zip(teams.team_id, teams.team_name, strict=True) if n in box.options]


def walk_page(org: Org, role: str, page: str, me: str | None) -> int:
    """Every option of every data-changing selectbox (and each team alone in a multiselect);
    returns how many states were checked."""
    at = open_app(role, page, me)
    where = f"{role}/{page}"
    check_screen(at, org, role, me, where)
    states = 1
    keys = [s.key for s in at.main.selectbox if s.key and not s.key.startswith(NOT_WALKED)]
    for key in keys:
        for value in option_values(org, at.selectbox(key=key)):
            at.selectbox(key=key).set_value(value).run()
            check_screen(at, org, role, me, f"{where} {key}={value}")
            states += 1
    for multi in at.main.multiselect:
        if multi.key and not multi.key.startswith(NOT_WALKED):
            for value in option_values(org, multi):
                at.multiselect(key=multi.key).set_value([value]).run()
                check_screen(at, org, role, me, f"{where} {multi.key}={value}")
                states += 1
    return states


def viewers(org: Org) -> list[tuple[str, str | None]]:
    """Leadership, HR, and an engineer in every team (the first person of each)."""
    people = org.fixture.employees
    engineers = [
        people.loc[people.team_id == t, "employee_key"].iloc[0] for t in people.team_id.unique()
    ]
    if len(engineers) > 2:  # the larger organisation: a small team's and a large team's
        small = people.loc[people.team_name.isin(org.small_teams), "employee_key"].iloc[0]
        engineers = [small, engineers[0]]
    return [("leadership", None), ("hr", None), *(("engineer", e) for e in engineers)]


# the walk takes ~1.5 min per organisation: the second one runs in the slow lane (CI runs both)
@pytest.mark.parametrize("name", ["all_small", pytest.param("one_small", marks=pytest.mark.slow)])
def test_walk_every_role_page_and_option(orgs, serve, name):
    org = orgs[name]
    serve(org.fixture)
    states = 0
    for role, me in viewers(org):
        for page in ROLES[role].pages:
            states += walk_page(org, role, page, me)
    assert states > 40  # the walk did walk


def test_item_4_evidence_and_details_carry_no_identities(orgs, serve):
    """HR still sees the failing roster check's sample and the evidence as recorded."""
    org = orgs["one_small"]
    serve(org.fixture)
    ids = org.fixture.identities
    at = open_app("hr", "data_quality", None)
    assert ids.employee_id.iloc[0] in "\n".join(df.value.to_csv() for df in at.main.dataframe)
    me = org.fixture.employees.employee_key.iloc[0]  # flagged: sees their own signal
    at = open_app("engineer", "audit", me)
    check_screen(at, org, "engineer", me, "engineer/audit")
    evidence = next(df.value for df in at.main.dataframe if "evidence" in df.value.columns)
    assert evidence.evidence.str.contains(r"\[redacted\]").all()
    at = open_app("leadership", "data_quality", None)
    results = next(df.value for df in at.main.dataframe if "detail" in df.value.columns)
    roster = results[results.suite == "roster"].detail.iloc[0]
    assert "sample values shown to HR only" in roster and "[redacted]" in roster
