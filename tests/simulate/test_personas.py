"""Each planted persona leaves the trace it would leave in real exports, computed here straight
from the raw files with DuckDB (the ground truth only says who is who)."""

from __future__ import annotations

import statistics


def _who(duck, persona: str) -> list[tuple[str, str]]:
    rows = duck.execute(
        "select employee_id, email from people where persona = ? order by 1", [persona]
    ).fetchall()
    assert rows, f"no {persona} in the small organisation"
    return rows


def _owner_hours(duck, personal_only: bool = False):
    """Messages tokens per key owner and hour bucket, with the owner's local time at the middle
    of the bucket (half-hour timezones put bucket starts at hh:30).

    `personal_only` keeps the keys the ground truth calls personal (shared team keys and the
    keys Claude Code runs on mix other people's or tools' rhythms into the owner's)."""
    personal = (
        "and k.api_key_id in (select api_key_id from truth_keys where kind = 'personal')"
        if personal_only
        else ""
    )
    return f"""
        with owners as (
            select k.api_key_id, k.owner_email as email, any_value(r.timezone) as tz
            from keys k join roster r on r.email = k.owner_email
            where k.provider = 'anthropic' {personal} group by all),
        local as (
            select o.email, timezone(o.tz, m.ts + interval 30 minute) as lt, m.*
            from msg m join owners o on o.api_key_id = m.key)
        select * from local"""


def test_every_persona_is_planted(duck):
    counts = dict(duck.execute("select persona, count(*) from people group by 1").fetchall())
    for persona in (
        "pr_spammer",
        "always_on_bot",
        "referral_inflater",
        "telemetry_inflater",
        "unattended_agent",
        "prompt_stuffer",
    ):
        assert counts.get(persona, 0) >= 1, persona
    assert counts["normal"] > 40


def test_telemetry_inflaters_report_ten_times_what_billing_shows(duck):
    rows = duck.execute("""
        with t as (select email, ts::date as d, sum(tokens) as tel from tel group by all),
        b as (select coalesce(cc.email, k.owner_email) as email, day::date as d,
                     sum(tokens) as billed
              from cc left join keys k on k.api_key_name = cc.key_name group by all)
        select p.persona, email, d, tel, billed
        from t join b using (email, d) join people p using (email)""").fetchall()
    inflater = [r for r in rows if r[0] == "telemetry_inflater"]
    honest = [r for r in rows if r[0] != "telemetry_inflater"]
    assert len(inflater) >= 10 and len(honest) >= 20
    for _, email, day, tel, billed in inflater:
        assert 7 <= tel / billed <= 13, (email, day, tel / billed)
    by_person: dict[str, list[float]] = {}
    for _, email, _, tel, billed in honest:
        by_person.setdefault(email, [0.0, 0.0])
        by_person[email][0] += tel
        by_person[email][1] += billed
    assert len(by_person) >= 3
    # Honest clients lose a few events, never add any: near 1 per person, ~0.99 overall.
    for email, (tel, billed) in by_person.items():
        assert 0.8 <= tel / billed <= 1.0, (email, tel / billed)
    total_tel = sum(t for t, _ in by_person.values())
    total_billed = sum(b for _, b in by_person.values())
    assert 0.97 <= total_tel / total_billed <= 1.0


def test_unattended_agents_work_nights_and_weekends_in_their_timezone(duck):
    rows = duck.execute(f"""
        with l as ({_owner_hours(duck, personal_only=True)})
        select p.persona, l.email,
               coalesce(sum(tokens) filter (where hour(lt) < 6 or isodow(lt) >= 6), 0)
                 / sum(tokens) as off_hours
        from l join people p using (email) group by all""").fetchall()
    agents = [r for r in rows if r[0] == "unattended_agent"]
    normal = [r for r in rows if r[0] == "normal"]
    assert agents and len(normal) >= 3
    for _, email, share in agents:
        assert share > 0.6, (email, share)
    for _, email, share in normal:
        assert share < 0.15, (email, share)


