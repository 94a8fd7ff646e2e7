-- Per source: raw records (counted per file at landing) = staged + rejected. A source
-- that does not balance has lost or invented records, and the quality gate stops it.
-- A file rejected whole counts the records its bytes still show (landing's record markers),
-- so a truncated page of 500 results is 500 rejected records, not one; the loss check
-- (mileage/loss.py) stops the build on what is lost here.
{%- set staged = mileage_staging_sources() %}
{%- set tokens = mileage_source_tokens() %}
{#- every staging model words a duplicate's reason "duplicate ..."; a Claude Code model row
    goes with its parent record -#}
{%- set is_duplicate = "(reject_reason like 'duplicate%' or reject_reason like 'parent record rejected: duplicate%')" %}
with raw as (
    select
        source,
        sum(records) as raw_records,
        sum(rejected_records) as landing_rejected,
        count(*) as raw_files,
        sum(bytes) as raw_bytes,
        sum(case when landed_records = 0 and rejected_records > 0 then 1 else 0 end) as rejected_files,
        sum(case when landed_records = 0 and rejected_records > 0 then bytes else 0 end)
            as rejected_file_bytes,
        sum(cast(rejected_tokens as double)) as landing_lost_tokens
    from {{ source('landing', 'file_manifest') }}
    group by source
),

staged as (
    {% for landing_name, staging_model in staged %}
    select
        '{{ landing_name }}' as source,
        sum(case when reject_reason is null then 1 else 0 end) as staged_records,
        sum(case when reject_reason is null then 0 else 1 end) as staging_rejected,
        -- a duplicate's record is staged once already: rejected, not lost
        sum(case when {{ is_duplicate }} then 1 else 0 end) as duplicate_records,
        {% if landing_name in tokens -%}
        coalesce(sum(case when reject_reason is not null and not {{ is_duplicate }}
            then {{ tokens[landing_name] }} end), 0)
        {%- else -%}
        cast(null as double)
        {%- endif %} as staging_lost_tokens
    from {{ ref(staging_model) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

claude_code_models as (
    -- a child table with no file of its own: its raw count is what landing flattened
    select
        'anthropic__claude_code_models' as source,
        count(*) as raw_records,
        0 as landing_rejected,
        0 as raw_files,
        0 as raw_bytes,
        0 as rejected_files,
        0 as rejected_file_bytes,
        cast(null as double) as landing_lost_tokens
    from {{ source('landing', 'anthropic__claude_code_models') }}
),

raw_all as (
    select * from raw
    union all
    select * from claude_code_models
),

accounted as (
    select
        staged.source,
        coalesce(raw_all.raw_records, 0) as raw_records,
        coalesce(staged.staged_records, 0) as staged_records,
        coalesce(raw_all.landing_rejected, 0) + coalesce(staged.staging_rejected, 0) as rejected_records,
        coalesce(staged.duplicate_records, 0) as duplicate_records,
        coalesce(raw_all.raw_files, 0) as raw_files,
        coalesce(raw_all.raw_bytes, 0) as raw_bytes,
        coalesce(raw_all.rejected_files, 0) as rejected_files,
        coalesce(raw_all.rejected_file_bytes, 0) as rejected_file_bytes,
        case
            when staged.staging_lost_tokens is null and raw_all.landing_lost_tokens is null then null
            else coalesce(staged.staging_lost_tokens, 0) + coalesce(raw_all.landing_lost_tokens, 0)
        end as lost_tokens
    from staged
    left join raw_all on staged.source = raw_all.source
)

select
    source,
    cast(raw_records as {{ dbt.type_bigint() }}) as raw_records,
    cast(staged_records as {{ dbt.type_bigint() }}) as staged_records,
    cast(rejected_records as {{ dbt.type_bigint() }}) as rejected_records,
    raw_records = staged_records + rejected_records as is_balanced,
    cast(duplicate_records as {{ dbt.type_bigint() }}) as duplicate_records,
    cast(rejected_records - duplicate_records as {{ dbt.type_bigint() }}) as lost_records,
    {{ safe_divide('rejected_records - duplicate_records', 'raw_records') }} as lost_record_share,
    cast(lost_tokens as double) as lost_tokens,
    cast(raw_files as {{ dbt.type_bigint() }}) as raw_files,
    cast(raw_bytes as {{ dbt.type_bigint() }}) as raw_bytes,
    cast(rejected_files as {{ dbt.type_bigint() }}) as rejected_files,
    cast(rejected_file_bytes as {{ dbt.type_bigint() }}) as rejected_file_bytes
from accounted
