-- Every vendor identity (hashed) a person is known by, mapped to their employee_key.
-- An identity claimed by two people is ambiguous and maps to nobody (usage stays
-- unattributed and visible) rather than to a guess.
with claims as (
    select distinct 'email' as identity_type, email_key as identity_key, employee_key
    from {{ ref('int_employee_assignments') }} where email_key is not null
    union all
    select distinct 'github_login', github_login_key, employee_key
    from {{ ref('int_employee_assignments') }} where github_login_key is not null
    union all
    select distinct 'jira_account', jira_account_key, employee_key
    from {{ ref('int_employee_assignments') }} where jira_account_key is not null
    union all
    select distinct 'openai_user', openai_user_key, employee_key
    from {{ ref('int_employee_assignments') }} where openai_user_key is not null
),

counted as (
    select identity_type, identity_key, min(employee_key) as employee_key,
           count(distinct employee_key) as claimants
    from claims
    group by identity_type, identity_key
)

select identity_type, identity_key, employee_key
from counted
where claimants = 1
