-- Token counts per model of each Claude Code record (model_breakdown). A record's rows are
-- rejected with their parent record (duplicate or invalid parent), so nothing counts twice.
-- Incremental on DuckDB (staging_merge on record_id x model_index): a files run restages the
-- new files' records and every record whose parent's reject reason no longer matches what its
-- rows say (a re-sent file can make an earlier duplicate the first of its key, or the reverse).
{{ config(**staging_config(['record_id', 'model_index'])) }}
{%- set previous = staging_previous() %}
{%- set parent_rejected = "'parent record rejected: '" %}
{#- the increment's files, listed once (each listing is a query) -#}
{%- set increment_files = incremental_files_list() if previous is not none else none %}

with parents as (
    select record_id, _source_file, _record_path, reject_reason as parent_reject_reason
    from {{ ref('stg_anthropic__claude_code') }}
),

{%- if previous is not none %}

restaged_records as (
    select _source_file, _record_path
    from parents
    where _source_file in ({{ increment_files }})
    union
    -- rows whose parent is rejected, or that say so, where the two no longer agree
    select staged._source_file, staged._record_path
    from {{ previous }} as staged
    left join parents on staged.record_id = parents.record_id
    where (parents.parent_reject_reason is not null
            or staged.reject_reason like ({{ parent_rejected }} || '%'))
        and staged.reject_reason is distinct from ({{ parent_rejected }} || parents.parent_reject_reason)
),
{%- endif %}

source as (
    select landed.*
    from {{ source('landing', 'anthropic__claude_code_models') }} as landed
    {%- if previous is not none %}
    -- a changed file's rows are all restaged, whether or not their record is still there
    where landed._source_file in ({{ increment_files }})
        or exists (
            select 1 from restaged_records
            where restaged_records._source_file = landed._source_file
                and restaged_records._record_path = landed._record_path
        )
    {%- endif %}
),

renamed as (
    select
        -- ids
        {{ dbt.concat(["_source_file", "'#'", "_record_path"]) }} as record_id,
        model_index,
        model,
        -- tokens (cache writes are not split by TTL in this export)
        {{ token_count('input_tokens') }} as uncached_input_tokens,
        {{ token_count('cache_creation_tokens') }} as cache_write_tokens,
        {{ token_count('cache_read_tokens') }} as cache_read_tokens,
        {{ token_count('output_tokens') }} as output_tokens,
        {{ token_count_problem([
            ['input_tokens', 'tokens.input'], ['cache_creation_tokens', 'tokens.cache_creation'],
            ['cache_read_tokens', 'tokens.cache_read'], ['output_tokens', 'tokens.output']]) }} as token_count_problem,
        -- money: the export's estimate is in cents
        estimated_cost_amount / 100.0 as vendor_cost_usd,
        estimated_cost_currency,
        _source_file,
        _record_path
    from source
)

select
    renamed.*,
    case
        when parents.parent_reject_reason is not null then {{ parent_rejected }} || parents.parent_reject_reason
        when model is null then 'missing model'
        when token_count_problem is not null then token_count_problem
        when uncached_input_tokens is null or cache_write_tokens is null or cache_read_tokens is null
            or output_tokens is null then 'missing or non-numeric token count'
        when uncached_input_tokens < 0 or cache_write_tokens < 0 or cache_read_tokens < 0
            or output_tokens < 0 then 'negative tokens'
    end as reject_reason
from renamed
left join parents on renamed.record_id = parents.record_id
