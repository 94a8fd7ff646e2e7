with source as (
    select * from {{ source('landing', 'roadmap__roadmap_items') }}
),

renamed as (
    select
        -- ids
        item_id,
        team_id,
        quarter,
        {{ quarter_start('quarter') }} as quarter_start,
        title,
        lower(status) as status,
        -- numbers
        {{ dbt.safe_cast('planned_points', 'double') }} as planned_points,
        {{ dbt.safe_cast('delivered_points', 'double') }} as delivered_points,
        -- dates
        {{ dbt.safe_cast('delivered_at', 'date') }} as delivered_on,
        {{ unparsed_problem([['planned_points', 'double'], ['delivered_points', 'double'], ['delivered_at', 'date']]) }} as unparsed_problem,
        _source_file,
        _record_path
    from source
),

validated as (
    select
        *,
        case
            when unparsed_problem is not null then unparsed_problem
            when item_id is null then 'missing item_id'
            when team_id is null then 'missing team_id'
            when quarter_start is null then 'quarter is not YYYY-Qn'
            when planned_points is null or delivered_points is null then 'points are not numbers'
            when planned_points < 0 or delivered_points < 0 then 'negative points'
        end as invalid_reason
    from renamed
)

select
    *,
    {{ staging_reject_reason(['item_id'], 'duplicate item_id') }} as reject_reason
from validated