def test_always_on_bots_burn_flat_through_every_office_hour(duck):
    for employee_id, email in _who(duck, "always_on_bot"):
        office = duck.execute(
            f"""
            with l as ({_owner_hours(duck)}),
            bot as (select date_trunc('hour', lt) as h, sum(tokens) as tokens
                    from l where email = ? and model like 'claude-haiku%' group by 1)
            select h, tokens from bot""",
            [email],
        ).fetchall()
        slots = {h: t for h, t in office}
        weekday_hours = [h for h in slots if h.isoweekday() <= 5 and 8 <= h.hour < 18]
        # Every office hour of every weekday in the period (but the first/last partial days).
        days = {h.date() for h in weekday_hours}
        assert len(days) >= 18
        full_days = sorted(days)[1:-1]
        expected = len(full_days) * 10
        covered = sum(1 for h in weekday_hours if h.date() in full_days)
        assert covered >= 0.95 * expected, (employee_id, covered, expected)
        values = [slots[h] for h in weekday_hours if h.date() in full_days]
        median = statistics.median(values)
        flat = sum(1 for v in values if abs(v / median - 1) < 0.25) / len(values)
        assert flat > 0.8, (employee_id, flat)
        night = sum(t for h, t in slots.items() if h.hour < 6)
        assert night < 0.02 * sum(slots.values())
    # ... and nothing delivered.
    prs = dict(
        duck.execute("""
        select p.persona, count(*) filter (where pr.merged_at is not null) / count(distinct
               p.employee_id)
        from people p join roster r using (email)
        left join pr on pr."user".login = r.github_login
        where p.role = 'engineer' group by 1""").fetchall()
    )
    assert prs["always_on_bot"] <= 1
    assert prs["normal"] >= 3


def test_prompt_stuffers_send_huge_uncached_prompts_with_normal_output(duck):
    rows = dict(
        (r[0], r[1:])
        for r in duck.execute("""
        select p.persona = 'prompt_stuffer', median(input), sum(cache_read) / sum(input + cache_read),
               median(output), count(*)
        from cur join people p using (email) group by 1""").fetchall()
    )
    stuffer, others = rows[True], rows[False]
    assert others[3] >= 100, "too few ordinary Cursor events to compare with"
    assert stuffer[0] > 10 * others[0]
    assert stuffer[1] < 0.1 < 0.5 < others[1]
    assert 0.5 < stuffer[2] / others[2] < 2
    # Their own API key (not the ones Claude Code runs on) shows the same shape.
    api = dict(
        duck.execute(f"""
        with l as ({_owner_hours(duck)})
        select p.persona = 'prompt_stuffer',
               median(cache_read / (cache_read + uncached)) from l join people p using (email)
        where p.persona in ('normal', 'prompt_stuffer')
          and l.key not in (select k.api_key_id from keys k
                            join cc on cc.key_name = k.api_key_name)
        group by 1""").fetchall()
    )
    assert api[True] < 0.1 and api[False] > 0.25


def test_pr_spammers_open_many_tiny_prs_and_burn_tokens(duck):
    rows = duck.execute("""
        select p.persona, p.employee_id, count(pr.id) as prs,
               coalesce(avg((pr.additions + pr.deletions < 10)::int), 0) as tiny
        from people p join (select distinct email, github_login from roster) r using (email)
        left join pr on pr."user".login = r.github_login
        where p.role = 'engineer' group by all""").fetchall()
    normal = [r for r in rows if r[0] == "normal"]
    median_prs = statistics.median(r[2] for r in normal)
    normal_tiny = duck.execute("""
        select avg((additions + deletions < 10)::int) from pr
        join (select distinct github_login from roster r join people p using (email)
              where p.persona = 'normal') n on n.github_login = pr."user".login""").fetchone()[0]
    assert normal_tiny < 0.1
    # AI tokens per person: their personal API keys plus their Claude Code records.
    tokens = dict(
        duck.execute(f"""
        with api as (select email, sum(tokens) as t from ({_owner_hours(duck, True)}) l
                     group by 1),
        code as (select email, sum(tokens) as t from cc where email is not null group by 1)
        select p.email, coalesce(api.t, 0) + coalesce(code.t, 0)
        from people p left join api using (email) left join code using (email)
        where p.role = 'engineer'""").fetchall()
    )
    personas = dict(duck.execute("select email, persona from people").fetchall())
    users = sorted(v for e, v in tokens.items() if personas[e] == "normal" and v > 0)
    top_quartile = users[int(0.75 * len(users))]
    for persona, employee_id, prs, tiny in rows:
        if persona != "pr_spammer":
            continue
        assert prs >= 3 * max(median_prs, 1), (employee_id, prs, median_prs)
        assert tiny > 0.6, (employee_id, tiny)
        email = duck.execute(
            "select email from people where employee_id = ?", [employee_id]
        ).fetchone()[0]
        assert tokens[email] > top_quartile, (employee_id, tokens[email], top_quartile)


