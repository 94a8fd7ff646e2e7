-- Client-reported Claude Code events: what the client SAYS it used. api_request events are
-- reconciled against billing by the audit and never counted as usage; the other events
-- (user_prompt, tool_result, ...) are staged and accounted but carry no tokens.
{% set natural_key = ['event_name', 'event_key'] %}
{{ config(**staging_config(natural_key)) }}

with source as (
    select * from {{ source('landing', 'telemetry__claude_code_events') }}
    where {{ staging_files_filter() }}
),

-- one pseudonym per identity, not per row (see pseudonym_lookup)
install_keys as ({{ pseudonym_lookup('user_install_id') }}),

user_email_keys as ({{ pseudonym_lookup('lower(user_email)') }}),

renamed as (
    select
        -- ids
        request_id,
        event_name,
        -- one api_request per request_id; any other event is itself (it has no id)
        coalesce(request_id, {{ dbt.concat(['_source_file', "' '", '_record_path']) }}) as event_key,
        event_name = 'claude_code.api_request' as is_api_request,
        session_id,
        install_keys.pseudonym as install_key,
        user_email_keys.pseudonym as user_email_key,
        terminal_type,
        model,
        -- timestamps
        {{ parse_timestamp_utc('timestamp') }} as requested_at,
        -- tokens
        {{ token_count('input_tokens') }} as uncached_input_tokens,
        {{ token_count('cache_creation_tokens') }} as cache_write_tokens,
        {{ token_count('cache_read_tokens') }} as cache_read_tokens,
        {{ token_count('output_tokens') }} as output_tokens,
        {{ token_count_problem(['input_tokens', 'cache_creation_tokens', 'cache_read_tokens', 'output_tokens']) }} as token_count_problem,
        cost_usd as reported_cost_usd,
        duration_ms,
        _source_file,
        _record_path
    from source
    left join install_keys on install_keys.identity_value = source.user_install_id
    left join user_email_keys on user_email_keys.identity_value = lower(source.user_email)
),

validated as (
    select
        *,
        case
            when event_name is null then 'missing event name (log body or event.name)'
            when requested_at is null then 'unknown timestamp'
            when {{ future_timestamp_problem('requested_at', 'timestamp') }} is not null
                then {{ future_timestamp_problem('requested_at', 'timestamp') }}
            when event_name <> 'claude_code.api_request' then null
            when request_id is null then 'missing request_id'
            when token_count_problem is not null then token_count_problem
            when uncached_input_tokens is null or output_tokens is null then 'missing or non-numeric token count'
            when uncached_input_tokens < 0 or output_tokens < 0 or cache_read_tokens < 0
                or cache_write_tokens < 0 then 'negative tokens'
        end as invalid_reason
    from renamed
)

{{ staging_select(natural_key, 'duplicate request_id (or the same event twice)') }}
