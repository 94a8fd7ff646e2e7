-- Who owns each API key, and when. A key without a known owner keeps a NULL owner.
select
    keys.provider,
    keys.api_key_id,
    keys.api_key_name,
    identities.employee_key as owner_employee_key,
    keys.valid_from,
    coalesce(keys.valid_to, {{ open_ended_date() }}) as valid_to
from {{ ref('stg_hr__api_keys') }} as keys
left join {{ ref('int_identities') }} as identities
    on identities.identity_type = 'email' and identities.identity_key = keys.owner_email_key
where keys.reject_reason is null