def test_referral_inflaters_collect_colleagues_usage(duck):
    for employee_id, email in _who(duck, "referral_inflater"):
        installs = duck.execute(
            """
            select install, sum(tokens) from tel where email = ? group by 1""",
            [email],
        ).fetchall()
        assert len(installs) >= 2, "telemetry shows one install only"
        team = duck.execute("select team_id from roster where email = ?", [email]).fetchone()[0]
        foreign = 0
        for install, routed in installs:
            owners = duck.execute(
                """
                select email, sum(tokens) from tel where install = ? and email <> ?
                group by 1""",
                [install, email],
            ).fetchall()
            if not owners:
                continue  # the inflater's own machine
            foreign += 1
            assert len(owners) == 1
            mate, own = owners[0]
            assert (
                duck.execute("select team_id from roster where email = ?", [mate]).fetchone()[0]
                == team
            )
            share = routed / (routed + own)
            assert 0.4 < share < 0.95, (mate, share)
            # The colleague's own billed Claude Code usage drops accordingly.
            billed = (
                duck.execute("select sum(tokens) from cc where email = ?", [mate]).fetchone()[0]
                or 0
            )
            assert billed < 0.6 * (routed + own)
        assert foreign >= 1, employee_id


def test_claude_code_on_api_keys_is_in_the_messages_report_once(duck):
    rows = duck.execute("""
        with c as (select k.api_key_id, cc.day::date as d, cc.model, sum(cc.input) as input,
                          sum(cc.output) as output, sum(cc.cache_read) as cache_read,
                          sum(cc.cache_creation) as cache_creation
                   from cc join keys k on k.api_key_name = cc.key_name
                   where cc.customer_type = 'api' group by all),
        m as (select key, ts::date as d, model, sum(uncached) as input, sum(output) as output,
                     sum(cache_read) as cache_read, sum(cache_write) as cache_creation
              from msg group by all)
        select c.*, m.input, m.output, m.cache_read, m.cache_creation
        from c left join m on m.key = c.api_key_id and m.d = c.d and m.model = c.model""").fetchall()
    assert rows
    for row in rows:
        assert row[3:7] == row[7:11], row[:3]


def test_delivery_follows_latent_productivity_not_tokens(duck):
    rows = duck.execute("""
        with merged as (
            select pr."user".login as login, count(*) as merged_prs from pr
            where pr.merged_at is not null and pr."user".type = 'User' group by 1)
        select p.latent_productivity::double, coalesce(m.merged_prs, 0),
               coalesce(p.typical_daily_api_tokens::double, 0)
                 + coalesce(p.typical_daily_claude_code_tokens::double, 0)
        from people p join (select distinct email, github_login from roster) r using (email)
        left join merged m on m.login = r.github_login
        where p.persona = 'normal' and p.role = 'engineer'
          and p.end_date is null and p.start_date < '2025-11-01'""").fetchall()
    assert len(rows) >= 25
    lp = [r[0] for r in rows]
    out = [r[1] for r in rows]
    tokens = [r[2] for r in rows]
    by_lp = statistics.correlation(_ranks(lp), _ranks(out))
    by_tokens = statistics.correlation(_ranks(tokens), _ranks(out))
    assert by_lp > 0.3, by_lp
    assert by_tokens < by_lp


def _ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    for rank, i in enumerate(order):
        ranks[i] = float(rank)
    return ranks
