-- One row per person per team assignment. The only staging model that keeps names and
-- emails in clear (for restricted.employee_identities); every join key is also hashed here.
with source as (
    select * from {{ source('landing', 'hr__roster') }}
),

renamed as (
    select
        -- ids
        {{ pseudonymise('employee_id') }} as employee_key,
        employee_id,
        {{ pseudonymise('manager_id') }} as manager_key,
        team_id,
        -- identities (hashed join keys; clear text only for the restricted model)
        {{ pseudonymise('lower(email)') }} as email_key,
        {{ pseudonymise('lower(github_login)') }} as github_login_key,
        {{ pseudonymise('jira_account_id') }} as jira_account_key,
        {{ pseudonymise('openai_user_id') }} as openai_user_key,
        lower(email) as email,
        full_name,
        github_login,
        -- attributes
        team_name,
        org,
        lower(role) as role,
        level,
        {{ dbt.safe_cast('salary_usd', 'double') }} as salary_usd,
        timezone,
        -- validity: valid_to is exclusive, NULL = current
        {{ dbt.safe_cast('valid_from', 'date') }} as valid_from,
        {{ dbt.safe_cast('valid_to', 'date') }} as valid_to,
        -- evidence
        _source_file,
        _record_path
    from source
),

validated as (
    select
        *,
        case
            when employee_id is null then 'missing employee_id'
            when email is null then 'missing email'
            when team_id is null then 'missing team_id'
            when valid_from is null then 'valid_from is not a date'
            when valid_to is not null and valid_to <= valid_from then 'valid_to is not after valid_from'
            when salary_usd is not null and salary_usd < 0 then 'negative salary'
        end as invalid_reason
    from renamed
)

select
    *,
    {{ staging_reject_reason(['employee_id', 'valid_from'], 'duplicate of an earlier row with the same employee_id and valid_from') }} as reject_reason
from validated
