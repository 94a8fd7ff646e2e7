-- The floor: marts.fct_team_months computed by ONE hand-written DuckDB query straight from the
-- landing tables, with the same rules as the dbt project (validity checks, first-record-wins
-- de-duplication of overlapping pages, count-once rule, identity and API-key attribution,
-- team at the time, list prices, medians, outcome score) but none of its layering,
-- pseudonymisation, hourly fact, tests or bookkeeping. `mileage bench` times it and reports
-- dbt build / floor, and checks the two agree.
--
-- Placeholders filled by mileage/bench.py: {model_families_csv}, {token_prices_csv},
-- {w_throughput}, {w_roadmap}, {w_quality}.
with
roster as (
    select
        employee_id, lower(email) as email, lower(github_login) as github_login,
        jira_account_id, openai_user_id, team_id, team_name, org,
        try_cast(valid_from as date) as valid_from,
        try_cast(valid_to as date) as valid_to_raw
    from landing.hr__roster
    where employee_id is not null and email is not null and team_id is not null
      and try_cast(valid_from as date) is not null
      and (try_cast(valid_to as date) is null or try_cast(valid_to as date) > try_cast(valid_from as date))
      and coalesce(try_cast(salary_usd as double), 0) >= 0
    qualify row_number() over (partition by employee_id, valid_from order by _source_file, _record_path) = 1
),
assignments as (
    select employee_id, team_id, team_name, org, valid_from,
           coalesce(valid_to_raw, date '9999-12-31') as valid_to, valid_to_raw is null as is_current
    from roster
),
identities as (
    select identity_type, identity_key, min(employee_id) as employee_id
    from (
        select distinct 'email' as identity_type, email as identity_key, employee_id from roster
        union all
        select distinct 'github_login', github_login, employee_id from roster where github_login is not null
        union all
        select distinct 'jira_account', jira_account_id, employee_id from roster where jira_account_id is not null
        union all
        select distinct 'openai_user', openai_user_id, employee_id from roster where openai_user_id is not null
    )
    group by all
    having count(distinct employee_id) = 1
),
key_owners as (
    select k.provider, k.api_key_id, i.employee_id as owner_id, k.valid_from,
           coalesce(k.valid_to, date '9999-12-31') as valid_to
    from (
        select lower(provider) as provider, api_key_id, lower(owner_email) as owner_email,
               try_cast(valid_from as date) as valid_from, try_cast(valid_to as date) as valid_to
        from landing.hr__api_keys
        where api_key_id is not null and lower(provider) in ('anthropic', 'openai')
          and try_cast(valid_from as date) is not null
        qualify row_number() over (partition by lower(provider), api_key_id, try_cast(valid_from as date)
                                   order by _source_file, _record_path) = 1
    ) as k
    left join identities as i on i.identity_type = 'email' and i.identity_key = k.owner_email
),
-- every billed token once, in one shape: (identity or key, day, model, token classes)
anthropic_api as (
    select 'anthropic' as provider, api_key_id, null::varchar as identity_type,
           null::varchar as identity_key, cast(start_at as date) as usage_date, model,
           uncached_input_tokens as uncached, cache_creation_5m_input_tokens as cw5,
           cache_creation_1h_input_tokens as cw1, cache_read_input_tokens as cr, output_tokens as outp,
           service_tier = 'batch' as is_batch
    from (
        select *, timezone('UTC', try_cast(starting_at as timestamptz)) as start_at
        from landing.anthropic__usage_report_messages
    )
    where start_at is not null and model is not null
      and least(uncached_input_tokens, cache_creation_5m_input_tokens, cache_creation_1h_input_tokens,
                cache_read_input_tokens, output_tokens) >= 0
    qualify row_number() over (partition by start_at, api_key_id, workspace_id, model, service_tier,
                               context_window order by _source_file, _record_path) = 1
),
claude_code_records as (
    select _source_file, _record_path, lower(actor_email_address) as email,
           lower(customer_type) as customer_type,
           cast(timezone('UTC', try_cast(date as timestamptz)) as date) as activity_date
    from landing.anthropic__claude_code
    where cast(timezone('UTC', try_cast(date as timestamptz)) as date) is not null
      and (actor_email_address is not null or actor_api_key_name is not null)
      and lower(customer_type) in ('api', 'subscription')
      and num_sessions >= 0 and lines_added >= 0 and lines_removed >= 0
    qualify row_number() over (
        partition by cast(timezone('UTC', try_cast(date as timestamptz)) as date), actor_type,
                     lower(actor_email_address), actor_api_key_name, terminal_type
        order by _source_file, _record_path) = 1
),
claude_code as (
    select 'anthropic' as provider, null::varchar as api_key_id, 'email' as identity_type,
           r.email as identity_key, r.activity_date as usage_date, m.model,
           m.input_tokens as uncached, m.cache_creation_tokens as cw5, 0::bigint as cw1,
           m.cache_read_tokens as cr, m.output_tokens as outp, false as is_batch
    from landing.anthropic__claude_code_models as m
    inner join claude_code_records as r
        on m._source_file = r._source_file and m._record_path = r._record_path
    where r.customer_type = 'subscription' and m.model is not null
      and least(m.input_tokens, m.cache_creation_tokens, m.cache_read_tokens, m.output_tokens) >= 0
),
openai_api as (
    select 'openai' as provider, api_key_id,
           case when user_id is not null then 'openai_user' end as identity_type,
           user_id as identity_key, cast(make_timestamp(start_time * 1000000) as date) as usage_date,
           model, input_tokens - input_cached_tokens as uncached, 0::bigint as cw5, 0::bigint as cw1,
           input_cached_tokens as cr, output_tokens as outp, coalesce(batch, false) as is_batch
    from landing.openai__usage_completions
    where start_time is not null and model is not null
      and least(input_tokens, input_cached_tokens, output_tokens) >= 0
      and input_cached_tokens <= input_tokens
    qualify row_number() over (partition by start_time, project_id, user_id, api_key_id, model,
                               coalesce(batch, false), service_tier
                               order by _source_file, _record_path) = 1
),
cursor_requests as (
    select 'cursor' as provider, null::varchar as api_key_id, 'email' as identity_type,
           lower(user_email) as identity_key,
           cast(make_timestamp(try_cast("timestamp" as bigint) * 1000) as date) as usage_date, model,
           input_tokens as uncached, cache_write_tokens as cw5, 0::bigint as cw1,
           cache_read_tokens as cr, output_tokens as outp, false as is_batch
    from landing.cursor__usage_events
    where try_cast("timestamp" as bigint) is not null and user_email is not null and model is not null
      and least(input_tokens, cache_write_tokens, cache_read_tokens, output_tokens) >= 0
    qualify row_number() over (partition by "timestamp", lower(user_email), model, input_tokens,
                               cache_write_tokens, cache_read_tokens, output_tokens
                               order by _source_file, _record_path) = 1
),
copilot_cli as (
    select 'copilot' as provider, null::varchar as api_key_id, 'github_login' as identity_type,
           lower(user_login) as identity_key, try_cast(day as date) as usage_date,
           'copilot-cli' as model, coalesce(cli_prompt_tokens, 0) as uncached, 0::bigint as cw5,
           0::bigint as cw1, 0::bigint as cr, coalesce(cli_output_tokens, 0) as outp,
           false as is_batch
    from landing.copilot__users
    where try_cast(day as date) is not null and user_login is not null
      and coalesce(cli_prompt_tokens, 0) >= 0 and coalesce(cli_output_tokens, 0) >= 0
      and coalesce(user_initiated_interaction_count, 0) >= 0
    qualify row_number() over (partition by try_cast(day as date), user_id
                               order by _source_file, _record_path) = 1
        and coalesce(cli_prompt_tokens, 0) + coalesce(cli_output_tokens, 0) > 0
),
usage as (
    select * from anthropic_api
    union all select * from claude_code
    union all select * from openai_api
    union all select * from cursor_requests
    union all select * from copilot_cli
),
families as (
    select m.model, min_by(f.model_family, f.match_order) as model_family
    from (select distinct model from usage) as m
    inner join read_csv('{model_families_csv}', header = true) as f
        on regexp_matches(lower(m.model), f.model_regex)
    group by m.model
),
prices as (select * from read_csv('{token_prices_csv}', header = true)),
attributed as (
    select u.usage_date, a.team_id, coalesce(i.employee_id, o.owner_id) as employee_id,
           u.uncached + u.cw5 + u.cw1 + u.cr + u.outp as total_tokens,
           case when p.model_family is not null then (
               u.uncached * p.input_usd_per_mtok
               + u.cw5 * coalesce(p.cache_write_5m_usd_per_mtok, p.input_usd_per_mtok)
               + u.cw1 * coalesce(p.cache_write_1h_usd_per_mtok, p.input_usd_per_mtok)
               + u.cr * coalesce(p.cache_read_usd_per_mtok, p.input_usd_per_mtok)
               + u.outp * p.output_usd_per_mtok
           ) / 1000000.0 * case when u.is_batch then 1 - coalesce(p.batch_discount, 0) else 1 end
           end as list_cost_usd,
           p.model_family is not null as is_priced
    from usage as u
    left join identities as i on u.identity_type = i.identity_type and u.identity_key = i.identity_key
    left join key_owners as o
        on i.employee_id is null and u.api_key_id = o.api_key_id and u.provider = o.provider
        and u.usage_date >= o.valid_from and u.usage_date < o.valid_to
    left join assignments as a
        on a.employee_id = coalesce(i.employee_id, o.owner_id)
        and u.usage_date >= a.valid_from and u.usage_date < a.valid_to
    left join families as f on u.model = f.model
    left join prices as p on f.model_family = p.model_family
),
prs as (
    select p.opened_at, p.merged_at, p.is_bot, a.team_id
    from (
        select id, lower(user_login) as login, coalesce(user_type = 'Bot', false) as is_bot,
               timezone('UTC', try_cast(created_at as timestamptz)) as opened_at,
               timezone('UTC', try_cast(merged_at as timestamptz)) as merged_at
        from landing.github__pull_requests
        where id is not null and try_cast(created_at as timestamptz) is not null
          and coalesce(additions, 0) >= 0 and coalesce(deletions, 0) >= 0
          and not coalesce(try_cast(merged_at as timestamptz) < try_cast(created_at as timestamptz), false)
        qualify row_number() over (partition by id order by _source_file, _record_path) = 1
    ) as p
    left join identities as i on i.identity_type = 'github_login' and i.identity_key = p.login
    left join assignments as a
        on a.employee_id = i.employee_id
        and cast(coalesce(p.merged_at, p.opened_at) as date) >= a.valid_from
        and cast(coalesce(p.merged_at, p.opened_at) as date) < a.valid_to
),
bugs as (
    select b.created_at, coalesce(aa.team_id, ra.team_id) as team_id
    from (
        select id, assignee_account_id, reporter_account_id,
               timezone('UTC', try_cast(created as timestamptz)) as created_at
        from landing.jira__issues
        where id is not null and key is not null and try_cast(created as timestamptz) is not null
        qualify row_number() over (partition by id order by _source_file, _record_path) = 1
            and lower(issue_type) = 'bug'
    ) as b
    left join identities as ai on ai.identity_type = 'jira_account' and ai.identity_key = b.assignee_account_id
    left join identities as ri on ri.identity_type = 'jira_account' and ri.identity_key = b.reporter_account_id
    left join assignments as aa
        on aa.employee_id = ai.employee_id and cast(b.created_at as date) >= aa.valid_from
        and cast(b.created_at as date) < aa.valid_to
    left join assignments as ra
        on ra.employee_id = ri.employee_id and cast(b.created_at as date) >= ra.valid_from
        and cast(b.created_at as date) < ra.valid_to
),
roadmap as (
    select team_id, quarter_start,
           case when sum(planned) = 0 then null else sum(delivered) / sum(planned) end as attainment
    from (
        select team_id,
               cast(substr(quarter, 1, 4) || '-' || case substr(quarter, 7, 1) when '1' then '01'
                    when '2' then '04' when '3' then '07' when '4' then '10' end || '-01' as date)
                   as quarter_start,
               try_cast(planned_points as double) as planned,
               try_cast(delivered_points as double) as delivered
        from landing.roadmap__roadmap_items
        where item_id is not null and team_id is not null
        qualify row_number() over (partition by item_id order by _source_file, _record_path) = 1
    )
    where quarter_start is not null and planned >= 0 and delivered >= 0
    group by all
),
months as (
    select month_start, cast(month_start + interval 1 month as date) as next_month_start
    from (
        select distinct cast(date_trunc('month', usage_date) as date) as month_start from attributed
        union
        select cast(date_trunc('month', merged_at) as date) from prs where merged_at is not null
        union
        select cast(date_trunc('month', created_at) as date) from bugs
    )
),
teams as (
    select team_id, arg_max(team_name, (valid_from, valid_to)) as team_name,
           arg_max(org, (valid_from, valid_to)) as org
    from assignments group by team_id
),
staffing as (
    select a.team_id, m.month_start, count(distinct a.employee_id) as headcount
    from assignments as a
    inner join months as m on a.valid_from < m.next_month_start and a.valid_to > m.month_start
    group by all
),
usage_months as (
    select team_id, cast(date_trunc('month', usage_date) as date) as month_start,
           count(distinct employee_id) as ai_active_people, sum(total_tokens) as total_tokens,
           sum(list_cost_usd) as token_cost_usd,
           sum(case when is_priced then 0 else total_tokens end) as unpriced_tokens
    from attributed where team_id is not null group by all
),
delivery as (
    select team_id, cast(date_trunc('month', merged_at) as date) as month_start,
           count(*) as merged_prs,
           median(date_diff('second', opened_at, merged_at) / 3600.0) as median_cycle_time_hours
    from prs where merged_at is not null and not is_bot and team_id is not null group by all
),
bug_months as (
    select team_id, cast(date_trunc('month', created_at) as date) as month_start, count(*) as bugs
    from bugs where team_id is not null group by all
),
joined as (
    select s.team_id, s.month_start, t.team_name, t.org, s.headcount,
           coalesce(u.ai_active_people, 0) as ai_active_people,
           coalesce(u.total_tokens, 0) as total_tokens,
           coalesce(u.token_cost_usd, 0) as token_cost_usd,
           coalesce(u.unpriced_tokens, 0) as unpriced_tokens,
           coalesce(d.merged_prs, 0) as merged_prs, d.median_cycle_time_hours,
           coalesce(b.bugs, 0) as bugs, r.attainment as roadmap_attainment
    from staffing as s
    inner join teams as t on s.team_id = t.team_id
    left join usage_months as u on s.team_id = u.team_id and s.month_start = u.month_start
    left join delivery as d on s.team_id = d.team_id and s.month_start = d.month_start
    left join bug_months as b on s.team_id = b.team_id and s.month_start = b.month_start
    left join roadmap as r
        on s.team_id = r.team_id and cast(date_trunc('quarter', s.month_start) as date) = r.quarter_start
),
ratios as (
    select *,
           case when merged_prs = 0 then null else bugs::double / merged_prs end as bugs_per_merged_pr,
           case when total_tokens = 0 then null else merged_prs::double / (total_tokens / 1000000.0) end
               as merged_prs_per_million_tokens,
           case when merged_prs = 0 then null else token_cost_usd::double / merged_prs end
               as cost_per_merged_pr_usd,
           case when headcount = 0 then null else merged_prs::double / headcount end as merged_prs_per_head
    from joined
)
select
    team_id, month_start, team_name, org, headcount, ai_active_people, total_tokens,
    token_cost_usd, unpriced_tokens, merged_prs, median_cycle_time_hours, bugs,
    bugs_per_merged_pr, roadmap_attainment, merged_prs_per_million_tokens, cost_per_merged_pr_usd,
    100 * (
        {w_throughput} * coalesce(least(case when bench_median = 0 then null
                                              else merged_prs_per_head / bench_median end, 2.0) / 2.0, 0)
        + {w_roadmap} * coalesce(least(roadmap_attainment, 1.5) / 1.5, 0)
        + {w_quality} * case when bugs_per_merged_pr is null then 0
                             else greatest(1 - bugs_per_merged_pr, 0) end
    ) as outcome_score
from (select *, median(merged_prs_per_head) over (partition by month_start) as bench_median from ratios)
