{{ config(schema='intermediate') }}
-- Traces of one Claude Code profile used by several people, per person and month:
--   * client telemetry: distinct installs (user.id) reporting under the person's email on the
--     same UTC day (one person works from one install at a time);
--   * Claude Code analytics (billing side, whole period): sessions per active day and days with
--     records from two or more terminal types.
-- API-key actors of Claude Code are mapped to the key's owner.
with telemetry as (
    select
        identities.employee_key,
        cast(events.requested_at as date) as usage_date,
        events.install_key,
        events.session_id
    from {{ ref('stg_telemetry__claude_code_events') }} as events
    inner join {{ ref('int_identities') }} as identities
        on identities.identity_type = 'email'
        and identities.identity_key = events.user_email_key
    where events.reject_reason is null
),

telemetry_days as (
    select
        employee_key,
        usage_date,
        count(distinct install_key) as installs,
        count(distinct session_id) as sessions
    from telemetry
    group by employee_key, usage_date
),

telemetry_installs as (
    select
        employee_key,
        cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as month_start,
        count(distinct install_key) as telemetry_installs
    from telemetry
    group by employee_key, cast({{ dbt.date_trunc('month', 'usage_date') }} as date)
),

telemetry_months as (
    select
        employee_key,
        cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as month_start,
        count(*) as telemetry_days,
        max(installs) as max_installs_per_day,
        sum(case when installs >= {{ audit_threshold('referral_inflation.min_parallel_installs') }}
             then 1 else 0 end) as parallel_install_days,
        sum(sessions) as telemetry_sessions
    from telemetry_days
    group by employee_key, cast({{ dbt.date_trunc('month', 'usage_date') }} as date)
),

claude_code as (
    select
        coalesce(by_email.employee_key, keys.owner_employee_key) as employee_key,
        records.activity_date,
        records.terminal_type,
        records.num_sessions
    from {{ ref('stg_anthropic__claude_code') }} as records
    left join {{ ref('int_identities') }} as by_email
        on by_email.identity_type = 'email'
        and by_email.identity_key = records.actor_email_key
    left join {{ ref('int_api_key_owners') }} as keys
        on records.actor_email_key is null
        and keys.provider = 'anthropic'
        and keys.api_key_name = records.actor_api_key_name
        and records.activity_date >= keys.valid_from
        and records.activity_date < keys.valid_to
    where records.reject_reason is null
),

claude_code_days as (
    select
        employee_key,
        activity_date,
        count(distinct terminal_type) as terminals,
        sum(num_sessions) as sessions
    from claude_code
    where employee_key is not null
    group by employee_key, activity_date
),

claude_code_months as (
    select
        employee_key,
        cast({{ dbt.date_trunc('month', 'activity_date') }} as date) as month_start,
        count(*) as claude_code_days,
        sum(sessions) as claude_code_sessions,
        sum(case when terminals >= 2 then 1 else 0 end) as multi_terminal_days
    from claude_code_days
    group by employee_key, cast({{ dbt.date_trunc('month', 'activity_date') }} as date)
),

keys as (
    select employee_key, month_start from telemetry_months
    union
    select employee_key, month_start from claude_code_months
)

select
    keys.employee_key,
    keys.month_start,
    cast(coalesce(t.telemetry_days, 0) as {{ dbt.type_int() }}) as telemetry_days,
    cast(coalesce(i.telemetry_installs, 0) as {{ dbt.type_int() }}) as telemetry_installs,
    cast(coalesce(t.max_installs_per_day, 0) as {{ dbt.type_int() }}) as max_installs_per_day,
    cast(coalesce(t.parallel_install_days, 0) as {{ dbt.type_int() }}) as parallel_install_days,
    cast(coalesce(c.claude_code_days, 0) as {{ dbt.type_int() }}) as claude_code_days,
    cast(coalesce(c.claude_code_sessions, 0) as {{ dbt.type_bigint() }}) as claude_code_sessions,
    cast(coalesce(c.multi_terminal_days, 0) as {{ dbt.type_int() }}) as multi_terminal_days,
    {{ safe_divide('c.claude_code_sessions', 'c.claude_code_days') }} as sessions_per_active_day,
    {{ safe_divide('c.multi_terminal_days', 'c.claude_code_days') }} as multi_terminal_share
from keys
left join telemetry_months as t
    on keys.employee_key = t.employee_key and keys.month_start = t.month_start
left join telemetry_installs as i
    on keys.employee_key = i.employee_key and keys.month_start = i.month_start
left join claude_code_months as c
    on keys.employee_key = c.employee_key and keys.month_start = c.month_start
