{#- mileage_staging_sources(): (landing table, staging model) for every source, the one list
    the accounting and rejects marts iterate. Adding a source means adding it here. -#}
{% macro mileage_staging_sources() -%}
    {{ return([
        ('hr__roster', 'stg_hr__roster'),
        ('hr__api_keys', 'stg_hr__api_keys'),
        ('roadmap__roadmap_items', 'stg_roadmap__roadmap_items'),
        ('anthropic__usage_report_messages', 'stg_anthropic__usage_report_messages'),
        ('anthropic__claude_code', 'stg_anthropic__claude_code'),
        ('anthropic__claude_code_models', 'stg_anthropic__claude_code_models'),
        ('openai__usage_completions', 'stg_openai__usage_completions'),
        ('cursor__usage_events', 'stg_cursor__usage_events'),
        ('copilot__users', 'stg_copilot__users'),
        ('telemetry__claude_code_events', 'stg_telemetry__claude_code_events'),
        ('telemetry__claude_code_metrics', 'stg_telemetry__claude_code_metrics'),
        ('github__pull_requests', 'stg_github__pull_requests'),
        ('jira__issues', 'stg_jira__issues'),
    ]) }}
{%- endmacro %}
