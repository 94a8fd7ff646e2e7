"""Who may see what: roles, person-level rows and minimum-group-size suppression.

Rules (issue 8):
- leadership sees team level and above only, never a person's row;
- hr sees people (where a scheme pays people) and may see names;
- engineer sees their own figures and their own team's;
- any team-level figure for a group smaller than the minimum group size is suppressed, visibly,
  for every role without person-level access.

Plain Python: pages call these functions on DataFrames before anything reaches the screen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from mileage import config


@dataclass(frozen=True)
class Role:
    key: str
    label: str
    description: str
    person_level: bool  # may see rows about other individual people
    sees_names: bool  # may see names and emails (restricted.employee_identities)
    all_teams: bool  # may see every team (otherwise only their own)
    pages: tuple[str, ...] = field(default=())


ALL_PAGES = (
    "overview",
    "teams",
    "audit",
    "leaderboard",
    "incentive_lab",
    "cost_calculator",
    "data_quality",
)

ROLES: dict[str, Role] = {
    "leadership": Role(
        key="leadership",
        label="Leadership",
        description="Team level and above; no individual is ever shown.",
        person_level=False,
        sees_names=False,
        all_teams=True,
        pages=("overview", "teams", "audit", "leaderboard", "cost_calculator", "data_quality"),
    ),
    "hr": Role(
        key="hr",
        label="HR",
        description="People-level figures where a bonus scheme pays people, with names.",
        person_level=True,
        sees_names=True,
        all_teams=True,
        pages=ALL_PAGES,
    ),
    "engineer": Role(
        key="engineer",
        label="Engineer",
        description="Your own figures and your own team's.",
        person_level=False,
        sees_names=False,
        all_teams=False,
        pages=("overview", "teams", "audit", "leaderboard", "cost_calculator", "data_quality"),
    ),
}

DEFAULT_ROLE = "leadership"


def suppression_note(min_group_size: int) -> str:
    return f"fewer than {min_group_size} people"


@dataclass(frozen=True)
class Viewer:
    """The person looking at the app, as far as access rules are concerned."""

    role: Role
    employee_key: str | None = None  # engineers: who they are
    team_id: str | None = None  # engineers: their current team
    min_group_size: int = config.DEFAULT_MIN_GROUP_SIZE

    @property
    def note(self) -> str:
        return suppression_note(self.min_group_size)

    def may_open(self, page: str) -> bool:
        return page in self.role.pages

    def suppresses(self, group_size: float | None) -> bool:
        """Whether a figure about a group of `group_size` people must be hidden from this viewer."""
        if self.role.person_level:
            return False
        if group_size is None or pd.isna(group_size):
            return True
        return int(group_size) < self.min_group_size

    def may_see_team(self, team_id: str | None) -> bool:
        return self.role.all_teams or (team_id is not None and team_id == self.team_id)

    def may_see_person(self, employee_key: str | None) -> bool:
        if self.role.person_level:
            return True
        return employee_key is not None and employee_key == self.employee_key

    def visible_teams(self, team_ids: Iterable[str]) -> list[str]:
        return [t for t in team_ids if self.may_see_team(t)]


def make_viewer(
    role: str,
    *,
    employee_key: str | None = None,
    team_id: str | None = None,
    min_group_size: int | None = None,
) -> Viewer:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {sorted(ROLES)}")
    if role == "engineer" and not employee_key:
        raise ValueError("an engineer viewer needs their employee_key")
    return Viewer(
        role=ROLES[role],
        employee_key=employee_key,
        team_id=team_id,
        min_group_size=config.min_group_size() if min_group_size is None else min_group_size,
    )


COMPLEMENT_NOTE = "hidden so a smaller group's figures can't be worked out from the total"


def suppression_plan(
    sizes: Sequence[float | None], min_group_size: int, complement: bool = True
) -> list[str | None]:
    """Which of the groups that make up a shown total must be hidden, and why.

    Primary suppression: every group smaller than `min_group_size` ("small"). Complementary
    suppression: when the hidden groups could be recovered by subtracting the shown groups from
    the total (only one hidden, or hidden groups adding up to fewer than `min_group_size`
    people), the smallest shown groups are hidden too ("complement") until at least two groups
    and `min_group_size` people are hidden together.
    """

    def size(i: int) -> float:
        value = sizes[i]
        return 0.0 if value is None or pd.isna(value) else float(value)

    reasons: dict[int, str] = {
        i: "small"
        for i, value in enumerate(sizes)
        if value is None or pd.isna(value) or float(value) < min_group_size
    }
    if reasons and complement:
        hidden = sum(size(i) for i in reasons)
        shown = sorted(
            (i for i in range(len(sizes)) if i not in reasons), key=lambda i: (size(i), i)
        )
        while shown and (len(reasons) < 2 or hidden < min_group_size):
            i = shown.pop(0)
            reasons[i] = "complement"
            hidden += size(i)
    return [reasons.get(i) for i in range(len(sizes))]


def suppress_small_groups(
    frame: pd.DataFrame,
    viewer: Viewer,
    value_columns: Sequence[str],
    size_column: str = "headcount",
    partition: str | None = "month_start",
    note_column: str = "note",
    complement: bool = True,
) -> pd.DataFrame:
    """Blank `value_columns` (and the size) on rows the viewer may not see, saying why.

    Rows are the groups that add up to a total shown elsewhere (teams in a month of the
    organisation total): pass the whole partition, before any filtering, so complementary
    suppression sees every group. `complement=False` for breakdowns whose total is not shown
    beside them as a sum of the same groups. Adds `is_suppressed` and `note_column` ("fewer than N people",
    or why a larger group was hidden with it). Roles with person-level access see everything.
    """
    out = frame.copy()
    reasons = pd.Series([None] * len(out), index=out.index, dtype="object")
    if not viewer.role.person_level:
        groups = out.groupby(partition, sort=False).groups if partition else {None: out.index}
        for index in groups.values():
            plan = suppression_plan(
                list(out.loc[index, size_column]), viewer.min_group_size, complement
            )
            reasons.loc[index] = plan
    mask = reasons.notna()
    for column in [c for c in [*value_columns, size_column] if c in out.columns]:
        if _numeric(out[column]):
            out[column] = out[column].astype("float64")
        out.loc[mask, column] = None
    out["is_suppressed"] = mask.astype(bool)
    out[note_column] = [
        viewer.note if r == "small" else COMPLEMENT_NOTE if r == "complement" else ""
        for r in reasons
    ]
    return out


def _numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def visible_people(frame: pd.DataFrame, viewer: Viewer, key_column: str = "employee_key"):
    """Only the rows about people the viewer may see (all for HR, self for engineers, none else)."""
    if viewer.role.person_level:
        out = frame.copy()
    elif viewer.employee_key is None:
        out = frame.iloc[0:0].copy()
    else:
        out = frame[frame[key_column] == viewer.employee_key].copy()
    out.attrs[GATED] = True  # only rows about people this viewer may see
    return out


def short_key(employee_key: str | None, missing_label: str = "unattributed") -> str:
    """A short, stable display form of a pseudonymous key (never a name)."""
    if employee_key is None or pd.isna(employee_key):
        return missing_label
    return f"person-{str(employee_key)[:8]}"


def present_people(
    frame: pd.DataFrame,
    viewer: Viewer,
    identities: pd.DataFrame | None = None,
    key_column: str = "employee_key",
    missing_label: str = "unattributed",
) -> pd.DataFrame:
    """Replace raw keys by a display column; add names and emails only for roles allowed them."""
    out = frame.copy()
    position = 0  # who first
    person = (
        out[key_column].map(lambda k: short_key(k, missing_label))
        if key_column in out.columns
        else None
    )
    if viewer.role.sees_names and identities is not None and key_column in out.columns:
        named = identities.set_index("employee_key")
        out.insert(position, "email", out[key_column].map(named["email"]))
        out.insert(position, "full_name", out[key_column].map(named["full_name"]))
    if person is not None:
        out.insert(position, "person", person)
        out = out.drop(columns=[key_column])
    return out


def role_for_email(email: str | None, mapping: Mapping[str, Iterable[str]]) -> str:
    """The role of a logged-in user from a `{role: [emails or @domains]}` mapping.

    Exact emails win over domains; anyone not listed is an engineer (the least privilege that
    still shows them their own figures).
    """
    if not email:
        return "engineer"
    email = email.strip().lower()
    domain = "@" + email.split("@", 1)[1] if "@" in email else None
    for role in ("hr", "leadership", "engineer"):
        entries = {e.strip().lower() for e in mapping.get(role, ())}
        if email in entries:
            return role
    for role in ("hr", "leadership", "engineer"):
        entries = {e.strip().lower() for e in mapping.get(role, ())}
        if domain and domain in entries:
            return role
    return "engineer"


# ---- the gate: every figure shown to a role without person-level access passes here -------


@dataclass(frozen=True)
class Figures:
    """What a query's figures rest on: its declaration to the gate.

    `people` names the column counting the distinct people each row's figures rest on (None:
    the table is not about people, e.g. record counts of a source). `values` are the figures
    blanked on a hidden row. `narrower` maps a figure to a column counting the fewer people it
    rests on (a team's flagged spend rests on its flagged people, not its headcount). Rows that
    add up to a total shown elsewhere (`complement`) get complementary suppression within each
    `partition`. `text` columns are free text scrubbed of identities for roles without names.
    """

    people: str | None
    values: tuple[str, ...] = ()
    partition: str | None = None
    complement: bool = True
    narrower: Mapping[str, str] = field(default_factory=dict)
    text: tuple[str, ...] = ()


GATED = "mileage_gated"  # DataFrame.attrs flag: this frame passed the gate


def gate(
    frame: pd.DataFrame,
    viewer: Viewer,
    figures: Figures,
    identities: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The one suppression step: blank what rests on fewer than the minimum group size.

    Whole rows by `figures.people` (with complementary suppression, as `suppress_small_groups`),
    then single figures by their `narrower` people counts (a zero count hides nobody, so it
    stays), then identities in `text` columns. Roles with person-level access get the frame
    unchanged (still marked as gated).
    """
    if figures.people is None:
        out = frame.copy()
    else:
        out = suppress_small_groups(
            frame,
            viewer,
            list(figures.values),
            size_column=figures.people,
            partition=figures.partition,
            complement=figures.complement,
        )
    if not viewer.role.person_level:
        for value, size_column in figures.narrower.items():
            if value in out.columns:
                sizes = pd.to_numeric(frame_column(frame, size_column), errors="coerce")
                _suppress_narrower(out, viewer, value, sizes, figures)
        for column in figures.text:
            if column in out.columns:
                out[column] = [scrub(t, identities) for t in out[column]]
    out.attrs[GATED] = True
    return out


def _suppress_narrower(
    out: pd.DataFrame, viewer: Viewer, value: str, sizes: pd.Series, figures: Figures
) -> None:
    """Blank `value` where it rests on fewer people (`sizes`, as queried: the row step may
    have blanked the count itself) than the minimum, with complements in each partition."""
    groups = out.groupby(figures.partition, sort=False).groups if figures.partition else None
    index_sets = list(groups.values()) if groups is not None else [out.index]
    hide = []
    for index in index_sets:
        someone = [i for i in index if not (pd.notna(sizes[i]) and sizes[i] == 0)]
        plan = suppression_plan(
            [sizes[i] for i in someone], viewer.min_group_size, figures.complement
        )
        hide += [i for i, reason in zip(someone, plan, strict=True) if reason]
    if not hide:
        return
    if "is_suppressed" not in out.columns:
        out["is_suppressed"] = False
        out["note"] = ""
    if _numeric(out[value]):
        out[value] = out[value].astype("float64")
    out.loc[hide, value] = None
    out.loc[hide, "is_suppressed"] = True
    blank = [i for i in hide if not out.at[i, "note"]]
    out.loc[blank, "note"] = f"some figures hidden: {viewer.note}"


def frame_column(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column] if column in frame.columns else pd.Series(None, index=frame.index)


def gate_value(value, people: float | None, viewer: Viewer):
    """A single figure (a headline metric) resting on `people` people: None when hidden."""
    return None if viewer.suppresses(people) else value


def mark_own(frame: pd.DataFrame, viewer: Viewer, identities=None, text=()) -> pd.DataFrame:
    """Rows already narrowed to people the viewer may see (`visible_people`), marked as gated;
    `text` columns scrubbed for roles without names."""
    out = frame.copy()
    if not viewer.role.sees_names:
        for column in text:
            if column in out.columns:
                out[column] = [scrub(t, identities) for t in out[column]]
    out.attrs[GATED] = True
    return out


def is_gated(frame: pd.DataFrame) -> bool:
    return bool(frame.attrs.get(GATED))


REDACTED = "[redacted]"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)*")
_HEX_KEY = re.compile(r"\b(?=[0-9a-f]*\d)[0-9a-f]{8,}\b", re.IGNORECASE)
_SHORT_KEY = re.compile(r"person-[0-9a-f]{4,}", re.IGNORECASE)
_SAMPLE = re.compile(r"\be\.g\. [^;]*")


