-- Every record that did not make it into the marts, and why: unparseable files and lines
-- (landing) and invalid or duplicate records (staging). Nothing is dropped silently.
{%- set staged = mileage_staging_sources() %}
select
    source,
    source_file,
    record_path,
    'landing' as rejected_at,
    reason
from {{ source('landing', 'rejects') }}
{% for landing_name, staging_model in staged %}
union all
select
    '{{ landing_name }}' as source,
    _source_file as source_file,
    _record_path as record_path,
    'staging' as rejected_at,
    reject_reason as reason
from {{ ref(staging_model) }}
where reject_reason is not null
{% endfor %}
