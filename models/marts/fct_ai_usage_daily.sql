-- Tokens and cost per person, day, provider, tool and model: the usage fact every
-- team-level figure is built from. Unattributed usage keeps its api_key_id instead.
-- Incremental on DuckDB: whole usage days are replaced from the first affected day on.
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='append',
    pre_hook="{{ incremental_delete(incremental_window('usage_date')) }}",
    on_schema_change='fail',
) }}

select
    {{ surrogate_key(['employee_key', 'usage_date', 'provider', 'tool', 'model', 'api_key_id']) }}
        as usage_daily_id,
    employee_key,
    usage_date,
    provider,
    tool,
    model,
    model_family,
    team_id,
    api_key_id,
    cast(sum(uncached_input_tokens) as {{ dbt.type_bigint() }}) as uncached_input_tokens,
    cast(sum(cache_write_tokens) as {{ dbt.type_bigint() }}) as cache_write_tokens,
    cast(sum(cache_read_tokens) as {{ dbt.type_bigint() }}) as cache_read_tokens,
    cast(sum(output_tokens) as {{ dbt.type_bigint() }}) as output_tokens,
    cast(sum(total_tokens) as {{ dbt.type_bigint() }}) as total_tokens,
    cast(sum(requests) as {{ dbt.type_bigint() }}) as requests,
    sum(list_cost_usd) as list_cost_usd,
    sum(vendor_cost_usd) as vendor_cost_usd,
    is_attributed,
    is_priced
from {{ ref('fct_ai_usage_hourly') }}
where {{ incremental_window('usage_date') }}
group by employee_key, usage_date, provider, tool, model, model_family, team_id, api_key_id,
    is_attributed, is_priced
