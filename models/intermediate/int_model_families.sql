-- Each model id seen in usage, matched to its price family by the first regex (in
-- match_order) of the model_families seed. NULL family = unpriced, surfaced downstream.
with models as (
    select distinct model from {{ ref('int_token_usage_unioned') }}
),

matches as (
    select models.model, families.model_family, families.match_order
    from models
    cross join {{ ref('model_families') }} as families
    where {{ regex_matches('lower(models.model)', 'families.model_regex') }}
),

first_match as (
    select model, min(match_order) as match_order from matches group by model
)

select models.model, matches.model_family
from models
left join first_match on models.model = first_match.model
left join matches
    on first_match.model = matches.model and first_match.match_order = matches.match_order
