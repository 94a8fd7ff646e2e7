-- The only model with names and emails in clear: for HR screens and lookups, never joined
-- into the public marts. Routed to its own schema so access can be granted separately.
with ranked as (
    select
        employee_key,
        employee_id,
        email,
        full_name,
        github_login,
        row_number() over (partition by employee_key order by valid_from desc) as recency
    from {{ ref('stg_hr__roster') }}
    where reject_reason is null
)

select employee_key, employee_id, email, full_name, github_login
from ranked
where recency = 1
