{% set natural_key = ['issue_id'] %}
{{ config(**staging_config(natural_key)) }}

with source as (
    select * from {{ source('landing', 'jira__issues') }}
    where {{ staging_files_filter() }}
),

renamed as (
    select
        -- ids
        id as issue_id,
        key as issue_key,
        project_key,
        issue_type,
        priority,
        status,
        status_category,
        resolution,
        labels,
        {{ pseudonymise('assignee_account_id') }} as assignee_account_key,
        {{ pseudonymise('reporter_account_id') }} as reporter_account_key,
        -- the pull request that caused it, from a `caused-by-pr:<github id>` label
        {{ dbt.safe_cast(regex_extract('labels', "'caused-by-pr:([0-9]+)'"), dbt.type_bigint()) }}
            as caused_by_pull_request_id,
        -- timestamps (Jira style +hhmm offsets)
        {{ parse_timestamp_utc('created') }} as created_at,
        {{ parse_timestamp_utc('resolution_date') }} as resolved_at,
        {{ parse_timestamp_utc('updated') }} as updated_at,
        _source_file,
        _record_path
    from source
),

validated as (
    select
        *,
        case
            when issue_id is null or issue_key is null then 'missing id or key'
            when created_at is null then 'unknown timestamp'
            when {{ future_timestamp_problem('created_at', 'created') }} is not null
                then {{ future_timestamp_problem('created_at', 'created') }}
            when {{ future_timestamp_problem('resolved_at', 'resolutiondate') }} is not null
                then {{ future_timestamp_problem('resolved_at', 'resolutiondate') }}
        end as invalid_reason
    from renamed
)

{{ staging_select(natural_key, 'duplicate id') }}
