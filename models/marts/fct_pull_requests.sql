-- One row per pull request, attributed to its author's team at the time it merged (or was
-- opened, if it never merged).
-- Incremental on DuckDB: an incremental run recomputes the pull requests whose id appears in
-- the newly landed files, or appeared in the earlier version of a re-delivered file (a later
-- export of a PR, an overlapping page or a re-sent page can change which of its records staging
-- keeps, or drop it): a pre-hook deletes them, the run appends those still staged.
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='append',
    pre_hook="{{ incremental_delete(incremental_keys_in_files('pull_request_id', ref('stg_github__pull_requests'))) }}",
    on_schema_change='fail',
) }}

with prs as (
    select * from {{ ref('stg_github__pull_requests') }}
    where reject_reason is null
      and {{ incremental_keys_in_files('pull_request_id', ref('stg_github__pull_requests')) }}
),

authored as (
    select prs.*, identities.employee_key as author_employee_key
    from prs
    left join {{ ref('int_identities') }} as identities
        on identities.identity_type = 'github_login' and identities.identity_key = prs.author_login_key
),

with_team as (
    select authored.*, assignments.team_id
    from authored
    left join {{ ref('int_employee_assignments') }} as assignments
        on authored.author_employee_key = assignments.employee_key
        and cast(coalesce(authored.merged_at, authored.opened_at) as date) >= assignments.valid_from
        and cast(coalesce(authored.merged_at, authored.opened_at) as date) < assignments.valid_to
)

select
    pull_request_id,
    repository,
    cast(pr_number as {{ dbt.type_int() }}) as pr_number,
    author_employee_key,
    team_id,
    opened_at,
    merged_at,
    closed_at,
    merged_at is not null as is_merged,
    case when merged_at is not null
        then cast({{ dbt.datediff('opened_at', 'merged_at', 'second') }} as double) / 3600
    end as cycle_time_hours,
    cast(additions as {{ dbt.type_int() }}) as additions,
    cast(deletions as {{ dbt.type_int() }}) as deletions,
    cast(changed_files as {{ dbt.type_int() }}) as changed_files,
    -- trivial: a change too small to be delivery (threshold: var trivial_pr_max_changed_lines)
    coalesce(additions + deletions <= {{ var('trivial_pr_max_changed_lines') }}, false) as is_trivial,
    is_bot
from with_team
