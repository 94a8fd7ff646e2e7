"""AI usage of one UTC day, for everyone at once (vectorised; no per-row Python loops).

The unit is a *cell*: one person x one UTC hour x one model on one channel (Anthropic API key,
Claude Code, OpenAI, Cursor). A person's human activity in an hour follows their local working
rhythm (timezone, weekday, a daily factor, vacations); planted personas add non-human cells
(the always-on bot's flat office-hours burn, the unattended agent's nights and weekends).
Cells become the vendors' rows: Messages/OpenAI buckets (aggregated per key and model),
Claude Code daily records per actor, per-request telemetry and Cursor events, Copilot days.
"""

from __future__ import annotations

import numpy as np

from mileage.simulate import catalog as C
from mileage.simulate.org import Org
from mileage.simulate.rng import (
    S_DAY_FACTOR,
    S_INFLATION,
    S_SESSION,
    S_TELEMETRY,
    S_USAGE,
    S_VACATION,
    day_rng,
    hash64,
    hash_normal,
    hash_uniform,
    lognormal_mean1,
)

_PROFILE = np.array(
    [
        0.002,
        0.0015,
        0.001,
        0.001,
        0.001,
        0.0015,
        0.003,
        0.012,  # 00-07
        0.04,
        0.10,
        0.12,
        0.12,
        0.06,
        0.10,
        0.12,
        0.12,  # 08-15
        0.10,
        0.06,
        0.03,
        0.015,
        0.01,
        0.008,
        0.005,
        0.003,  # 16-23
    ]
)
HOUR_PROFILE = _PROFILE / _PROFILE.sum()
DOW_FACTOR = np.array([1.0, 1.0, 1.0, 1.0, 0.95, 0.06, 0.04])  # Mon..Sun
HOUR_MID_MIN = np.arange(24) * 60 + 30
VACATION_RATE = 0.045
DAY_SIGMA = 0.35

# Claude Code token classes (share of a cell's tokens): input, cache write, cache read, output.
CC_SHARES = np.array([0.04, 0.07, 0.86, 0.03])
BOT_TOKENS_PER_HOUR = 350_000.0


def local_grid(org: Org, idx: np.ndarray, u: int):
    """Local day and hour of each UTC hour of day u, per person: two (n, 24) arrays."""
    off = org.offset_on(idx, u).astype(np.int64)
    loc = HOUR_MID_MIN[None, :] + off[:, None]
    return u + np.floor_divide(loc, 1440), np.remainder(loc, 1440) // 60


