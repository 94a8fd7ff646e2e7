-- Valid roster rows as effective-dated assignments: "team at the time" joins test
-- valid_from <= day < valid_to (an open-ended assignment ends at a far-future date).
-- A row without team_id places the person in the team var unassigned_team names, so their
-- tokens, PRs and bugs still count in organisation totals.
{%- set unassigned = var('unassigned_team') %}
select
    employee_key,
    manager_key,
    coalesce(team_id, '{{ unassigned["team_id"] }}') as team_id,
    case when team_id is null then '{{ unassigned["team_name"] }}' else team_name end as team_name,
    team_id is null as is_unassigned,
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
