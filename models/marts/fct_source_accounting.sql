-- Per source: raw records (counted per file at landing) = staged + rejected. A source
-- that does not balance has lost or invented records, and the quality gate stops it.
{%- set staged = mileage_staging_sources() %}
with raw as (
    select source, sum(records) as raw_records, sum(rejected_records) as landing_rejected
    from {{ source('landing', 'file_manifest') }}
    group by source
),

staged as (
    {% for landing_name, staging_model in staged %}
    select
        '{{ landing_name }}' as source,
        sum(case when reject_reason is null then 1 else 0 end) as staged_records,
        sum(case when reject_reason is null then 0 else 1 end) as staging_rejected
    from {{ ref(staging_model) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

claude_code_models as (
    -- a child table with no file of its own: its raw count is what landing flattened
    select 'anthropic__claude_code_models' as source, count(*) as raw_records, 0 as landing_rejected
    from {{ source('landing', 'anthropic__claude_code_models') }}
),

raw_all as (
    select * from raw
    union all
    select * from claude_code_models
)

select
    staged.source,
    cast(coalesce(raw_all.raw_records, 0) as {{ dbt.type_bigint() }}) as raw_records,
    cast(coalesce(staged.staged_records, 0) as {{ dbt.type_bigint() }}) as staged_records,
    cast(coalesce(raw_all.landing_rejected, 0) + coalesce(staged.staging_rejected, 0) as {{ dbt.type_bigint() }})
        as rejected_records,
    coalesce(raw_all.raw_records, 0)
        = coalesce(staged.staged_records, 0) + coalesce(raw_all.landing_rejected, 0)
          + coalesce(staged.staging_rejected, 0) as is_balanced
from staged
left join raw_all on staged.source = raw_all.source
