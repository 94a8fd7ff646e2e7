-- Billed vs client-reported Claude Code tokens per person, UTC day and provider. Billing
-- exports are the truth; telemetry is what the client says it used.
--   billed:   Claude Code seats (subscription) from fct_ai_usage_daily (tool 'claude_code'),
--             plus Claude Code run on an API key: the tokens the Claude Code analytics report
--             shows for that key's actor (the Messages report bills the same tokens under the
--             key, where fct_ai_usage_daily cannot tell them from the owner's other API use).
--   reported: stg_telemetry__claude_code_events, mapped to the person by email.
-- Rows: every day with either side, for people in the telemetry pilot, between their first
-- and last telemetry day (outside it, a missing report says nothing).
with billed_seats as (
    select employee_key, usage_date, provider, total_tokens
    from {{ ref('fct_ai_usage_daily') }}
    where provider = 'anthropic' and tool = 'claude_code' and employee_key is not null
),

billed_keys as (
    select
        keys.owner_employee_key as employee_key,
        records.activity_date as usage_date,
        'anthropic' as provider,
        models.uncached_input_tokens + models.cache_write_tokens + models.cache_read_tokens
            + models.output_tokens as total_tokens
    from {{ ref('stg_anthropic__claude_code_models') }} as models
    inner join {{ ref('stg_anthropic__claude_code') }} as records
        on models.record_id = records.record_id
    inner join {{ ref('int_api_key_owners') }} as keys
        on keys.provider = 'anthropic'
        and keys.api_key_name = records.actor_api_key_name
        and records.activity_date >= keys.valid_from
        and records.activity_date < keys.valid_to
    where models.reject_reason is null
      and records.customer_type = 'api'
      and records.actor_email_key is null
      and keys.owner_employee_key is not null
),

billed as (
    select employee_key, usage_date, provider, sum(total_tokens) as billed_tokens
    from (
        select * from billed_seats
        union all
        select * from billed_keys
    ) as both_kinds
    group by employee_key, usage_date, provider
),

reported as (
    select
        identities.employee_key,
        cast(events.requested_at as date) as usage_date,
        'anthropic' as provider,
        sum(events.uncached_input_tokens + coalesce(events.cache_write_tokens, 0)
            + coalesce(events.cache_read_tokens, 0) + events.output_tokens) as reported_tokens
    from {{ ref('stg_telemetry__claude_code_events') }} as events
    inner join {{ ref('int_identities') }} as identities
        on identities.identity_type = 'email'
        and identities.identity_key = events.user_email_key
    where events.reject_reason is null and events.is_api_request
    group by identities.employee_key, cast(events.requested_at as date)
),

pilot as (
    select employee_key, min(usage_date) as first_day, max(usage_date) as last_day
    from reported
    group by employee_key
),

days as (
    select employee_key, usage_date, provider from reported
    union
    select billed.employee_key, billed.usage_date, billed.provider
    from billed
    inner join pilot
        on billed.employee_key = pilot.employee_key
        and billed.usage_date >= pilot.first_day
        and billed.usage_date <= pilot.last_day
),

joined as (
    select
        days.employee_key,
        days.usage_date,
        days.provider,
        cast(coalesce(billed.billed_tokens, 0) as {{ dbt.type_bigint() }}) as billed_tokens,
        cast(coalesce(reported.reported_tokens, 0) as {{ dbt.type_bigint() }}) as reported_tokens
    from days
    left join billed
        on days.employee_key = billed.employee_key
        and days.usage_date = billed.usage_date
        and days.provider = billed.provider
    left join reported
        on days.employee_key = reported.employee_key
        and days.usage_date = reported.usage_date
        and days.provider = reported.provider
),

assigned as (
    select
        joined.*,
        assignments.team_id
    from joined
    left join {{ ref('int_employee_assignments') }} as assignments
        on joined.employee_key = assignments.employee_key
        and joined.usage_date >= assignments.valid_from
        and joined.usage_date < assignments.valid_to
)

select
    employee_key,
    usage_date,
    provider,
    team_id,
    billed_tokens,
    reported_tokens,
    {{ safe_divide('reported_tokens', 'billed_tokens') }} as ratio,
    case
        when billed_tokens = 0 and reported_tokens = 0 then 'matched'
        when reported_tokens = 0 then 'billing-only'
        when billed_tokens = 0 then 'telemetry-only'
        when reported_tokens > billed_tokens * (1 + {{ audit_threshold('reconciliation.tolerance') }})
            then 'over-reported'
        when reported_tokens < billed_tokens * (1 - {{ audit_threshold('reconciliation.tolerance') }})
            then 'under-reported'
        else 'matched'
    end as status
from assigned
