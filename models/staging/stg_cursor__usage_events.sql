-- Cursor filtered usage events: one per request; epoch-ms timestamps, cost in fractional cents.
-- Request-based events (isTokenBasedCall false) carry no tokenUsage: they land with zero tokens
-- and their charge. Cost is chargedCents (what was billed: model cost + Cursor's token fee,
-- after discount), else tokenUsage.totalCents for exports older than chargedCents.
{% set natural_key = ['requested_at', 'user_email_key', 'model', 'uncached_input_tokens', 'cache_write_tokens', 'cache_read_tokens', 'output_tokens'] %}
{{ config(**staging_config(natural_key)) }}

with source as (
    select * from {{ source('landing', 'cursor__usage_events') }}
    where {{ staging_files_filter() }}
),

-- one pseudonym per identity, not per row (see pseudonym_lookup)
user_email_keys as ({{ pseudonym_lookup('lower(user_email)') }}),

renamed as (
    select
        -- ids
        user_email_keys.pseudonym as user_email_key,
        model,
        kind,
        coalesce(max_mode, false) as is_max_mode,
        is_token_based_call,
        -- timestamps
        {{ from_epoch_millis('timestamp') }} as requested_at,
        -- tokens
        case when is_token_based_call = false and input_tokens is null then 0
             else {{ token_count('input_tokens') }} end as uncached_input_tokens,
        case when is_token_based_call = false and cache_write_tokens is null then 0
             else {{ token_count('cache_write_tokens') }} end as cache_write_tokens,
        case when is_token_based_call = false and cache_read_tokens is null then 0
             else {{ token_count('cache_read_tokens') }} end as cache_read_tokens,
        case when is_token_based_call = false and output_tokens is null then 0
             else {{ token_count('output_tokens') }} end as output_tokens,
        {{ token_count_problem([
            ['input_tokens', 'tokenUsage.inputTokens'], ['cache_write_tokens', 'tokenUsage.cacheWriteTokens'],
            ['cache_read_tokens', 'tokenUsage.cacheReadTokens'], ['output_tokens', 'tokenUsage.outputTokens']]) }} as token_count_problem,
        -- money: cents -> USD
        coalesce(charged_cents, total_cents) / 100.0 as vendor_cost_usd,
        total_cents / 100.0 as model_cost_usd,
        cursor_token_fee_cents / 100.0 as cursor_token_fee_usd,
        discount_percent_off,
        _source_file,
        _record_path
    from source
    left join user_email_keys on user_email_keys.identity_value = lower(source.user_email)
),

validated as (
    select
        *,
        case
            when requested_at is null then 'unknown timestamp'
            when user_email_key is null then 'missing userEmail'
            when {{ future_timestamp_problem('requested_at', 'timestamp') }} is not null
                then {{ future_timestamp_problem('requested_at', 'timestamp') }}
            when model is null then 'missing model'
            when token_count_problem is not null then token_count_problem
            when uncached_input_tokens is null or cache_write_tokens is null
                or cache_read_tokens is null or output_tokens is null then 'missing or non-numeric token count'
            when uncached_input_tokens < 0 or cache_write_tokens < 0 or cache_read_tokens < 0
                or output_tokens < 0 then 'negative tokens'
        end as invalid_reason
    from renamed
)

-- Cursor events carry no id: the natural key is time, user, model and the token counts.
{{ staging_select(natural_key, 'duplicate of an earlier record with the same natural key') }}
