"""The simulated organisation: orgs, teams, people, churn, personas, tools, API keys.

Everything here is per person or per team (no per-day work), built once with vectorised numpy
from one seeded generator. Days are integers relative to the period start (day 0); a person is
employed on day d iff start_day <= d < end_day; team is team0 before move_day, team1 from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from mileage.simulate import catalog as C
from mileage.simulate.options import OptionsError, SimulationOptions
from mileage.simulate.rng import S_ORG, hash64

NEVER = 1 << 30  # end_day / move_day meaning "not in the period"
CORE_SIZE = 5  # per team: the lead + 4 people who never leave or move (>= 5 active every month)
MIN_TEAM_SIZE = 7
U_MAX = 0.35  # largest AI uplift on delivery (diminishing returns in AI use)

ALPHABET62 = np.frombuffer(
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", dtype=np.uint8
)


def base62(h: np.ndarray, n: int) -> list[str]:
    """n base-62 characters from each uint64 (n <= 10 keeps them independent)."""
    h = np.asarray(h, dtype=np.uint64).copy()
    digits = np.empty((h.size, n), dtype=np.uint8)
    for i in range(n):
        digits[:, i] = ALPHABET62[(h % np.uint64(62)).astype(np.int64)]
        h //= np.uint64(62)
    raw = digits.tobytes()
    return [raw[i * n : (i + 1) * n].decode() for i in range(h.size)]


def hex_ids(seed: int, tag: int, idx: np.ndarray, words: int) -> list[str]:
    """`16 * words` hex characters per index, from `words` hashes."""
    parts = np.stack([hash64(seed, tag, idx, w) for w in range(words)], axis=1)
    text = parts.astype(">u8").tobytes().hex()
    n = 16 * words
    return [text[i * n : (i + 1) * n] for i in range(idx.size)]


@dataclass
class Keys:
    """An API key table (one provider)."""

    key_id: list[str] = field(default_factory=list)
    name: list[str] = field(default_factory=list)
    owner: list[int] = field(default_factory=list)  # person index, -1 = no owner
    valid_from: list[int] = field(default_factory=list)
    valid_to: list[int] = field(default_factory=list)  # NEVER = still active
    kind: list[str] = field(default_factory=list)  # personal | claude_code | shared | unowned
    users: list[list[int]] = field(default_factory=list)  # who actually uses it (ground truth)

    def add(self, key_id, name, owner, valid_from, valid_to, kind, users) -> int:
        self.key_id.append(key_id)
        self.name.append(name)
        self.owner.append(int(owner))
        self.valid_from.append(int(valid_from))
        self.valid_to.append(int(valid_to))
        self.kind.append(kind)
        self.users.append([int(u) for u in users])
        return len(self.key_id) - 1

    def __len__(self) -> int:
        return len(self.key_id)


@dataclass
class Org:
    options: SimulationOptions
    P: int
    T: int
    start: date
    days: int
    tz_names: list[str]
    offsets: np.ndarray  # (n_tz, days + 3) UTC offset in minutes for UTC days -1 .. days + 1
    start_dow: int  # weekday of day 0 (Mon = 0)
    # --- people
    p: dict  # numpy arrays, one entry per person
    s: dict  # lists of strings, one entry per person
    # --- teams
    t: dict
    ts: dict
    org_names: list[str]
    org_project: list[str]
    repo_name: list[str]
    repo_team: np.ndarray
    team_repo_start: np.ndarray
    team_repo_count: np.ndarray
    team_members: np.ndarray  # flat person indices grouped by team (team0 or team1)
    team_member_start: np.ndarray
    team_member_count: np.ndarray
    # --- keys and non-human actors
    anthropic_keys: Keys
    openai_keys: Keys
    services: dict  # numpy arrays: provider, key, volume, model, profile, batch
    referral_routes: list[tuple[int, int, float]]

    def team_on(self, people: np.ndarray, day) -> np.ndarray:
        return np.where(
            np.asarray(day) < self.p["move_day"][people],
            self.p["team0"][people],
            self.p["team1"][people],
        )

    def employed_on(self, people: np.ndarray, day) -> np.ndarray:
        d = np.asarray(day)
        return (self.p["start_day"][people] <= d) & (d < self.p["end_day"][people])

    def offset_on(self, people: np.ndarray, day) -> np.ndarray:
        """UTC offset (minutes) of each person's timezone on UTC day `day`."""
        return self.offsets[
            self.p["tz"][people], np.clip(np.asarray(day) + 1, 0, self.offsets.shape[1] - 1)
        ]

    def date_of(self, day: int) -> date:
        return self.start + timedelta(days=int(day))


