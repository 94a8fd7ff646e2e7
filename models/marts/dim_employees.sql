-- One row per person (pseudonymous): their latest assignment and tenure. No names or
-- emails: those live only in restricted.employee_identities.
with ranked as (
    select
        *,
        row_number() over (partition by employee_key order by valid_from desc) as recency
    from {{ ref('int_employee_assignments') }}
),

tenure as (
    select
        employee_key,
        min(valid_from) as hired_on,
        max(valid_to) as last_valid_to
    from {{ ref('int_employee_assignments') }}
    group by employee_key
)

select
    ranked.employee_key,
    ranked.role,
    ranked.level,
    ranked.timezone,
    ranked.team_id,
    ranked.team_name,
    ranked.org,
    ranked.manager_key,
    ranked.salary_usd,
    tenure.hired_on,
    case when tenure.last_valid_to < {{ open_ended_date() }} then tenure.last_valid_to end as left_on,
    tenure.last_valid_to = {{ open_ended_date() }} as is_active
from ranked
inner join tenure on ranked.employee_key = tenure.employee_key
where ranked.recency = 1
