-- Copilot users-1-day report: one line per user per day. Tokens exist only for CLI use.
{% set natural_key = ['activity_date', 'copilot_user_id'] %}
{{ config(**staging_config(natural_key)) }}

with source as (
    select * from {{ source('landing', 'copilot__users') }}
    where {{ staging_files_filter() }}
),

-- one pseudonym per identity, not per row (see pseudonym_lookup)
github_login_keys as ({{ pseudonym_lookup('lower(user_login)') }}),

renamed as (
    select
        -- ids
        user_id as copilot_user_id,
        github_login_keys.pseudonym as github_login_key,
        -- dates
        {{ dbt.safe_cast('day', 'date') }} as activity_date,
        -- activity
        user_initiated_interaction_count as interactions,
        code_generation_activity_count as code_generations,
        code_acceptance_activity_count as code_acceptances,
        loc_suggested_to_add_sum as lines_suggested,
        loc_added_sum as lines_added,
        coalesce(used_agent, false) as used_agent,
        coalesce(used_chat, false) as used_chat,
        coalesce(used_cli, false) as used_cli,
        -- tokens (CLI only)
        coalesce({{ token_count('cli_prompt_tokens') }}, 0) as cli_prompt_tokens,
        coalesce({{ token_count('cli_output_tokens') }}, 0) as cli_output_tokens,
        {{ token_count_problem([
            ['cli_prompt_tokens', 'totals_by_cli.token_usage.prompt_tokens_sum'],
            ['cli_output_tokens', 'totals_by_cli.token_usage.output_tokens_sum']]) }} as token_count_problem,
        _source_file,
        _record_path
    from source
    left join github_login_keys on github_login_keys.identity_value = lower(source.user_login)
),

validated as (
    select
        *,
        case
            when activity_date is null then 'unknown timestamp'
            when {{ future_timestamp_problem('activity_date', 'day') }} is not null
                then {{ future_timestamp_problem('activity_date', 'day') }}
            when github_login_key is null then 'missing user_login'
            when token_count_problem is not null then token_count_problem
            when cli_prompt_tokens < 0 or cli_output_tokens < 0 or interactions < 0 then 'negative counts'
        end as invalid_reason
    from renamed
)

{{ staging_select(natural_key, 'duplicate of an earlier record with the same natural key') }}
