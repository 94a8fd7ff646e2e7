-- Claude Code Analytics: one record per actor x UTC day x terminal. Productivity metrics
-- only; tokens are in stg_anthropic__claude_code_models.
{% set natural_key = ['activity_date', 'actor_type', 'actor_email_key', 'actor_api_key_name', 'terminal_type'] %}
{{ config(**staging_config(natural_key)) }}

with source as (
    select * from {{ source('landing', 'anthropic__claude_code') }}
    where {{ staging_files_filter() }}
),

-- one pseudonym per identity, not per row (see pseudonym_lookup)
actor_email_keys as ({{ pseudonym_lookup('lower(actor_email_address)') }}),

renamed as (
    select
        -- ids
        {{ dbt.concat(["_source_file", "'#'", "_record_path"]) }} as record_id,
        actor_type,
        actor_email_keys.pseudonym as actor_email_key,
        actor_api_key_name,
        organization_id,
        lower(customer_type) as customer_type,
        terminal_type,
        -- dates
        cast({{ parse_timestamp_utc('date') }} as date) as activity_date,
        -- numbers
        num_sessions,
        lines_added,
        lines_removed,
        commits_by_claude_code,
        pull_requests_by_claude_code,
        tool_actions_accepted,
        tool_actions_rejected,
        model_breakdown_count,
        _source_file,
        _record_path
    from source
    left join actor_email_keys on actor_email_keys.identity_value = lower(source.actor_email_address)
),

validated as (
    select
        *,
        case
            when activity_date is null then 'unknown timestamp'
            when {{ future_timestamp_problem('activity_date', 'date') }} is not null
                then {{ future_timestamp_problem('activity_date', 'date') }}
            when actor_email_key is null and actor_api_key_name is null then 'actor has neither email nor api key name'
            when customer_type not in ('api', 'subscription') then 'customer_type is not api or subscription'
            when num_sessions < 0 or lines_added < 0 or lines_removed < 0 then 'negative counts'
        end as invalid_reason
    from renamed
)

{{ staging_select(natural_key, 'duplicate of an earlier record with the same natural key') }}
