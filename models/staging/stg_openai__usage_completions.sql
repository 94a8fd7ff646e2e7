-- OpenAI Usage API completions. input_tokens INCLUDES cached input: normalised here to
-- disjoint classes (uncached = input - cached) so every source adds up the same way. It also
-- includes cache-write tokens (input_cache_write_tokens), which OpenAI bills at the input rate:
-- they stay in uncached input (docs/decisions.md).
{% set natural_key = ['bucket_start_at', 'project_id', 'openai_user_key', 'api_key_id', 'model', 'is_batch', 'service_tier'] %}
{{ config(**staging_config(natural_key)) }}

with source as (
    select * from {{ source('landing', 'openai__usage_completions') }}
    where {{ staging_files_filter() }}
),

-- one pseudonym per identity, not per row (see pseudonym_lookup)
openai_user_keys as ({{ pseudonym_lookup('user_id') }}),

renamed as (
    select
        -- ids
        project_id,
        openai_user_keys.pseudonym as openai_user_key,
        api_key_id,
        -- the reference example (no group_by): kept as unpriced usage (docs/decisions.md)
        coalesce(model, {{ ungrouped_model() }}) as model,
        model is null as is_ungrouped,
        service_tier,
        coalesce(batch, false) as is_batch,
        -- timestamps (unix seconds)
        {{ from_unix_seconds('start_time') }} as bucket_start_at,
        {{ from_unix_seconds('end_time') }} as bucket_end_at,
        -- tokens
        {{ token_count('input_tokens') }} - {{ token_count('input_cached_tokens') }} as uncached_input_tokens,
        {{ token_count('input_cached_tokens') }} as cache_read_tokens,
        {{ token_count('output_tokens') }} as output_tokens,
        {{ token_count('input_tokens') }} as input_tokens_including_cached,
        {{ token_count('input_cache_write_tokens') }} as cache_write_tokens_in_input,
        {{ token_count_problem(['input_tokens', 'input_cached_tokens', 'input_cache_write_tokens', 'output_tokens']) }} as token_count_problem,
        num_model_requests as requests,
        _source_file,
        _record_path
    from source
    left join openai_user_keys on openai_user_keys.identity_value = source.user_id
),

validated as (
    select
        *,
        case
            when bucket_start_at is null then 'unknown timestamp'
            when {{ future_timestamp_problem('bucket_start_at', 'start_time') }} is not null
                then {{ future_timestamp_problem('bucket_start_at', 'start_time') }}
            when token_count_problem is not null then token_count_problem
            when input_tokens_including_cached is null or cache_read_tokens is null
                or output_tokens is null then 'missing or non-numeric token count'
            when input_tokens_including_cached < 0 or cache_read_tokens < 0 or output_tokens < 0
                then 'negative tokens'
            when cache_read_tokens + coalesce(cache_write_tokens_in_input, 0) > input_tokens_including_cached
                then 'input_cached_tokens + input_cache_write_tokens exceed input_tokens, which includes both'
        end as invalid_reason
    from renamed
)

{{ staging_select(natural_key, 'duplicate of an earlier record with the same natural key') }}