def day_factor(org: Org, idx: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Activity factor of each person on local day(s): log-normal, 0 on vacation days."""
    seed = org.options.seed
    z = hash_normal(seed, S_DAY_FACTOR, idx, days)
    vacation = hash_uniform(seed, S_VACATION, idx, days) < VACATION_RATE
    return np.where(vacation, 0.0, np.exp(DAY_SIGMA * z - 0.5 * DAY_SIGMA**2))


def human_intensity(org: Org, idx: np.ndarray, u: int):
    """(n, 24) expected share of a typical working day's activity in each UTC hour."""
    ld, lh = local_grid(org, idx, u)
    f3 = day_factor(org, idx[:, None], (u - 1 + np.arange(3))[None, :])
    f = np.take_along_axis(f3, ld - u + 1, axis=1)
    prof = HOUR_PROFILE[(lh - org.p["shift"][idx][:, None]) % 24]
    dow = (org.start_dow + ld) % 7
    emp = (org.p["start_day"][idx][:, None] <= ld) & (ld < org.p["end_day"][idx][:, None])
    # ... and on the UTC day too: exports are by UTC day, the roster by date.
    emp &= org.employed_on(idx, u)[:, None]
    return prof * DOW_FACTOR[dow] * f * emp, ld, lh, dow, emp


def _cells(rng, intensity: np.ndarray, active_hours: float):
    """Sparse active cells: (row, hour, scale) with E[scale summed over a day] = intensity sum."""
    prob = np.minimum(1.0, intensity * active_hours)
    active = rng.random(intensity.shape) < prob
    r, h = np.nonzero(active)
    scale = intensity[r, h] / prob[r, h] * lognormal_mean1(rng, 0.6, r.size)
    return r, h, scale


def _pick(rng, cum_mix: np.ndarray) -> np.ndarray:
    """Model index per row from each row's cumulative mix."""
    u = rng.random(cum_mix.shape[0])
    return (u[:, None] > cum_mix).sum(axis=1).astype(np.int64)


def _split(rng, total: np.ndarray, shares: np.ndarray, sigma: float = 0.15) -> np.ndarray:
    """Integer token classes (n, k) summing exactly to `total`; class 0 takes the remainder."""
    noisy = shares * lognormal_mean1(rng, sigma, shares.shape)
    noisy /= np.maximum(noisy.sum(axis=1, keepdims=True), 1e-12)
    parts = np.floor(total[:, None] * noisy).astype(np.int64)
    parts[:, 0] = np.maximum(0, np.round(total).astype(np.int64) - parts[:, 1:].sum(axis=1))
    return parts


def _concat(chunks: list[dict]) -> dict:
    chunks = [c for c in chunks if c and len(next(iter(c.values())))]
    if not chunks:
        return {}
    return {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}


def _unique_rows(keys: list[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
    """Unique combinations of integer key columns, sorted lexicographically, and the inverse.

    Same result as np.unique(np.stack(keys, 1), axis=0) but on one mixed-radix int64 code.
    """
    cols = [np.asarray(k).astype(np.int64) for k in keys]
    if cols[0].size == 0:
        return cols, np.zeros(0, dtype=np.int64)
    lows = [int(c.min()) for c in cols]
    radix = [int(c.max()) - lo + 1 for c, lo in zip(cols, lows, strict=True)]
    code = np.zeros(cols[0].size, dtype=np.int64)
    for c, lo, r in zip(cols, lows, radix, strict=True):
        code = code * r + (c - lo)
    uniq, inverse = np.unique(code, return_inverse=True)
    out = []
    for lo, r in zip(reversed(lows), reversed(radix), strict=True):
        uniq, digit = np.divmod(uniq, r)
        out.append(digit + lo)
    return out[::-1], inverse.ravel()


def _aggregate(keys: list[np.ndarray], values: dict) -> tuple[list[np.ndarray], dict]:
    """Sum `values` over unique combinations of `keys` (sorted by the keys)."""
    if len(keys[0]) == 0:
        return keys, values
    uniq, inverse = _unique_rows(keys)
    n = uniq[0].size
    out = {
        name: np.bincount(inverse, weights=v, minlength=n).round().astype(np.int64)
        for name, v in values.items()
    }
    return uniq, out


class DayUsage:
    """Generates every usage source for UTC day `u`."""

    def __init__(self, org: Org, telemetry_start: int):
        self.org = org
        o = org.options
        self.seed = o.seed
        self.daily_buckets = o.bucket == "1d"
        p = org.p
        self.api_people = np.flatnonzero(p["uses_api"] | (p["shared_key"] >= 0))
        self.cc_people = np.flatnonzero(p["cc"] > 0)
        self.openai_people = np.flatnonzero(p["uses_openai"])
        self.cursor_people = np.flatnonzero(p["uses_cursor"])
        self.copilot_people = np.flatnonzero(p["uses_copilot"])
        self.bots = np.flatnonzero(p["persona"] == C.P_ALWAYS_ON_BOT)
        self.agents = np.flatnonzero(p["persona"] == C.P_UNATTENDED_AGENT)
        self.telemetry_start = telemetry_start
        self.cc_price = C.price_matrix([C.ANTHROPIC_MODELS[m] for m in C.CLAUDE_CODE_MODELS])
        self.cursor_price = C.price_matrix(C.CURSOR_MODELS)

    # --- helpers ----------------------------------------------------------------------------
    def api_key_on(self, people: np.ndarray, u: int) -> np.ndarray:
        p = self.org.p
        personal = np.where(u < p["rot_day"][people], p["akey1"][people], p["akey2"][people])
        return np.where(p["shared_key"][people] >= 0, p["shared_key"][people], personal)

    def generate(self, u: int) -> dict:
        rng = day_rng(self.seed, S_USAGE, u)
        out = {}
        messages = [
            self._api_human(rng, u),
            self._bots(rng, u),
            self._agents(rng, u),
            self._services(rng, u, provider=0),
        ]
        cc_cells = self._claude_code_cells(rng, u)
        messages.append(self._cc_api_messages(cc_cells))
        out["messages"] = self._messages_rows(_concat(messages))
        out["claude_code"] = self._cc_records(rng, u, cc_cells)
        out["telemetry"] = self._telemetry(rng, u, cc_cells)
        out["openai"] = self._openai(rng, u)
        out["cursor"] = self._cursor(rng, u)
        out["copilot"] = self._copilot(rng, u)
        return out

    # --- Anthropic Messages -----------------------------------------------------------------
    def _api_token_rows(self, rng, people, hours, key, model, total, read, write, outs):
        n = total.size
        shares = np.stack([np.maximum(0.0, 1.0 - read - write - outs), read, write, outs], axis=1)
        parts = _split(rng, total, shares)
        one_hour = rng.random(n) < 0.15
        cw1h = np.where(one_hour, parts[:, 2] // 3, 0)
        web = np.where(rng.random(n) < 0.03, rng.integers(1, 6, n), 0)
        return {
            "hour": hours.astype(np.int64),
            "key": key.astype(np.int64),
            "model": model.astype(np.int64),
            "uncached": parts[:, 0],
            "cw5m": parts[:, 2] - cw1h,
            "cw1h": cw1h,
            "read": parts[:, 1],
            "out": parts[:, 3],
            "web": web.astype(np.int64),
        }

    def _api_human(self, rng, u: int) -> dict:
        org, p = self.org, self.org.p
        idx = self.api_people
        if idx.size == 0:
            return {}
        inten, *_ = human_intensity(org, idx, u)
        r, h, scale = _cells(rng, inten, 2.5)
        people = idx[r]
        total = p["vol_api"][people] * scale
        key = self.api_key_on(people, u)
        # A colleague routed through a referral inflater uses the inflater's key for a share.
        target = p["routed_to"][people]
        routed = (target >= 0) & (rng.random(people.size) < p["routed_share"][people])
        if routed.any():
            key = np.where(routed, self.api_key_on(np.maximum(target, 0), u), key)
        model = _pick(rng, p["api_mix"][people])
        return self._api_token_rows(
            rng,
            people,
            h,
            key,
            model,
            total,
            p["api_read"][people],
            p["api_write"][people],
            p["api_out"][people],
        )

    def _bots(self, rng, u: int) -> dict:
        """Always-on transcription bots: the same burn in every office hour of every weekday."""
        idx = self.bots
        if idx.size == 0:
            return {}
        ld, lh = local_grid(self.org, idx, u)
        dow = (self.org.start_dow + ld) % 7
        emp = self.org.employed_on(np.repeat(idx[:, None], 24, 1), ld)
        on = (lh >= 8) & (lh < 18) & (dow < 5) & emp
        r, h = np.nonzero(on)
        people = idx[r]
        total = BOT_TOKENS_PER_HOUR * (1.0 + 0.04 * rng.standard_normal(r.size))
        n = r.size
        return self._api_token_rows(
            rng,
            people,
            h,
            self.api_key_on(people, u),
            np.full(n, C.A_HAIKU45),
            total,
            np.full(n, 0.05),
            np.full(n, 0.0),
            np.full(n, 0.09),
        )

    def _agents(self, rng, u: int) -> dict:
        """Unattended agents: heavy use 00:00-06:00 local every day, and through weekends."""
        idx = self.agents
        if idx.size == 0:
            return {}
        ld, lh = local_grid(self.org, idx, u)
        dow = (self.org.start_dow + ld) % 7
        emp = self.org.employed_on(np.repeat(idx[:, None], 24, 1), ld)
        night = lh < 6
        weekend = (dow >= 5) & (lh >= 7) & (rng.random(lh.shape) < 0.6)
        r, h = np.nonzero((night | weekend) & emp)
        people = idx[r]
        total = (0.8 * self.org.p["vol_api"][people] + 3e5) * lognormal_mean1(rng, 0.3, r.size)
        n = r.size
        model = np.where(rng.random(n) < 0.7, C.A_OPUS45, C.A_SONNET45)
        return self._api_token_rows(
            rng,
            people,
            h,
            self.api_key_on(people, u),
            model,
            total,
            np.full(n, 0.72),
            np.full(n, 0.05),
            np.full(n, 0.035),
        )

    def _services(self, rng, u: int, provider: int) -> dict:
        sv = self.org.services
        sel = np.flatnonzero(sv["provider"] == provider)
        if sel.size == 0:
            return {}
        hours = np.arange(24)
        dow = (self.org.start_dow + u) % 7
        office = ((hours >= 14) & (hours < 23)).astype(float) * (1.0 if dow < 5 else 0.05)
        prof = np.where(sv["profile"][sel][:, None] == 0, 1.0 / 24, office[None, :] / 9)
        active = rng.random(prof.shape) < np.minimum(1.0, prof * 14)
        r, h = np.nonzero(active)
        s = sel[r]
        total = sv["volume"][s] / 14 * lognormal_mean1(rng, 0.4, r.size)
        n = r.size
        if provider == 1:
            return {
                "hour": h,
                "user": np.full(n, -1),
                "key": sv["key"][s],
                "model": sv["model"][s],
                "batch": sv["batch"][s].astype(np.int64),
                "total": total,
                "cached_share": np.full(n, 0.1),
                "req_size": np.full(n, 3000.0),
            }
        return self._api_token_rows(
            rng,
            np.full(n, -1),
            h,
            sv["key"][s],
            sv["model"][s],
            total,
            np.full(n, 0.3),
            np.full(n, 0.04),
            np.full(n, 0.05),
        )

    def _messages_rows(self, rows: dict) -> dict:
        if not rows:
            return {}
        hour = np.zeros_like(rows["hour"]) if self.daily_buckets else rows["hour"]
        values = {k: rows[k] for k in ("uncached", "cw5m", "cw1h", "read", "out", "web")}
        (hour, key, model), sums = _aggregate([hour, rows["key"], rows["model"]], values)
        return {"hour": hour, "key": key, "model": model, **sums}

    # --- Claude Code --------------------------------------------------------------------------
    def _claude_code_cells(self, rng, u: int) -> dict:
        org, p = self.org, self.org.p
        idx = self.cc_people
        if idx.size == 0:
            return {}
        inten, ld, lh, _, _ = human_intensity(org, idx, u)
        r, h, scale = _cells(rng, inten, 3.5)
        device = idx[r]
        model = _pick(rng, p["cc_mix"][device])
        total = p["vol_cc"][device] * scale
        # Claude Code also runs small background calls on Haiku.
        bg = rng.random(r.size) < 0.3
        rb = np.flatnonzero(bg)
        r = np.concatenate([r, r[rb]])
        h = np.concatenate([h, h[rb]])
        device = np.concatenate([device, device[rb]])
        model = np.concatenate([model, np.full(rb.size, 2)])
        background = np.concatenate([np.zeros(r.size - rb.size, bool), np.ones(rb.size, bool)])
        total = np.concatenate([total, total[rb] * 0.04])
        parts = _split(rng, total, np.tile(CC_SHARES, (total.size, 1)), sigma=0.1)
        # Referral inflation: a colleague works logged in to the inflater's account.
        target = p["routed_to"][device]
        routed = (target >= 0) & (rng.random(device.size) < p["routed_share"][device])
        actor = np.where(routed, target, device)
        block = lh[r, h] // 4
        return {
            "device": device,
            "actor": actor,
            "hour": h,
            "model": model,
            "input": parts[:, 0],
            "cache_creation": parts[:, 1],
            "cache_read": parts[:, 2],
            "output": parts[:, 3],
            "local_day": ld[r, h],
            "block": block,
            "background": background,
        }

    def _cc_api_messages(self, cells: dict) -> dict:
        """Claude Code on an API key: the same tokens also appear in the Messages report."""
        if not cells:
            return {}
        p = self.org.p
        sel = np.flatnonzero(p["cc"][cells["actor"]] == 2)
        if sel.size == 0:
            return {}
        actor = cells["actor"][sel]
        cw = cells["cache_creation"][sel]
        cw1h = cw // 10
        n = sel.size
        model = np.asarray(C.CLAUDE_CODE_MODELS)[cells["model"][sel]]
        return {
            "hour": cells["hour"][sel].astype(np.int64),
            "key": p["cc_key"][actor],
            "model": model.astype(np.int64),
            "uncached": cells["input"][sel],
            "cw5m": cw - cw1h,
            "cw1h": cw1h,
            "read": cells["cache_read"][sel],
            "out": cells["output"][sel],
            "web": np.zeros(n, dtype=np.int64),
        }

    def _cc_records(self, rng, u: int, cells: dict) -> dict:
        """One record per actor, terminal and UTC day, with a breakdown over three models."""
        if not cells:
            return {}
        p = self.org.p
        terminal = p["terminal"][cells["device"]]
        (actor, term), inv = self._group([cells["actor"], terminal])
        n_rec = actor.size
        tokens = np.zeros((n_rec, 3, 4), dtype=np.int64)
        for c, name in enumerate(("input", "output", "cache_read", "cache_creation")):
            np.add.at(tokens, (inv, cells["model"], c), cells[name])
        price = self.cc_price  # in, cw5m, cw1h, read, out
        cost = (
            tokens[:, :, 0] * price[None, :, 0]
            + tokens[:, :, 1] * price[None, :, 4]
            + tokens[:, :, 2] * price[None, :, 3]
            + tokens[:, :, 3] * price[None, :, 1]
        )
        cost_cents = np.round(cost * 100.0, 2)
        # Sessions: distinct (device, local day, 4-hour block) behind each record.
        sess_key = (
            cells["device"].astype(np.int64) * 10_000
            + (cells["local_day"] + 10) * 8
            + cells["block"]
        )
        (pair_rec, _), _ = _unique_rows([inv, sess_key])
        sessions = np.bincount(pair_rec, minlength=n_rec)
        # Productivity metrics follow the person's latent productivity, not tokens.
        main = ~cells["background"]
        lp = p["lp"][cells["device"]] * main
        spam = (p["persona"][cells["device"]] == C.P_PR_SPAMMER) * main
        n = lp.size

        def per_record(lam):
            return np.bincount(inv, weights=rng.poisson(lam, n), minlength=n_rec).astype(np.int64)

        added = per_record(18.0 * lp)
        return {
            "actor": actor,
            "terminal": term,
            "customer_type": p["cc"][actor],
            "key": p["cc_key"][actor],
            "tokens": tokens,
            "cost_cents": cost_cents,
            "sessions": np.maximum(1, sessions),
            "lines_added": added,
            "lines_removed": per_record(5.0 * lp),
            "commits": per_record(0.2 * lp),
            "prs": per_record(0.05 * lp + 1.2 * spam),
            "edit_accepted": per_record(5.0 * main),
            "edit_rejected": per_record(0.6 * main),
            "multi_accepted": per_record(1.5 * main),
            "multi_rejected": per_record(0.2 * main),
            "write_accepted": per_record(1.0 * main),
            "write_rejected": per_record(0.1 * main),
            "nb_accepted": per_record(0.3 * (p["role"][cells["device"]] == C.R_DS) * main),
            "nb_rejected": np.zeros(n_rec, dtype=np.int64),
        }

    @staticmethod
    def _group(keys):
        return _unique_rows(keys)

    # --- Claude Code telemetry ------------------------------------------------------------
    def _telemetry(self, rng, u: int, cells: dict) -> dict:
        if not cells or u < self.telemetry_start:
            return {}
        p = self.org.p
        sel = np.flatnonzero(p["telemetry"][cells["device"]])
        if sel.size == 0:
            return {}
        device = cells["device"][sel]
        tok = np.stack(
            [cells[k][sel] for k in ("input", "output", "cache_read", "cache_creation")], axis=1
        )
        total = tok.sum(axis=1)
        k = np.clip(np.round(total / p["cc_req_size"][device]), 1, 15).astype(np.int64)
        ev_cell = np.repeat(np.arange(sel.size), k)
        n = ev_cell.size
        starts = np.concatenate([[0], np.cumsum(k)[:-1]])
        w = rng.gamma(2.0, 1.0, n)
        cw = np.cumsum(w)
        base = np.repeat(cw[starts] - w[starts], k)
        tot = np.repeat(cw[starts + k - 1] - cw[starts] + w[starts], k)
        frac = (cw - base) / tot
        last = np.zeros(n, dtype=bool)
        last[starts + k - 1] = True
        frac[last] = 1.0
        prev = np.concatenate([[0.0], frac[:-1]])
        prev[starts] = 0.0
        ev_tok = (
            np.floor(tok[ev_cell] * frac[:, None]) - np.floor(tok[ev_cell] * prev[:, None])
        ).astype(np.int64)
        actor = cells["actor"][sel][ev_cell]
        dev = device[ev_cell]
        model = cells["model"][sel][ev_cell]
        hour = cells["hour"][sel][ev_cell]
        ts_ms = (hour * 3_600_000 + (prev + (frac - prev) * 0.5) * 3_590_000).astype(np.int64)
        # The client's own report: honest clients lose ~1% of events; inflaters report ~10x.
        keep = rng.random(n) >= 0.01
        inflate = p["persona"][actor] == C.P_TELEMETRY_INFLATER
        factor = np.where(
            inflate,
            np.exp(np.log(10.0) + 0.08 * hash_normal(self.seed, S_INFLATION, actor, u)),
            1.0,
        )
        reported = np.round(ev_tok * factor[:, None]).astype(np.int64)
        price = self.cc_price[model]
        cost = (
            reported[:, 0] * price[:, 0]
            + reported[:, 1] * price[:, 4]
            + reported[:, 2] * price[:, 3]
            + reported[:, 3] * price[:, 1]
        )
        session = hash64(
            self.seed,
            S_SESSION,
            dev,
            actor,
            cells["local_day"][sel][ev_cell],
            cells["block"][sel][ev_cell],
        )
        seq = np.arange(n)
        req_a = hash64(self.seed, S_TELEMETRY, u, seq, 1)
        req_b = hash64(self.seed, S_TELEMETRY, u, seq, 2)
        duration = (1500 + reported[:, 1] * 25 * lognormal_mean1(rng, 0.4, n)).astype(np.int64)
        order = np.lexsort((seq, ts_ms))
        order = order[keep[order]]
        return {
            "ts_ms": ts_ms[order],
            "actor": actor[order],
            "device": dev[order],
            "model": model[order],
            "input": reported[order, 0],
            "output": reported[order, 1],
            "cache_read": reported[order, 2],
            "cache_creation": reported[order, 3],
            "cost_usd": np.round(cost[order], 6),
            "duration_ms": duration[order],
            "session": session[order].view(np.int64),
            "req_a": req_a[order].view(np.int64),
            "req_b": req_b[order].view(np.int64),
        }

    # --- OpenAI ------------------------------------------------------------------------------
    def _openai(self, rng, u: int) -> dict:
        org, p = self.org, self.org.p
        chunks = []
        idx = self.openai_people
        if idx.size:
            inten, *_ = human_intensity(org, idx, u)
            r, h, scale = _cells(rng, inten, 2.0)
            people = idx[r]
            user = np.where(p["openai_user_in_usage"][people], people, -1)
            chunks.append(
                {
                    "hour": h,
                    "user": user,
                    "key": p["okey"][people],
                    "model": _pick(rng, p["openai_mix"][people]),
                    "batch": np.zeros(r.size, dtype=np.int64),
                    "total": p["vol_openai"][people] * scale,
                    "cached_share": p["openai_cached"][people],
                    "req_size": p["openai_req_size"][people],
                }
            )
        chunks.append(self._services(rng, u, provider=1))
        rows = _concat(chunks)
        if not rows:
            return {}
        n = rows["total"].size
        out = np.floor(rows["total"] * 0.1 * lognormal_mean1(rng, 0.2, n))
        inp = np.round(rows["total"] - out)
        cached = np.floor(
            inp * np.clip(rows["cached_share"] * lognormal_mean1(rng, 0.2, n), 0, 0.95)
        )
        req = np.maximum(1, np.round(rows["total"] / rows["req_size"]))
        hour = np.zeros_like(rows["hour"]) if self.daily_buckets else rows["hour"]
        keys = [hour, rows["user"], rows["key"], rows["model"], rows["batch"]]
        (hour, user, key, model, batch), sums = _aggregate(
            keys, {"input": inp, "cached": cached, "output": out, "requests": req}
        )
        return {"hour": hour, "user": user, "key": key, "model": model, "batch": batch, **sums}

    # --- Cursor ------------------------------------------------------------------------------
    def _cursor(self, rng, u: int) -> dict:
        org, p = self.org, self.org.p
        idx = self.cursor_people
        if idx.size == 0:
            return {}
        inten, *_ = human_intensity(org, idx, u)
        counts = rng.poisson(inten * p["cursor_rate"][idx][:, None])
        r, h = np.nonzero(counts)
        k = counts[r, h]
        person = np.repeat(idx[r], k)
        hour = np.repeat(h, k)
        n = person.size
        model = _pick(rng, p["cursor_mix"][person])
        stuffer = p["persona"][person] == C.P_PROMPT_STUFFER
        inp = np.where(
            stuffer, rng.uniform(120_000, 195_000, n), np.exp(rng.normal(np.log(3_500), 0.8, n))
        )
        read = np.where(
            stuffer,
            (rng.random(n) < 0.15) * np.exp(rng.normal(np.log(1_500), 0.5, n)),
            (rng.random(n) < 0.85) * np.exp(rng.normal(np.log(22_000), 0.9, n)),
        )
        write = np.where(
            stuffer, 0.0, (rng.random(n) < 0.12) * np.exp(rng.normal(np.log(4_000), 0.7, n))
        )
        outp = np.exp(rng.normal(np.log(600), 0.7, n))
        inp, read, write, outp = (np.round(x).astype(np.int64) for x in (inp, read, write, outp))
        price = self.cursor_price[model]
        max_mode = rng.random(n) < 0.04
        cents = (
            (inp * price[:, 0] + write * price[:, 1] + read * price[:, 3] + outp * price[:, 4])
            * 100.0
            * np.where(max_mode, 1.2, 1.0)
        )
        usage_based = max_mode | (rng.random(n) < 0.05)
        ts_ms = hour.astype(np.int64) * 3_600_000 + rng.integers(0, 3_600_000, n)
        order = np.lexsort((person, ts_ms))
        return {
            "ts_ms": ts_ms[order],
            "person": person[order],
            "model": model[order],
            "usage_based": usage_based[order],
            "max_mode": max_mode[order],
            "input": inp[order],
            "output": outp[order],
            "cache_write": write[order],
            "cache_read": read[order],
            "cents": np.round(cents[order], 4),
        }

    # --- Copilot ----------------------------------------------------------------------------
    def _copilot(self, rng, u: int) -> dict:
        org, p = self.org, self.org.p
        idx = self.copilot_people
        if idx.size == 0:
            return {}
        dow = (org.start_dow + u) % 7
        f = day_factor(org, idx, np.full(idx.size, u))
        emp = org.employed_on(idx, u)
        act_p = 0.8 if dow < 5 else 0.04
        on = emp & (f > 0) & (rng.random(idx.size) < act_p)
        person = idx[on]
        n = person.size
        lvl = p["copilot_level"][person] * f[on]
        inter = rng.poisson(8.0 * lvl)
        gen = rng.poisson(25.0 * lvl)
        acc = rng.binomial(gen, 0.3)
        loc_sug = np.round(gen * np.exp(rng.normal(np.log(12), 0.3, n))).astype(np.int64)
        loc_add = np.round(acc * np.exp(rng.normal(np.log(9), 0.3, n))).astype(np.int64)
        cli = p["copilot_cli"][person] & (rng.random(n) < 0.5)
        prompt = np.where(cli, np.round(np.exp(rng.normal(np.log(120_000), 0.8, n)) * lvl), 0)
        output = np.where(cli, np.round(prompt * 0.06), 0)
        return {
            "person": person,
            "interactions": inter,
            "generations": gen,
            "acceptances": acc,
            "loc_suggested": loc_sug,
            "loc_added": loc_add,
            "used_agent": rng.random(n) < 0.3,
            "used_chat": rng.random(n) < 0.6,
            "used_cli": cli,
            "ide": p["copilot_ide"][person],
            "prompt_tokens": prompt.astype(np.int64),
            "output_tokens": output.astype(np.int64),
        }