def _offset_table(tz_names: list[str], start: date, days: int) -> np.ndarray:
    table = np.zeros((len(tz_names), days + 3), dtype=np.int32)
    for i, name in enumerate(tz_names):
        zone = ZoneInfo(name)
        for j in range(days + 3):
            moment = datetime(start.year, start.month, start.day, 12) + timedelta(days=j - 1)
            offset = moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone).utcoffset()
            table[i, j] = int(offset.total_seconds() // 60)
    return table


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-")


def _dedupe(values: list[str], sep: str = "") -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for v in values:
        n = seen.get(v, 0) + 1
        seen[v] = n
        out.append(v if n == 1 else f"{v}{sep}{n}")
    return out


def build_org(o: SimulationOptions) -> Org:
    rng = np.random.default_rng([o.seed, S_ORG])
    P, days = o.employees, o.days

    # --- headcount plan: joiners on top of the initial organisation --------------------------
    # Churn: joiners, leavers and team moves (at least one of each in any real period).
    n_join = min(P // 5, max(1, round(P * 0.10 * days / 365)))
    P0 = P - n_join
    T = max(1, min(round(P0 / 10), P0 // MIN_TEAM_SIZE))
    extra = P0 - MIN_TEAM_SIZE * T
    weights = rng.lognormal(0.0, 0.45, T)
    sizes = MIN_TEAM_SIZE + rng.multinomial(extra, weights / weights.sum())
    n_orgs = max(1, round(T / 8))
    team_org = np.sort(rng.integers(0, n_orgs, T))
    team_org[: min(T, n_orgs)] = np.arange(min(T, n_orgs))  # every org has a team
    team_org = np.sort(team_org)

    # --- timezones ------------------------------------------------------------------------
    tz_names = [name for name, _, _ in C.TIMEZONES]
    tz_w = np.array([w for _, _, w in C.TIMEZONES])
    tz_w = tz_w / tz_w.sum()
    org_tz = rng.choice(len(tz_names), n_orgs, p=tz_w)
    team_tz = np.where(rng.random(T) < 0.75, org_tz[team_org], rng.choice(len(tz_names), T, p=tz_w))

    # --- people of the initial organisation, grouped by team --------------------------------
    team0 = np.concatenate(
        [np.repeat(np.arange(T), sizes), rng.choice(T, n_join, p=sizes / sizes.sum())]
    ).astype(np.int32)
    first_of_team = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pos_in_team = np.zeros(P, dtype=np.int32)
    pos_in_team[:P0] = np.arange(P0) - np.repeat(first_of_team, sizes)
    pos_in_team[P0:] = 10_000
    is_joiner = np.arange(P) >= P0
    lead = pos_in_team == 0
    core = pos_in_team < CORE_SIZE
    team_lead = first_of_team.astype(np.int32)
    org_first_team = np.searchsorted(team_org, np.arange(n_orgs))
    director = team_lead[org_first_team]  # lead of the org's first team
    cto = director[0]

    role = rng.choice(len(C.ROLES), P, p=C.MEMBER_ROLE_WEIGHTS).astype(np.int8)
    role[lead] = C.R_MANAGER
    level = np.zeros(P, dtype=np.int8)
    for r, w in C.ROLE_LEVEL_WEIGHTS.items():
        mask = role == r
        level[mask] = rng.choice(6, mask.sum(), p=np.array(w) / np.sum(w))
    level[lead] = rng.choice([3, 4], lead.sum(), p=[0.6, 0.4])
    level[director] = 5

    tz = np.where(rng.random(P) < 0.85, team_tz[team0], rng.choice(len(tz_names), P, p=tz_w))
    region = np.array([C.REGION_SALARY_FACTOR[C.TIMEZONES[i][1]] for i in range(len(tz_names))])
    salary = np.round(C.LEVEL_SALARY[level] * region[tz] * rng.lognormal(0, 0.08, P), -2)

    # --- churn: leavers and movers among non-core initial people ---------------------------
    start_day = np.where(
        is_joiner, rng.integers(1, max(2, days - 1), P), -rng.integers(30, 2500, P)
    ).astype(np.int32)
    end_day = np.full(P, NEVER, dtype=np.int32)
    move_day = np.full(P, NEVER, dtype=np.int32)
    churnable = np.flatnonzero(~core & ~is_joiner)
    n_leave = min(len(churnable) // 3, max(1, round(P * 0.10 * days / 365)))
    n_move = min(len(churnable) // 3, max(1, round(P * 0.08 * days / 365)))
    picked = rng.permutation(churnable)
    leavers, movers = picked[:n_leave], picked[n_leave : n_leave + n_move]
    end_day[leavers] = rng.integers(2, max(3, days), n_leave)
    move_day[movers] = rng.integers(1, max(2, days), n_move)
    team1 = team0.copy()
    if T > 1:
        shift = rng.integers(1, T, n_move)
        team1[movers] = (team0[movers] + shift) % T
    stable = ~is_joiner & (end_day == NEVER) & (move_day == NEVER)

    manager0 = team_lead[team0].astype(np.int32)
    manager1 = team_lead[team1].astype(np.int32)
    manager0[lead] = director[team_org[team0[lead]]]
    manager1[lead] = manager0[lead]
    manager0[director] = cto
    manager1[director] = cto
    manager0[cto] = -1
    manager1[cto] = -1

    # --- latent productivity and AI affinity (independent: heavy users may deliver little) --
    team_lp = rng.lognormal(0.0, 0.25, T)
    lp = team_lp[team0] * rng.lognormal(0.0, 0.35, P)
    affinity = rng.lognormal(0.0, 1.0, P)

    # --- personas (engineers who stay the whole period) ------------------------------------
    persona = np.zeros(P, dtype=np.int8)
    candidates = rng.permutation(np.flatnonzero(stable & (role == C.R_ENGINEER) & ~lead))
    counts = o.persona_counts()
    order = [
        "referral_inflater",
        "pr_spammer",
        "always_on_bot",
        "telemetry_inflater",
        "unattended_agent",
        "prompt_stuffer",
    ]
    taken = 0
    referral_routes: list[tuple[int, int, float]] = []
    routed_to = np.full(P, -1, dtype=np.int32)
    routed_share = np.zeros(P)
    blocked = np.zeros(P, dtype=bool)  # colleagues routed through an inflater stay normal
    for name in order:
        code = C.PERSONAS.index(name)
        want = counts[name]
        got = 0
        while got < want and taken < len(candidates):
            person = candidates[taken]
            taken += 1
            if blocked[person]:
                continue
            persona[person] = code
            got += 1
            if code == C.P_REFERRAL_INFLATER:
                mates = np.flatnonzero(
                    (team0 == team0[person])
                    & stable
                    & (persona == 0)
                    & ~blocked
                    & ~lead
                    & (np.arange(P) != person)
                    & np.isin(role, [C.R_ENGINEER, C.R_DS])
                )
                mates = rng.permutation(mates)[:3]
                for mate in mates:
                    share = float(rng.uniform(0.6, 0.85))
                    routed_to[mate] = person
                    routed_share[mate] = share
                    blocked[mate] = True
                    referral_routes.append((int(mate), int(person), share))
            blocked[person] = True
        if got < want:
            raise OptionsError(
                f"{P} employees are too few for the gaming rates: not enough engineers who stay "
                f"the whole period to plant {want} {name} people"
            )

    # --- tools: adoption grows with AI affinity --------------------------------------------
    tilt = np.clip(np.sqrt(affinity) / 1.13, 0.2, 3.0)
    role_factor = {
        "anthropic": np.array([1.0, 0.25, 0.2, 1.0, 0.4]),
        "cc": np.array([1.0, 0.3, 0.2, 0.75, 0.5]),
        "openai": np.array([1.0, 0.8, 0.4, 2.5, 0.4]),
        "cursor": np.array([1.0, 0.2, 0.3, 0.8, 0.2]),
        "copilot": np.array([1.0, 0.05, 0.05, 0.8, 0.3]),
    }

    def adopt(tool: str, share: float) -> np.ndarray:
        prob = np.minimum(0.95, share * tilt * role_factor[tool][role])
        return rng.random(P) < prob

    uses_api = adopt("anthropic", o.anthropic_api_share)
    cc = np.where(adopt("cc", o.claude_code_share), 1, 0).astype(np.int8)
    cc[(cc == 1) & (rng.random(P) < 0.12)] = 2  # Claude Code through a dedicated API key
    uses_openai = adopt("openai", o.openai_share)
    uses_cursor = adopt("cursor", o.cursor_share)
    uses_copilot = adopt("copilot", o.copilot_share)
    telemetry = np.zeros(P, dtype=bool)

    def force(mask, api=None, cc_type=None, cursor=None, tel=None, copilot=None):
        if api is not None:
            uses_api[mask] = api
        if cc_type is not None:
            cc[mask] = cc_type
        if cursor is not None:
            uses_cursor[mask] = cursor
        if tel is not None:
            telemetry[mask] = tel
        if copilot is not None:
            uses_copilot[mask] = copilot

    # Even a small organisation has a few ordinary users of every tool to compare against.
    ordinary = stable & (persona == 0) & (routed_to < 0) & (role == C.R_ENGINEER)
    by_affinity = np.argsort(-affinity, kind="stable")
    for used in (uses_api, uses_openai, uses_cursor, uses_copilot):
        missing = 3 - int((used & ordinary).sum())
        if missing > 0:
            pool = by_affinity[(ordinary & ~used)[by_affinity]]
            used[pool[:missing]] = True
    missing = 3 - int(((cc > 0) & ordinary).sum())
    if missing > 0:
        cc[by_affinity[(ordinary & (cc == 0))[by_affinity]][:missing]] = 1
    if not ((cc == 2) & ordinary).any():  # and someone runs Claude Code on an API key
        cc[by_affinity[(ordinary & (cc == 1))[by_affinity]][:1]] = 2

    force(persona == C.P_PR_SPAMMER, api=True, cc_type=1, copilot=True)
    force(persona == C.P_ALWAYS_ON_BOT, api=True)
    force(persona == C.P_UNATTENDED_AGENT, api=True)
    force(persona == C.P_PROMPT_STUFFER, api=True, cursor=True)
    force(persona == C.P_TELEMETRY_INFLATER, cc_type=1, tel=True)
    force(persona == C.P_REFERRAL_INFLATER, api=True, cc_type=1, tel=True)
    force(routed_to >= 0, cc_type=1, tel=True)
    # The OTel pilot covers subscription (OAuth) users: only they report `user.email`.
    honest_pool = np.flatnonzero((cc == 1) & (persona == 0) & (routed_to < 0))
    n_tel = min(len(honest_pool), max(3, round(P * o.telemetry_share)))
    telemetry[rng.permutation(honest_pool)[:n_tel]] = True

    # --- usage levels (tokens on a typical working day) ------------------------------------
    vol_api = 1.0e6 * affinity * rng.lognormal(0, 0.3, P)
    vol_cc = 2.5e6 * affinity * rng.lognormal(0, 0.3, P)
    vol_openai = 0.5e6 * affinity * rng.lognormal(0, 0.3, P)
    cursor_rate = 8.0 * affinity**0.6 * rng.lognormal(0, 0.2, P)
    copilot_level = np.sqrt(affinity)
    spam = persona == C.P_PR_SPAMMER
    # Spammers burn tokens generating their PRs, whatever their genuine use.
    vol_api[spam] = 6.0e6 * np.maximum(affinity[spam], 1.0) * rng.lognormal(0, 0.3, spam.sum())
    vol_cc[spam] = 15e6 * np.maximum(affinity[spam], 1.0) * rng.lognormal(0, 0.3, spam.sum())
    vol_api[persona == C.P_PROMPT_STUFFER] *= 3
    # API token class shares: cache read, cache write, output (uncached input = the rest).
    api_read = rng.uniform(0.25, 0.65, P)
    api_write = rng.uniform(0.03, 0.08, P)
    api_out = rng.uniform(0.03, 0.07, P)
    stuff = persona == C.P_PROMPT_STUFFER
    api_read[stuff], api_write[stuff], api_out[stuff] = 0.03, 0.01, 0.012
    openai_cached = rng.uniform(0.2, 0.5, P)
    cc_req_size = np.exp(rng.normal(np.log(150_000), 0.35, P))
    openai_req_size = np.exp(rng.normal(np.log(6_000), 0.5, P))

    def mix(n_models: int, weights: np.ndarray, primary_share: float) -> np.ndarray:
        primary = rng.choice(n_models, P, p=weights / weights.sum())
        m = np.tile((1 - primary_share) * weights / weights.sum(), (P, 1))
        m[np.arange(P), primary] += primary_share
        return np.cumsum(m, axis=1)

    api_mix = mix(len(C.ANTHROPIC_MODELS), C.ANTHROPIC_PRIMARY_WEIGHTS, 0.8)
    legacy_pool = np.flatnonzero(uses_api & (persona == 0))
    legacy = rng.permutation(legacy_pool)[: max(1, round(P * 0.002))] if legacy_pool.size else []
    for person in legacy:  # a legacy script still calls an unpriced model, rarely
        row = np.diff(np.concatenate([[0.0], api_mix[person]])) * 0.9
        row[C.A_LEGACY] += 0.1
        api_mix[person] = np.cumsum(row)
    cc_mix = mix(len(C.CLAUDE_CODE_MODELS), C.CLAUDE_CODE_PRIMARY_WEIGHTS, 0.85)
    openai_mix = mix(len(C.OPENAI_MODELS), C.OPENAI_PRIMARY_WEIGHTS, 0.75)
    cursor_mix = mix(len(C.CURSOR_MODELS), C.CURSOR_PRIMARY_WEIGHTS, 0.8)
    for m in (api_mix, cc_mix, openai_mix, cursor_mix):
        m[:, -1] = 1.0

    # Delivery is driven by latent productivity and a diminishing-returns AI uplift over the
    # person's genuine AI use, never by raw token counts (gaming adds tokens, not output).
    genuine_use = affinity * (
        0.5 * uses_api + 1.0 * (cc > 0) + 0.4 * uses_openai + 0.8 * uses_cursor + 0.5 * uses_copilot
    )
    uplift = U_MAX * (1.0 - np.exp(-genuine_use / 1.0))
    base_pr = np.array([0.22, 0.01, 0.02, 0.10, 0.06])[role]
    pr_rate = base_pr * lp * (1.0 + uplift)
    pr_rate[persona == C.P_ALWAYS_ON_BOT] *= 0.03

    # --- names and identities ----------------------------------------------------------------
    first = rng.choice(C.FIRST_NAMES, P)
    last = rng.choice(C.LAST_NAMES, P)
    full_name = [f"{a} {b}" for a, b in zip(first, last, strict=True)]
    width = max(6, len(str(P)))
    emp_id = [f"E{i + 1:0{width}d}" for i in range(P)]
    email_local = _dedupe([f"{a}.{b}".lower() for a, b in zip(first, last, strict=True)])
    email = [f"{local}@{o.email_domain}" for local in email_local]
    has_github = np.isin(role, [C.R_ENGINEER, C.R_DS, C.R_MANAGER]) | (rng.random(P) < 0.3)
    has_github |= uses_copilot
    logins = _dedupe([f"{a}{b}".lower() for a, b in zip(first, last, strict=True)], "-")
    github_login = [lg if g else "" for lg, g in zip(logins, has_github, strict=True)]
    idx = np.arange(P)
    github_uid = (
        10_000_000 + idx * 1_733 + hash64(o.seed, S_ORG, idx, 1) % np.uint64(1_733)
    ).astype(np.int64)
    jira_id = [h[:24] for h in hex_ids(o.seed, 21, idx, 2)]
    oa = base62(hash64(o.seed, S_ORG, idx, 2), 10)
    ob = base62(hash64(o.seed, S_ORG, idx, 3), 10)
    openai_uid = [
        f"user-{a}{b}"[:29] if u else "" for a, b, u in zip(oa, ob, uses_openai, strict=True)
    ]
    install_id = hex_ids(o.seed, 22, idx, 4)
    acc = hex_ids(o.seed, 23, idx, 2)
    account_uuid = [f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}" for h in acc]
    terminal = rng.choice(len(C.TERMINALS), P, p=C.TERMINAL_WEIGHTS / C.TERMINAL_WEIGHTS.sum())
    copilot_ide = rng.choice(
        len(C.COPILOT_IDES), P, p=C.COPILOT_IDE_WEIGHTS / C.COPILOT_IDE_WEIGHTS.sum()
    )
    copilot_cli = uses_copilot & (rng.random(P) < 0.12)
    cursor_upper = uses_cursor & (rng.random(P) < 0.1)  # Cursor shows "Ana.Silva@..." for some
    shift = rng.choice([-1, 0, 0, 0, 1, 2], P)  # early birds and late risers

    # --- teams, orgs, repos, Jira projects ----------------------------------------------------
    org_names = []
    for i in range(n_orgs):
        base = C.ORG_NAMES[i % len(C.ORG_NAMES)]
        org_names.append(base if i < len(C.ORG_NAMES) else f"{base} {i // len(C.ORG_NAMES) + 1}")
    org_project = []
    for i, name in enumerate(org_names):
        letters = "".join(ch for ch in name.upper() if ch.isalpha())[:4]
        n = i // len(C.ORG_NAMES)
        suffix = ""
        while n > 0:
            n, r = divmod(n - 1, 26)
            suffix = chr(65 + r) + suffix
        org_project.append(letters + suffix)
    team_width = max(3, len(str(T)))
    team_id = [f"T{i + 1:0{team_width}d}" for i in range(T)]
    team_name = []
    per_org_counter: dict[int, int] = {}
    for t in range(T):
        k = per_org_counter.get(team_org[t], 0)
        per_org_counter[team_org[t]] = k + 1
        word = C.TEAM_WORDS[k % len(C.TEAM_WORDS)]
        suffix = "" if k < len(C.TEAM_WORDS) else f" {k // len(C.TEAM_WORDS) + 1}"
        team_name.append(f"{org_names[team_org[t]]} {word}{suffix}")
    n_repos = 1 + (rng.random(T) < 0.4)
    team_repo_start = np.concatenate([[0], np.cumsum(n_repos)[:-1]]).astype(np.int64)
    repo_team = np.repeat(np.arange(T), n_repos)
    repo_name = []
    for t in range(T):
        slug = _slug(team_name[t])
        repo_name.append(f"{o.github_org}/{slug}")
        if n_repos[t] > 1:
            repo_name.append(f"{o.github_org}/{slug}-{rng.choice(['web', 'worker', 'sdk'])}")

    member_team = np.concatenate([team0, team1[team1 != team0]])
    member_person = np.concatenate([idx, idx[team1 != team0]])
    order_m = np.lexsort((member_person, member_team))
    team_members = member_person[order_m].astype(np.int64)
    team_member_count = np.bincount(member_team, minlength=T)
    team_member_start = np.concatenate([[0], np.cumsum(team_member_count)[:-1]])

    # --- API keys ---------------------------------------------------------------------------
    akeys, okeys = Keys(), Keys()
    akey1 = np.full(P, -1, dtype=np.int64)
    akey2 = np.full(P, -1, dtype=np.int64)
    rot_day = np.full(P, NEVER, dtype=np.int32)
    cc_key = np.full(P, -1, dtype=np.int64)
    okey = np.full(P, -1, dtype=np.int64)
    key_from = np.where(start_day > 0, start_day, np.maximum(start_day, -rng.integers(0, 400, P)))
    rotates = uses_api & stable & (rng.random(P) < 0.1) & (days > 14)
    rot_day[rotates] = rng.integers(7, max(8, days - 1), rotates.sum())
    api_ids = base62(hash64(o.seed, S_ORG, idx, 4), 10)
    api_ids2 = base62(hash64(o.seed, S_ORG, idx, 5), 10)
    cc_ids = base62(hash64(o.seed, S_ORG, idx, 6), 10)
    oa_ids = base62(hash64(o.seed, S_ORG, idx, 7), 10)
    ob_ids = base62(hash64(o.seed, S_ORG, idx, 8), 10)
    handle = [
        lg or e.split("@")[0].replace(".", "-") for lg, e in zip(github_login, email, strict=True)
    ]
    for i in np.flatnonzero(uses_api):
        end = int(min(end_day[i], rot_day[i]))
        akey1[i] = akeys.add(
            f"apikey_01{api_ids[i]}{ob_ids[i][:12]}",
            f"{handle[i]}-laptop",
            i,
            key_from[i],
            end,
            "personal",
            [i],
        )
        if rot_day[i] < NEVER:
            akey2[i] = akeys.add(
                f"apikey_01{api_ids2[i]}{oa_ids[i][:12]}",
                f"{handle[i]}-laptop-2",
                i,
                rot_day[i],
                end_day[i],
                "personal",
                [i],
            )
    for mate, inflater, _ in referral_routes:  # routed API use lands on the inflater's keys
        if uses_api[mate]:
            for key in (akey1[inflater], akey2[inflater]):
                if key >= 0:
                    akeys.users[key].append(int(mate))
    for i in np.flatnonzero(cc == 2):
        cc_key[i] = akeys.add(
            f"apikey_01{cc_ids[i]}{oa_ids[i][2:14]}",
            f"claude-code-{handle[i]}",
            i,
            key_from[i],
            end_day[i],
            "claude_code",
            [i],
        )
    # Shared team keys, owned by the team lead, used by members without a personal key.
    shared_key = np.full(P, -1, dtype=np.int64)
    n_shared = max(1, round(T * 0.04))
    for t in rng.permutation(T)[:n_shared]:
        members = team_members[team_member_start[t] : team_member_start[t] + team_member_count[t]]
        users = [
            m
            for m in members
            if not uses_api[m] and not lead[m] and persona[m] == 0 and team0[m] == t
        ][:3]
        if not users:
            continue
        lead_t = team_lead[t]
        h = "".join(base62(hash64(o.seed, S_ORG, np.array([t]), [9, 19]), 10))
        k = akeys.add(
            f"apikey_01{h[:22]}",
            f"{_slug(team_name[t])}-shared",
            lead_t,
            -rng.integers(30, 300),
            NEVER,
            "shared",
            users,
        )
        shared_key[users] = k
    vol_api[shared_key >= 0] *= 0.3
    for i in np.flatnonzero(uses_openai):
        okey[i] = okeys.add(
            f"key_{oa_ids[i]}{ob_ids[i][:6]}",
            f"{handle[i]}-dev",
            i,
            key_from[i],
            end_day[i],
            "personal",
            [i],
        )
    openai_user_in_usage = uses_openai & (rng.random(P) < 0.75)

    # Keys nobody owns (automation), and Console usage (no key at all).
    svc_provider, svc_key, svc_volume, svc_model, svc_profile, svc_batch = [], [], [], [], [], []
    unowned_names = [
        "ci-nightly-evals",
        "prototype-2024",
        "load-test-harness",
        "support-triage",
        "docs-search-index",
        "release-notes-bot",
    ]
    for j in range(max(1, round(T * 0.02))):
        h = "".join(base62(hash64(o.seed, S_ORG, np.array([j]), [10, 20]), 10))
        k = akeys.add(
            f"apikey_01{h[:22]}",
            f"{unowned_names[j % len(unowned_names)]}"
            + (f"-{j // len(unowned_names) + 1}" if j >= len(unowned_names) else ""),
            -1,
            -rng.integers(100, 700),
            NEVER,
            "unowned",
            [],
        )
        svc_provider.append(0)
        svc_key.append(k)
        svc_volume.append(float(rng.lognormal(np.log(1.5e6), 0.5)))
        svc_model.append(int(rng.choice([C.A_SONNET45, C.A_HAIKU45])))
        svc_profile.append(0)  # around the clock
        svc_batch.append(False)
    svc_provider.append(0)  # Console: a few people trying prompts in the browser
    svc_key.append(-1)
    svc_volume.append(2e5 * max(1.0, P / 500))
    svc_model.append(C.A_SONNET45)
    svc_profile.append(1)  # office hours
    svc_batch.append(False)
    h = "".join(base62(hash64(o.seed, S_ORG, np.array([99]), [11, 21]), 10))
    k = okeys.add(f"key_{h[:16]}", "svc-batch-summaries", -1, -200, NEVER, "unowned", [])
    svc_provider.append(1)
    svc_key.append(k)
    svc_volume.append(3e6 * max(1.0, P / 2000))
    svc_model.append(1)  # gpt-5-mini
    svc_profile.append(0)
    svc_batch.append(True)

    offsets = _offset_table(tz_names, o.start, days)
    p = {
        "role": role,
        "level": level,
        "salary": salary,
        "tz": tz.astype(np.int32),
        "team0": team0,
        "team1": team1.astype(np.int32),
        "move_day": move_day,
        "start_day": start_day,
        "end_day": end_day,
        "lead": lead,
        "core": core,
        "stable": stable,
        "manager0": manager0,
        "manager1": manager1,
        "persona": persona,
        "lp": lp,
        "affinity": affinity,
        "uplift": uplift,
        "pr_rate": pr_rate,
        "uses_api": uses_api,
        "cc": cc,
        "uses_openai": uses_openai,
        "uses_cursor": uses_cursor,
        "uses_copilot": uses_copilot,
        "telemetry": telemetry,
        "copilot_cli": copilot_cli,
        "copilot_ide": copilot_ide,
        "cursor_upper": cursor_upper,
        "terminal": terminal,
        "shift": shift,
        "routed_to": routed_to,
        "routed_share": routed_share,
        "vol_api": vol_api,
        "vol_cc": vol_cc,
        "vol_openai": vol_openai,
        "cursor_rate": cursor_rate,
        "copilot_level": copilot_level,
        "api_read": api_read,
        "api_write": api_write,
        "api_out": api_out,
        "openai_cached": openai_cached,
        "cc_req_size": cc_req_size,
        "openai_req_size": openai_req_size,
        "api_mix": api_mix,
        "cc_mix": cc_mix,
        "openai_mix": openai_mix,
        "cursor_mix": cursor_mix,
        "akey1": akey1,
        "akey2": akey2,
        "rot_day": rot_day,
        "cc_key": cc_key,
        "shared_key": shared_key,
        "okey": okey,
        "openai_user_in_usage": openai_user_in_usage,
        "github_uid": github_uid,
        "has_github": has_github,
        "legacy_model": np.isin(idx, legacy),
    }
    s = {
        "emp_id": emp_id,
        "email": email,
        "full_name": full_name,
        "github_login": github_login,
        "jira_id": jira_id,
        "openai_uid": openai_uid,
        "install_id": install_id,
        "account_uuid": account_uuid,
    }
    t = {"org": team_org, "tz": team_tz, "lp": team_lp, "lead": team_lead, "size0": sizes}
    ts = {"team_id": team_id, "team_name": team_name}
    services = {
        "provider": np.array(svc_provider),
        "key": np.array(svc_key),
        "volume": np.array(svc_volume),
        "model": np.array(svc_model),
        "profile": np.array(svc_profile),
        "batch": np.array(svc_batch),
    }
    return Org(
        options=o,
        P=P,
        T=T,
        start=o.start,
        days=days,
        tz_names=tz_names,
        offsets=offsets,
        start_dow=o.start.weekday(),
        p=p,
        s=s,
        t=t,
        ts=ts,
        org_names=org_names,
        org_project=org_project,
        repo_name=repo_name,
        repo_team=repo_team,
        team_repo_start=team_repo_start,
        team_repo_count=n_repos.astype(np.int64),
        team_members=team_members,
        team_member_start=team_member_start,
        team_member_count=team_member_count,
        anthropic_keys=akeys,
        openai_keys=okeys,
        services=services,
        referral_routes=referral_routes,
    )
