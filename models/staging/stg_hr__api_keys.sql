with source as (
    select * from {{ source('landing', 'hr__api_keys') }}
),

renamed as (
    select
        -- ids
        lower(provider) as provider,
        api_key_id,
        api_key_name,
        {{ pseudonymise('lower(owner_email)') }} as owner_email_key,
        -- validity (valid_to exclusive)
        {{ dbt.safe_cast('valid_from', 'date') }} as valid_from,
        {{ dbt.safe_cast('valid_to', 'date') }} as valid_to,
        {{ unparsed_problem([['valid_from', 'date'], ['valid_to', 'date']]) }} as unparsed_problem,
        _source_file,
        _record_path
    from source
),

validated as (
    select
        *,
        case
            when unparsed_problem is not null then unparsed_problem
            when api_key_id is null then 'missing api_key_id'
            when provider not in ('anthropic', 'openai') then 'provider is not anthropic or openai'
            when valid_from is null then 'valid_from is not a date'
        end as invalid_reason
    from renamed
)

select
    *,
    {{ staging_reject_reason(['provider', 'api_key_id', 'valid_from'], 'duplicate of an earlier row with the same key and valid_from') }} as reject_reason
from validated
