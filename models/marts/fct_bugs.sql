-- One row per Jira bug, owned by the assignee's team on the day it was created (the
-- reporter's team when unassigned).
with bugs as (
    select * from {{ ref('stg_jira__issues') }}
    where reject_reason is null and lower(issue_type) = 'bug'
),

people as (
    select
        bugs.*,
        assignee.employee_key as assignee_employee_key,
        reporter.employee_key as reporter_employee_key
    from bugs
    left join {{ ref('int_identities') }} as assignee
        on assignee.identity_type = 'jira_account' and assignee.identity_key = bugs.assignee_account_key
    left join {{ ref('int_identities') }} as reporter
        on reporter.identity_type = 'jira_account' and reporter.identity_key = bugs.reporter_account_key
),

teams as (
    select
        people.*,
        assignee_team.team_id as assignee_team_id,
        reporter_team.team_id as reporter_team_id
    from people
    left join {{ ref('int_employee_assignments') }} as assignee_team
        on people.assignee_employee_key = assignee_team.employee_key
        and cast(people.created_at as date) >= assignee_team.valid_from
        and cast(people.created_at as date) < assignee_team.valid_to
    left join {{ ref('int_employee_assignments') }} as reporter_team
        on people.reporter_employee_key = reporter_team.employee_key
        and cast(people.created_at as date) >= reporter_team.valid_from
        and cast(people.created_at as date) < reporter_team.valid_to
)

select
    issue_key as bug_key,
    issue_id as bug_id,
    coalesce(assignee_team_id, reporter_team_id) as team_id,
    priority,
    status,
    created_at,
    resolved_at,
    caused_by_pull_request_id
from teams
