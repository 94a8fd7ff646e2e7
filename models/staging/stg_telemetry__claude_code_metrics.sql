-- Client-reported Claude Code OpenTelemetry metrics, one row per data point (OTLP/JSON as the
-- Collector's file exporter writes it). What the client SAYS it used, never usage. A
-- cumulative point carries the total since start_at; a delta point the amount in its window.
{% set natural_key = ['metric_name', 'series_key', 'start_at', 'end_at'] %}
{{ config(**staging_config(natural_key)) }}

with source as (
    select * from {{ source('landing', 'telemetry__claude_code_metrics') }}
    where {{ staging_files_filter() }}
),

-- one pseudonym per identity, not per row (see pseudonym_lookup)
install_keys as ({{ pseudonym_lookup('user_install_id') }}),

user_email_keys as ({{ pseudonym_lookup('lower(user_email)') }}),

renamed as (
    select
        -- ids
        metric_name,
        metric_type,
        model,
        session_id,
        install_keys.pseudonym as install_key,
        user_email_keys.pseudonym as user_email_key,
        terminal_type,
        -- the series a point belongs to: its name's attributes (the email stays hashed)
        {{ dbt.concat([
            "coalesce(session_id, '')", "'|'", "coalesce(install_keys.pseudonym, '')", "'|'",
            "coalesce(user_email_keys.pseudonym, '')", "'|'", "coalesce(metric_type, '')", "'|'",
            "coalesce(model, '')", "'|'", "coalesce(terminal_type, '')"]) }} as series_key,
        -- OTLP's enum, as its number or its name
        case
            when aggregation_temporality in ('1', 'AGGREGATION_TEMPORALITY_DELTA') then 'delta'
            when aggregation_temporality in ('2', 'AGGREGATION_TEMPORALITY_CUMULATIVE') then 'cumulative'
        end as temporality,
        unit,
        -- timestamps
        {{ parse_timestamp_utc('start_time') }} as start_at,
        {{ parse_timestamp_utc('time') }} as end_at,
        value,
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
            when metric_name is null then 'missing metric name'
            when end_at is null then 'unknown timestamp (timeUnixNano)'
            when {{ future_timestamp_problem('end_at', 'timeUnixNano') }} is not null
                then {{ future_timestamp_problem('end_at', 'timeUnixNano') }}
            when value is null then 'missing or non-numeric value (asInt / asDouble)'
            when value < 0 then 'negative value'
        end as invalid_reason
    from renamed
)

{{ staging_select(natural_key, 'duplicate of an earlier data point of the same series and window') }}
