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
        return frame.copy()
    if viewer.employee_key is None:
        return frame.iloc[0:0].copy()
    return frame[frame[key_column] == viewer.employee_key].copy()


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
