-- One row per team in the roster, with its latest name and organisation.
with latest as (
    select
        team_id,
        team_name,
        org,
        row_number() over (partition by team_id order by valid_from desc, valid_to desc) as recency
    from {{ ref('int_employee_assignments') }}
),

current_staff as (
    select team_id, count(distinct employee_key) as current_headcount
    from {{ ref('int_employee_assignments') }}
    where is_current
    group by team_id
)

select
    latest.team_id,
    latest.team_name,
    latest.org,
    cast(coalesce(current_staff.current_headcount, 0) as {{ dbt.type_int() }}) as current_headcount,
    coalesce(current_staff.current_headcount, 0) > 0 as is_active
from latest
left join current_staff on latest.team_id = current_staff.team_id
where latest.recency = 1
