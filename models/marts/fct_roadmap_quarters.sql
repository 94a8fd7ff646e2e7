-- Roadmap attainment per team and quarter: delivered / planned points.
select
    team_id,
    quarter,
    quarter_start,
    cast(count(*) as {{ dbt.type_int() }}) as items,
    sum(planned_points) as planned_points,
    sum(delivered_points) as delivered_points,
    {{ safe_divide('sum(delivered_points)', 'sum(planned_points)') }} as attainment
from {{ ref('stg_roadmap__roadmap_items') }}
where reject_reason is null
group by team_id, quarter, quarter_start
