-- Usage attributed to a person (their vendor identity first, else the owner of the API key
-- on that day), to their team at the time, and priced at list prices.
-- A view: fct_ai_usage_hourly is its only reader, and writing its ~6M rows (85,000 people x
-- 90 days) as a table cost ~12 s of every full build. An incremental build's window is
-- applied by the reader (fct_ai_usage_hourly), whose filter on usage_date reaches the
-- staging tables through this view.
{{ config(materialized='view') }}

with usage as (
    select
        *,
        cast(usage_at as date) as usage_date
    from {{ ref('int_token_usage_unioned') }}
),

by_identity as (
    select usage.*, identities.employee_key as identity_employee_key
    from usage
    left join {{ ref('int_identities') }} as identities
        on usage.identity_type = identities.identity_type
        and usage.identity_key = identities.identity_key
),

by_key as (
    select
        by_identity.*,
        coalesce(by_identity.identity_employee_key, owners.owner_employee_key) as employee_key
    from by_identity
    left join {{ ref('int_api_key_owners') }} as owners
        on by_identity.identity_employee_key is null
        and by_identity.api_key_id = owners.api_key_id
        and by_identity.provider = owners.provider
        and by_identity.usage_date >= owners.valid_from
        and by_identity.usage_date < owners.valid_to
),

with_team as (
    select by_key.*, assignments.team_id
    from by_key
    left join {{ ref('int_employee_assignments') }} as assignments
        on by_key.employee_key = assignments.employee_key
        and by_key.usage_date >= assignments.valid_from
        and by_key.usage_date < assignments.valid_to
)

select
    with_team.employee_key,
    with_team.team_id,
    with_team.usage_at,
    with_team.usage_date,
    with_team.bucket_width,
    with_team.provider,
    with_team.tool,
    with_team.model,
    families.model_family,
    -- the key is kept only where it is the sole trace of who used it
    case when with_team.employee_key is null then with_team.api_key_id end as api_key_id,
    with_team.uncached_input_tokens,
    with_team.cache_write_5m_tokens,
    with_team.cache_write_1h_tokens,
    with_team.cache_read_tokens,
    with_team.output_tokens,
    with_team.requests,
    with_team.vendor_cost_usd,
    with_team.is_batch,
    {{ list_cost_usd('prices', 'with_team.uncached_input_tokens', 'with_team.cache_write_5m_tokens',
        'with_team.cache_write_1h_tokens', 'with_team.cache_read_tokens', 'with_team.output_tokens',
        'with_team.is_batch') }} as list_cost_usd,
    with_team.employee_key is not null as is_attributed,
    prices.model_family is not null as is_priced
from with_team
left join {{ ref('int_model_families') }} as families on with_team.model = families.model
left join {{ ref('token_prices') }} as prices on families.model_family = prices.model_family
