-- A view, not a table: it only renames and stacks the staging tables, and its one heavy
-- reader, fct_ai_usage_hourly (incremental by usage day, through the view
-- int_token_usage_attributed), reads just the affected days through it instead of every row.
{{ config(materialized='view') }}

-- Every billed token once, from every usage source, in one shape with disjoint token classes.
-- Count-once rule (docs/raw-contract.md): Claude Code records with customer_type 'api' ran on
-- an API key whose tokens are already in the Messages usage report, so only 'subscription'
-- records contribute tokens here. Client telemetry is never usage (see the audit).
with anthropic_api as (
    select
        'anthropic' as provider,
        'api' as tool,
        bucket_start_at as usage_at,
        case when {{ dbt.datediff('bucket_start_at', 'bucket_end_at', 'hour') }} <= 1 then '1h' else '1d' end
            as bucket_width,
        model,
        api_key_id,
        cast(null as {{ dbt.type_string() }}) as identity_type,
        cast(null as {{ dbt.type_string() }}) as identity_key,
        uncached_input_tokens,
        cache_write_5m_tokens,
        cache_write_1h_tokens,
        cache_read_tokens,
        output_tokens,
        cast(null as {{ dbt.type_bigint() }}) as requests,
        cast(null as double) as vendor_cost_usd,
        is_batch
    from {{ ref('stg_anthropic__usage_report_messages') }}
    where reject_reason is null
),

claude_code_subscription as (
    select
        'anthropic' as provider,
        'claude_code' as tool,
        cast(records.activity_date as {{ dbt.type_timestamp() }}) as usage_at,
        '1d' as bucket_width,
        models.model,
        cast(null as {{ dbt.type_string() }}) as api_key_id,
        'email' as identity_type,
        records.actor_email_key as identity_key,
        models.uncached_input_tokens,
        -- this export does not split cache writes by TTL: priced at the 5-minute rate
        models.cache_write_tokens as cache_write_5m_tokens,
        cast(0 as {{ dbt.type_bigint() }}) as cache_write_1h_tokens,
        models.cache_read_tokens,
        models.output_tokens,
        cast(null as {{ dbt.type_bigint() }}) as requests,
        models.vendor_cost_usd,
        false as is_batch
    from {{ ref('stg_anthropic__claude_code_models') }} as models
    inner join {{ ref('stg_anthropic__claude_code') }} as records
        on models.record_id = records.record_id
    where models.reject_reason is null
      and records.customer_type = 'subscription'
),

openai_api as (
    select
        'openai' as provider,
        'api' as tool,
        bucket_start_at as usage_at,
        case when {{ dbt.datediff('bucket_start_at', 'bucket_end_at', 'hour') }} <= 1 then '1h' else '1d' end
            as bucket_width,
        model,
        api_key_id,
        case when openai_user_key is not null then 'openai_user' end as identity_type,
        openai_user_key as identity_key,
        uncached_input_tokens,
        cast(0 as {{ dbt.type_bigint() }}) as cache_write_5m_tokens,
        cast(0 as {{ dbt.type_bigint() }}) as cache_write_1h_tokens,
        cache_read_tokens,
        output_tokens,
        requests,
        cast(null as double) as vendor_cost_usd,
        is_batch
    from {{ ref('stg_openai__usage_completions') }}
    where reject_reason is null
),

cursor_requests as (
    select
        'cursor' as provider,
        'cursor' as tool,
        requested_at as usage_at,
        'request' as bucket_width,
        model,
        cast(null as {{ dbt.type_string() }}) as api_key_id,
        'email' as identity_type,
        user_email_key as identity_key,
        uncached_input_tokens,
        cache_write_tokens as cache_write_5m_tokens,
        cast(0 as {{ dbt.type_bigint() }}) as cache_write_1h_tokens,
        cache_read_tokens,
        output_tokens,
        cast(1 as {{ dbt.type_bigint() }}) as requests,
        vendor_cost_usd,
        false as is_batch
    from {{ ref('stg_cursor__usage_events') }}
    where reject_reason is null
),

copilot_cli as (
    select
        'copilot' as provider,
        'copilot_cli' as tool,
        cast(activity_date as {{ dbt.type_timestamp() }}) as usage_at,
        '1d' as bucket_width,
        'copilot-cli' as model,
        cast(null as {{ dbt.type_string() }}) as api_key_id,
        'github_login' as identity_type,
        github_login_key as identity_key,
        cli_prompt_tokens as uncached_input_tokens,
        cast(0 as {{ dbt.type_bigint() }}) as cache_write_5m_tokens,
        cast(0 as {{ dbt.type_bigint() }}) as cache_write_1h_tokens,
        cast(0 as {{ dbt.type_bigint() }}) as cache_read_tokens,
        cli_output_tokens as output_tokens,
        interactions as requests,
        cast(null as double) as vendor_cost_usd,
        false as is_batch
    from {{ ref('stg_copilot__users') }}
    where reject_reason is null
      and cli_prompt_tokens + cli_output_tokens > 0
)

select * from anthropic_api
union all
select * from claude_code_subscription
union all
select * from openai_api
union all
select * from cursor_requests
union all
select * from copilot_cli
