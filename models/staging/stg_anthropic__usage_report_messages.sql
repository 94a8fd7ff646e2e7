-- Anthropic Messages usage report: one row per bucket x api key x model (x tier, window).
-- Token classes are disjoint in this export. The natural key holds every documented group_by[]
-- dimension: two rows that differ only in inference_geo or speed are two usages.
{% set natural_key = ['bucket_start_at', 'api_key_id', 'workspace_id', 'model', 'service_tier', 'context_window', 'inference_geo', 'speed', 'account_id', 'service_account_id'] %}
{{ config(**staging_config(natural_key)) }}

with source as (
    select * from {{ source('landing', 'anthropic__usage_report_messages') }}
    where {{ staging_files_filter() }}
),

renamed as (
    select
        -- ids
        api_key_id,
        workspace_id,
        -- a report fetched without group_by[]=model: kept as unpriced usage (docs/decisions.md)
        coalesce(model, {{ ungrouped_model() }}) as model,
        model is null as is_ungrouped,
        service_tier,
        context_window,
        inference_geo,
        speed,
        account_id,
        service_account_id,
        -- timestamps
        {{ parse_timestamp_utc('starting_at') }} as bucket_start_at,
        {{ parse_timestamp_utc('ending_at') }} as bucket_end_at,
        -- tokens
        {{ token_count('uncached_input_tokens') }} as uncached_input_tokens,
        {{ token_count('cache_creation_5m_input_tokens') }} as cache_write_5m_tokens,
        {{ token_count('cache_creation_1h_input_tokens') }} as cache_write_1h_tokens,
        {{ token_count('cache_read_input_tokens') }} as cache_read_tokens,
        {{ token_count('output_tokens') }} as output_tokens,
        {{ token_count_problem([
            'uncached_input_tokens',
            ['cache_creation_5m_input_tokens', 'cache_creation.ephemeral_5m_input_tokens'],
            ['cache_creation_1h_input_tokens', 'cache_creation.ephemeral_1h_input_tokens'],
            'cache_read_input_tokens', 'output_tokens']) }} as token_count_problem,
        web_search_requests,
        service_tier = 'batch' as is_batch,
        _source_file,
        _record_path
    from source
),

validated as (
    select
        *,
        case
            when bucket_start_at is null then 'unknown timestamp'
            when {{ future_timestamp_problem('bucket_start_at', 'starting_at') }} is not null
                then {{ future_timestamp_problem('bucket_start_at', 'starting_at') }}
            when token_count_problem is not null then token_count_problem
            when uncached_input_tokens is null or cache_write_5m_tokens is null
                or cache_write_1h_tokens is null or cache_read_tokens is null
                or output_tokens is null then 'missing or non-numeric token count'
            when uncached_input_tokens < 0 or cache_write_5m_tokens < 0 or cache_write_1h_tokens < 0
                or cache_read_tokens < 0 or output_tokens < 0 then 'negative tokens'
        end as invalid_reason
    from renamed
)

{{ staging_select(natural_key, 'duplicate of an earlier record with the same natural key') }}
