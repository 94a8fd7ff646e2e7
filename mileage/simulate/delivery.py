"""Delivery: pull requests (per day), Jira bugs (collected, written at the end), roadmap items.

Output is driven by each person's latent productivity x (1 + AI uplift), where the uplift
grows with genuine AI use with diminishing returns (org.py); raw token counts never enter.
PR states are as of the export, i.e. the end of the period: a PR whose merge would fall
after it is still open.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from mileage.simulate import catalog as C
from mileage.simulate.org import Org
from mileage.simulate.rng import S_BUGS, S_DELIVERY, S_IDS, S_ROADMAP, day_rng, hash64
from mileage.simulate.usage import day_factor

DAY = 86_400
HOUR = 3_600
PR_ID_BASE = 2_400_000_000


class Delivery:
    def __init__(self, org: Org, start_epoch: int):
        self.org = org
        self.seed = org.options.seed
        self.start_epoch = start_epoch
        self.end_ts = start_epoch + org.days * DAY
        rng = np.random.default_rng([self.seed, S_DELIVERY])
        self.repo_next = rng.integers(40, 3000, len(org.repo_name)).astype(np.int64)
        self.next_id = PR_ID_BASE + int(rng.integers(0, 50_000_000))
        p = org.p
        self.authors = np.flatnonzero((p["pr_rate"] > 0) & p["has_github"])
        self.spammers = np.flatnonzero(p["persona"] == C.P_PR_SPAMMER)
        self.team_merge_hours = rng.lognormal(np.log(20), 0.35, org.T)
        self.bug_chunks: list[dict] = []

    # --- pull requests ------------------------------------------------------------------------
    def generate(self, u: int) -> tuple[dict, dict]:
        """(human PRs, bot PRs) created on UTC day u, with ids and per-repo numbers."""
        org, p = self.org, self.org.p
        rng = day_rng(self.seed, S_DELIVERY, u)
        dow = (org.start_dow + u) % 7
        idx = self.authors
        f = day_factor(org, idx, np.full(idx.size, u)) * org.employed_on(idx, u)
        weekday = 1.0 if dow < 5 else 0.03
        n = rng.poisson(p["pr_rate"][idx] * f * weekday)
        author = np.repeat(idx, n)
        spam_n = np.zeros(0, dtype=np.int64)
        if self.spammers.size:
            fs = day_factor(org, self.spammers, np.full(self.spammers.size, u))
            fs = fs * org.employed_on(self.spammers, u)
            spam_n = rng.poisson(4.0 * (fs > 0) * weekday)
        spam_author = np.repeat(self.spammers, spam_n)
        author = np.concatenate([author, spam_author])
        spam = np.concatenate(
            [np.zeros(author.size - spam_author.size, bool), np.ones(spam_author.size, bool)]
        )
        m = author.size
        team = org.team_on(author, u)
        repo = org.team_repo_start[team] + rng.integers(0, 1 << 30, m) % org.team_repo_count[team]
        off = org.offset_on(author, u).astype(np.int64)
        local_sec = rng.integers(9 * HOUR, int(18.5 * HOUR), m)
        created = self.start_epoch + u * DAY + local_sec - off * 60
        # A first or last working day stays inside the roster's dates (UTC).
        day_start = self.start_epoch + u * DAY
        created = np.where(p["start_day"][author] == u, np.maximum(created, day_start), created)
        created = np.where(
            p["end_day"][author] == u + 1, np.minimum(created, day_start + DAY - 1), created
        )
        additions = np.where(
            spam, rng.integers(1, 6, m), np.round(np.exp(rng.normal(np.log(60), 1.1, m)))
        ).astype(np.int64)
        deletions = np.where(
            spam, rng.integers(0, 3, m), np.round(np.exp(rng.normal(np.log(18), 1.2, m)))
        ).astype(np.int64)
        merge_h = np.where(
            spam,
            np.exp(rng.normal(np.log(1.5), 0.5, m)),
            np.exp(rng.normal(np.log(self.team_merge_hours[team]), 1.0, m)),
        )
        closed_unmerged = rng.random(m) < np.where(spam, 0.03, 0.07)
        draft = ~spam & (rng.random(m) < 0.05)
        human = {
            "author": author,
            "spam": spam,
            "team": team,
            "repo": repo,
            "created": created,
            "additions": additions,
            "deletions": deletions,
            "changed_files": np.where(spam, 1, 1 + rng.poisson(additions / 60.0)),
            "commits": np.where(spam, 1, 1 + rng.poisson(2.0, m)),
            "comments": np.where(spam, 0, rng.poisson(1.2, m)),
            "review_comments": np.where(spam, 0, rng.poisson(2.5, m)),
            "lag": (merge_h * HOUR).astype(np.int64),
            "closed_unmerged": closed_unmerged,
            "draft": draft,
            "title_a": rng.integers(0, 1 << 20, m),
            "title_b": rng.integers(0, 1 << 20, m),
            "label": rng.integers(0, len(C.PR_LABELS), m),
            "bot": np.full(m, -1),
        }
        # Dependency bots open PRs on every repo now and then.
        n_repo = len(org.repo_name)
        bot_n = rng.poisson((0.12 if dow < 5 else 0.03), n_repo)
        b_repo = np.repeat(np.arange(n_repo), bot_n)
        b = b_repo.size
        b_team = org.repo_team[b_repo]
        bots = {
            "author": org.t["lead"][b_team],
            "spam": np.zeros(b, bool),
            "team": b_team,
            "repo": b_repo,
            "created": self.start_epoch + u * DAY + rng.integers(0, DAY, b),
            "additions": rng.integers(2, 40, b),
            "deletions": rng.integers(1, 30, b),
            "changed_files": rng.integers(1, 3, b),
            "commits": np.ones(b, dtype=np.int64),
            "comments": rng.poisson(0.3, b),
            "review_comments": np.zeros(b, dtype=np.int64),
            "lag": (np.exp(rng.normal(np.log(30), 0.8, b)) * HOUR).astype(np.int64),
            "closed_unmerged": rng.random(b) < 0.15,
            "draft": np.zeros(b, bool),
            "title_a": rng.integers(0, 1 << 20, b),
            "title_b": rng.integers(0, 1 << 20, b),
            "label": np.zeros(b, dtype=np.int64),
            "bot": rng.integers(0, len(C.BOTS), b),
        }
        both = {k: np.concatenate([human[k], bots[k]]) for k in human}
        return self._finish(rng, u, both)

    def _finish(self, rng, u: int, pr: dict) -> tuple[dict, dict]:
        org, p = self.org, self.org.p
        m = pr["author"].size
        created = np.clip(pr["created"], self.start_epoch, self.end_ts - 1)
        order = np.lexsort((np.arange(m), created))
        pr = {k: v[order] for k, v in pr.items()}
        created = created[order]
        ids = self.next_id + np.arange(m, dtype=np.int64)
        self.next_id += m
        # Per-repo numbers continue each repo's history, in creation order.
        by_repo = np.lexsort((np.arange(m), pr["repo"]))
        repos_sorted = pr["repo"][by_repo]
        first = np.r_[True, repos_sorted[1:] != repos_sorted[:-1]] if m else np.zeros(0, bool)
        group_start = np.maximum.accumulate(np.where(first, np.arange(m), 0)) if m else first
        rank = np.empty(m, dtype=np.int64)
        rank[by_repo] = np.arange(m) - group_start
        number = self.repo_next[pr["repo"]] + rank
        np.add.at(self.repo_next, pr["repo"], 1)
        end_of_change = created + pr["lag"]
        done = end_of_change < self.end_ts
        draft = pr["draft"] & (created > self.end_ts - 21 * DAY)
        merged = done & ~pr["closed_unmerged"] & ~draft
        closed = done & ~draft
        merged_ts = np.where(merged, end_of_change, -1)
        closed_ts = np.where(closed, end_of_change, -1)
        # The reviewer who merges: a teammate, else the lead, else the lead's manager.
        start = org.team_member_start[pr["team"]]
        count = org.team_member_count[pr["team"]]
        pick = org.team_members[start + rng.integers(0, 1 << 30, m) % np.maximum(count, 1)]
        lead = org.t["lead"][pr["team"]]
        ok = (pick != pr["author"]) & org.employed_on(pick, u) & p["has_github"][pick]
        merger = np.where(ok, pick, lead)
        mgr = p["manager0"][merger]
        merger = np.where(merger == pr["author"], np.where(mgr >= 0, mgr, merger), merger)
        merged_by = np.where(merged, merger, -1)
        sha = [hash64(self.seed, S_IDS, ids, i) for i in range(6)]
        out = {
            "id": ids,
            "number": number,
            "repo": pr["repo"],
            "author": pr["author"],
            "bot": pr["bot"],
            "spam": pr["spam"],
            "draft": draft,
            "created": created,
            "closed_ts": closed_ts,
            "merged_ts": merged_ts,
            "merged_by": merged_by,
            "additions": pr["additions"],
            "deletions": pr["deletions"],
            "changed_files": pr["changed_files"],
            "commits": pr["commits"],
            "comments": pr["comments"],
            "review_comments": pr["review_comments"],
            "title_a": pr["title_a"],
            "title_b": pr["title_b"],
            "label": pr["label"],
            "head_a": sha[0],
            "head_b": sha[1],
            "head_c": sha[2] >> np.uint64(32),
            "merge_a": sha[3],
            "merge_b": sha[4],
            "merge_c": sha[5] >> np.uint64(32),
        }
        self._bugs_from_prs(rng, out, pr["team"])
        is_bot = pr["bot"] >= 0
        human = {k: v[~is_bot] for k, v in out.items()}
        bots = {k: v[is_bot] for k, v in out.items()}
        return human, bots

    # --- bugs ------------------------------------------------------------------------------
    def _bugs_from_prs(self, rng, pr: dict, team: np.ndarray) -> None:
        org, p = self.org, self.org.p
        merged = pr["merged_ts"] >= 0
        human = pr["bot"] < 0
        lp = p["lp"][pr["author"]]
        size = pr["additions"] + pr["deletions"]
        prob = np.clip(0.05 / np.sqrt(lp) * (1 + 0.3 * np.log1p(size / 200.0)), 0, 0.3)
        prob = np.where(pr["spam"], 0.003, prob) * merged * human
        hit = np.flatnonzero(rng.random(prob.size) < prob)
        if hit.size == 0:
            return
        created = pr["merged_ts"][hit] + (
            np.exp(rng.normal(np.log(7), 0.8, hit.size)) * DAY
        ).astype(np.int64)
        keep = created < self.end_ts
        hit, created = hit[keep], created[keep]
        day = (created - self.start_epoch) // DAY
        author = pr["author"][hit]
        lead = org.t["lead"][team[hit]]
        assignee = np.where(org.employed_on(author, day), author, lead)
        self._add_bugs(
            rng,
            created,
            assignee,
            team[hit],
            pr["id"][hit],
            linked=rng.random(hit.size) < 0.6,
            issue_type=np.zeros(hit.size, int),
        )

    def background_issues(self, u: int) -> None:
        """Bugs found without a known cause, and a few tasks, per team per working day."""
        org = self.org
        rng = day_rng(self.seed, S_BUGS, u)
        if (org.start_dow + u) % 7 >= 5:
            return
        size = org.team_member_count
        lam = 0.03 * size / 10.0 / np.sqrt(org.t["lp"])
        n = rng.poisson(lam)
        team = np.repeat(np.arange(org.T), n)
        k = team.size
        if k == 0:
            return
        pick = org.team_members[
            org.team_member_start[team] + rng.integers(0, 1 << 30, k) % np.maximum(size[team], 1)
        ]
        ok = org.employed_on(pick, u) & (org.team_on(pick, u) == team)
        assignee = np.where(ok, pick, org.t["lead"][team])
        assignee = np.where(rng.random(k) < 0.04, -1, assignee)  # nobody picked it up yet
        created = self.start_epoch + u * DAY + rng.integers(6 * HOUR, 20 * HOUR, k)
        issue_type = (rng.random(k) < 0.25).astype(int)  # 0 Bug, 1 Task
        self._add_bugs(rng, created, assignee, team, np.full(k, -1), np.zeros(k, bool), issue_type)

    def _add_bugs(self, rng, created, assignee, team, pr_id, linked, issue_type) -> None:
        k = created.size
        resolve = created + (np.exp(rng.normal(np.log(4), 1.0, k)) * DAY).astype(np.int64)
        resolved = resolve < self.end_ts
        progress = rng.random(k)
        status = np.where(resolved, 2, np.where(progress < 0.55, 1, 0))  # 0 todo 1 doing 2 done
        wont = resolved & (rng.random(k) < 0.08)
        updated = np.where(
            resolved,
            resolve,
            np.minimum(
                self.end_ts - 60, created + (progress * (self.end_ts - created)).astype(np.int64)
            ),
        )
        org = self.org
        reporter_pick = org.team_members[
            org.team_member_start[team]
            + rng.integers(0, 1 << 30, k) % np.maximum(org.team_member_count[team], 1)
        ]
        self.bug_chunks.append(
            {
                "created": created.astype(np.int64),
                "resolved": np.where(resolved, resolve, -1),
                "updated": updated.astype(np.int64),
                "assignee": assignee.astype(np.int64),
                "reporter": reporter_pick.astype(np.int64),
                "team": team.astype(np.int64),
                "pr_id": np.where(linked, pr_id, -1).astype(np.int64),
                "priority": rng.choice(4, k, p=[0.03, 0.15, 0.55, 0.27]),
                "status": status,
                "wont_do": wont,
                "issue_type": issue_type,
                "summary_a": rng.integers(0, 1 << 20, k),
                "summary_b": rng.integers(0, 1 << 20, k),
            }
        )

    def all_issues(self) -> dict:
        """Every Jira issue, in creation order, with the timezone offsets its fields need."""
        org = self.org
        chunks = [c for c in self.bug_chunks if c["created"].size]
        if not chunks:
            return {}
        bugs = {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}
        order = np.lexsort((np.arange(bugs["created"].size), bugs["created"]))
        bugs = {k: v[order] for k, v in bugs.items()}
        who = np.where(bugs["assignee"] >= 0, bugs["assignee"], bugs["reporter"])
        for field in ("created", "resolved", "updated"):
            day = np.clip((bugs[field] - self.start_epoch) // DAY, -1, org.days)
            bugs[f"{field}_off"] = org.offset_on(who, day).astype(np.int64)
        bugs["project"] = org.t["org"][bugs["team"]]
        return bugs


def roadmap(org: Org) -> dict:
    """Roadmap items per team per quarter overlapping the period (planned vs delivered)."""
    rng = np.random.default_rng([org.options.seed, S_ROADMAP])
    p = org.p
    start, end = org.start, org.start + timedelta(days=org.days)
    quarters = []
    q = date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
    while q < end:
        nxt = date(q.year + (q.month + 3 > 12), (q.month + 2) % 12 + 1, 1)
        quarters.append((q, nxt))
        q = nxt
    # Team delivery capacity: the team's latent productivity x its members' mean AI uplift.
    uplift = np.bincount(p["team0"], weights=p["uplift"], minlength=org.T) / np.maximum(
        np.bincount(p["team0"], minlength=org.T), 1
    )
    capacity = org.t["lp"] * (1.0 + uplift)
    points = np.array([1, 2, 3, 5, 8, 13])
    out: dict[str, list] = {
        k: []
        for k in (
            "team",
            "quarter",
            "item",
            "planned",
            "delivered",
            "status",
            "delivered_at",
            "theme",
            "obj",
        )
    }
    for qs, qe in quarters:
        label = f"{qs.year}-Q{(qs.month - 1) // 3 + 1}"
        horizon = min(qe, end)
        elapsed = max(0.0, min(1.0, (horizon - qs).days / (qe - qs).days))
        n_items = rng.integers(3, 8, org.T)
        team = np.repeat(np.arange(org.T), n_items)
        n = team.size
        item = np.arange(n) - np.repeat(np.cumsum(n_items) - n_items, n_items) + 1
        attain = np.clip(0.62 * capacity * rng.lognormal(0, 0.15, org.T), 0.05, 1.3)
        planned = rng.choice(points, n, p=[0.05, 0.15, 0.25, 0.3, 0.18, 0.07])
        frac = np.clip(attain[team] * rng.lognormal(0, 0.45, n) * elapsed, 0, 1)
        dropped = rng.random(n) < 0.05
        partial = np.minimum(np.round(frac * planned), planned - 1).astype(np.int64)
        full = ~dropped & (frac >= 0.9)
        part = ~dropped & ~full & (partial >= 1)
        status = np.where(dropped, 3, np.where(full, 0, np.where(part, 1, 2)))
        delivered = np.where(full, planned, np.where(part, partial, 0))
        lo = max(0, (start - qs).days)
        span = max(1, (horizon - qs).days)
        at = rng.integers(min(lo, span - 1), span, n)
        out["team"].append(team)
        out["quarter"].extend([label] * n)
        out["item"].append(item)
        out["planned"].append(planned)
        out["delivered"].append(delivered)
        out["status"].append(status)
        out["delivered_at"].append(
            np.where(full, (np.datetime64(qs) + at).astype("datetime64[D]").astype(str), "")
        )
        out["theme"].append(rng.integers(0, len(C.ROADMAP_THEMES), n))
        out["obj"].append(rng.integers(0, len(C.PR_TITLE_OBJECTS), n))
    merged = {k: (np.concatenate(v) if k != "quarter" else v) for k, v in out.items()}
    team_ids = np.array(org.ts["team_id"], dtype=object)[merged["team"]]
    statuses = np.array(["delivered", "partial", "not_started", "dropped"])
    return {
        "team_id": team_ids,
        "quarter": merged["quarter"],
        "item_id": [
            f"RM-{t}-{q}-{i}"
            for t, q, i in zip(team_ids, merged["quarter"], merged["item"], strict=True)
        ],
        "title": [
            f"{C.ROADMAP_THEMES[a]} {C.PR_TITLE_OBJECTS[b]}"
            for a, b in zip(merged["theme"], merged["obj"], strict=True)
        ],
        "planned_points": merged["planned"],
        "delivered_points": merged["delivered"],
        "status": statuses[merged["status"]],
        "delivered_at": merged["delivered_at"],
    }
