{% set natural_key = ['pull_request_id'] %}
{{ config(**staging_config(natural_key)) }}

with source as (
    select * from {{ source('landing', 'github__pull_requests') }}
    where {{ staging_files_filter() }}
),

-- one pseudonym per identity, not per row (see pseudonym_lookup)
author_login_keys as ({{ pseudonym_lookup('lower(user_login)') }}),

renamed as (
    select
        -- ids
        id as pull_request_id,
        number as pr_number,
        repository,
        author_login_keys.pseudonym as author_login_key,
        coalesce(user_type = 'Bot', false) as is_bot,
        state,
        coalesce(draft, false) as is_draft,
        labels,
        -- timestamps
        {{ parse_timestamp_utc('created_at') }} as opened_at,
        {{ parse_timestamp_utc('merged_at') }} as merged_at,
        {{ parse_timestamp_utc('closed_at') }} as closed_at,
        merged as is_merged_flag,
        -- size (NULL when the export came from the list endpoint)
        additions,
        deletions,
        changed_files,
        commits,
        comments,
        review_comments,
        _source_file,
        _record_path
    from source
    left join author_login_keys on author_login_keys.identity_value = lower(source.user_login)
),

validated as (
    select
        *,
        case
            when pull_request_id is null then 'missing id'
            when opened_at is null then 'unknown timestamp'
            when {{ future_timestamp_problem('opened_at', 'created_at') }} is not null
                then {{ future_timestamp_problem('opened_at', 'created_at') }}
            when {{ future_timestamp_problem('merged_at', 'merged_at') }} is not null
                then {{ future_timestamp_problem('merged_at', 'merged_at') }}
            -- GitHub sets both; a merge without its time cannot be placed in a month
            when is_merged_flag and merged_at is null then 'merged without a merge time (merged: true, merged_at: null)'
            when merged_at is not null and merged_at < opened_at then 'merged before it was opened'
            when additions < 0 or deletions < 0 then 'negative size'
        end as invalid_reason
    from renamed
)

{{ staging_select(natural_key, 'duplicate id') }}
