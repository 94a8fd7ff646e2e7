-- Valid roster rows as effective-dated assignments: "team at the time" joins test
-- valid_from <= day < valid_to (an open-ended assignment ends at a far-future date).
select
    employee_key,
    manager_key,
    team_id,
    team_name,
    org,
    role,
    level,
    salary_usd,
    timezone,
    email_key,
    github_login_key,
    jira_account_key,
    openai_user_key,
    valid_from,
    coalesce(valid_to, {{ open_ended_date() }}) as valid_to,
    valid_to is null as is_current
from {{ ref('stg_hr__roster') }}
where reject_reason is null
