-- Usage by hour: the detail the audit needs to see the time of day. Daily-bucket sources
-- (Claude Code, Copilot, daily pulls) sit at midnight with bucket_width '1d'; per-request
-- sources (Cursor) are summed into their hour.
-- Incremental on DuckDB: whole usage days are replaced from the first affected day on; the
-- window filter below reaches the staging tables through the attribution and union views.
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='append',
    pre_hook="{{ incremental_delete(incremental_window('usage_date')) }}",
    on_schema_change='fail',
) }}

with usage as (
    select
        *,
        {{ dbt.date_trunc('hour', 'usage_at') }} as usage_hour
    from {{ ref('int_token_usage_attributed') }}
    where {{ incremental_window('usage_date') }}
)

select
    {{ surrogate_key(['employee_key', 'usage_hour', 'bucket_width', 'provider', 'tool', 'model', 'api_key_id']) }}
        as usage_hourly_id,
    employee_key,
    team_id,
    cast(usage_hour as {{ dbt.type_timestamp() }}) as usage_hour,
    usage_date,
    bucket_width,
    provider,
    tool,
    model,
    model_family,
    api_key_id,
    cast(sum(uncached_input_tokens) as {{ dbt.type_bigint() }}) as uncached_input_tokens,
    cast(sum(cache_write_5m_tokens + cache_write_1h_tokens) as {{ dbt.type_bigint() }}) as cache_write_tokens,
    cast(sum(cache_read_tokens) as {{ dbt.type_bigint() }}) as cache_read_tokens,
    cast(sum(output_tokens) as {{ dbt.type_bigint() }}) as output_tokens,
    cast(sum(uncached_input_tokens + cache_write_5m_tokens + cache_write_1h_tokens + cache_read_tokens
        + output_tokens) as {{ dbt.type_bigint() }}) as total_tokens,
    cast(sum(requests) as {{ dbt.type_bigint() }}) as requests,
    sum(list_cost_usd) as list_cost_usd,
    sum(vendor_cost_usd) as vendor_cost_usd,
    is_attributed,
    is_priced
from usage
group by employee_key, team_id, usage_hour, usage_date, bucket_width, provider, tool, model,
    model_family, api_key_id, is_attributed, is_priced
