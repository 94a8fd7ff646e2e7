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
        {{ unparsed_problem([['valid_from', 'date'], ['valid_to', 'date'], ['salary_usd', 'double']]) }} as unparsed_problem,
        -- evidence
        _source_file,
        _record_path
    from source
),

validated as (
    select
        *,
        case
            when unparsed_problem is not null then unparsed_problem
            when employee_id is null then 'missing employee_id'
            when email is null then 'missing email'
            when valid_from is null then 'valid_from is not a date'
            when valid_to is not null and valid_to <= valid_from then 'valid_to is not after valid_from'
            when salary_usd is not null and salary_usd < 0 then 'negative salary'
        end as invalid_reason
    from renamed
),

first_checks as (
    select
        *,
        {{ staging_reject_reason(['employee_id', 'valid_from'], 'duplicate of an earlier row with the same employee_id and valid_from') }} as first_reason
    from validated
),

-- One person is in one team at a time: a row whose validity overlaps an earlier-starting row
-- of the same employee_id is rejected, naming that row, so the earliest row still places the
-- person (two rows valid on one day would count their tokens and PRs twice).
roster_overlaps as (
    select
        later._source_file,
        later._record_path,
        earlier._record_path as earlier_record_path,
        row_number() over (
            partition by later._source_file, later._record_path
            order by earlier.valid_from, earlier._source_file, earlier._record_path
        ) as overlap_rank
    from first_checks as later
    inner join first_checks as earlier
        on later.employee_id = earlier.employee_id
        and earlier.valid_from < later.valid_from
        and later.valid_from < coalesce(earlier.valid_to, {{ open_ended_date() }})
    where later.first_reason is null and earlier.first_reason is null
)

select
    first_checks.*,
    coalesce(
        first_checks.first_reason,
        case when roster_overlaps.earlier_record_path is not null then {{ dbt.concat([
            "'validity '", "cast(first_checks.valid_from as " ~ dbt.type_string() ~ ")", "'..'",
            "coalesce(cast(first_checks.valid_to as " ~ dbt.type_string() ~ "), 'open')",
            "' overlaps '", "roster_overlaps.earlier_record_path", "' of the same employee_id '",
            "first_checks.employee_id",
        ]) }} end
    ) as reject_reason
from first_checks
left join roster_overlaps
    on first_checks._source_file = roster_overlaps._source_file
    and first_checks._record_path = roster_overlaps._record_path
    and roster_overlaps.overlap_rank = 1