def scrub(text, identities: pd.DataFrame | None = None):
    """Free text without identities: sample values of a failing check ("e.g. E0042, ..."),
    emails, pseudonymous keys (whole or short) and every identity value HR holds (employee ids,
    emails and their local parts, names, logins)."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return text
    out = _SAMPLE.sub("e.g. (sample values shown to HR only)", str(text))
    out = _EMAIL.sub(REDACTED, out)
    out = _SHORT_KEY.sub(REDACTED, out)
    out = _HEX_KEY.sub(REDACTED, out)
    for token in _identity_tokens(identities):
        out = re.sub(rf"(?<![\w]){re.escape(token)}(?![\w])", REDACTED, out, flags=re.IGNORECASE)
    return out


def _identity_tokens(identities: pd.DataFrame | None) -> list[str]:
    if identities is None or identities.empty:
        return []
    tokens: set[str] = set()
    for column in ("employee_id", "full_name", "github_login", "email"):
        if column in identities.columns:
            tokens |= {str(v) for v in identities[column].dropna()}
    if "email" in identities.columns:
        tokens |= {str(v).split("@", 1)[0] for v in identities["email"].dropna()}
    # longest first, so a name is replaced before a shorter login inside it
    return sorted((t for t in tokens if len(t) >= 3), key=len, reverse=True)
