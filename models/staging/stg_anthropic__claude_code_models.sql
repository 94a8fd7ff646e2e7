-- Token counts per model of each Claude Code record (model_breakdown). A record's rows are
-- rejected with their parent record (duplicate or invalid parent), so nothing counts twice.
with source as (
    select * from {{ source('landing', 'anthropic__claude_code_models') }}
),

parents as (
    select record_id, reject_reason as parent_reject_reason
    from {{ ref('stg_anthropic__claude_code') }}
),

renamed as (
    select
        -- ids
        {{ dbt.concat(["_source_file", "'#'", "_record_path"]) }} as record_id,
        model_index,
        model,
        -- tokens (cache writes are not split by TTL in this export)
        input_tokens as uncached_input_tokens,
        cache_creation_tokens as cache_write_tokens,
        cache_read_tokens,
        output_tokens,
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
        when parents.parent_reject_reason is not null then 'parent record rejected: ' || parents.parent_reject_reason
        when model is null then 'missing model'
        when uncached_input_tokens is null or cache_write_tokens is null or cache_read_tokens is null
            or output_tokens is null then 'missing or non-numeric token count'
        when uncached_input_tokens < 0 or cache_write_tokens < 0 or cache_read_tokens < 0
            or output_tokens < 0 then 'negative tokens'
    end as reject_reason
from renamed
left join parents on renamed.record_id = parents.record_id
