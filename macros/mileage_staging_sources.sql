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

{#- mileage_source_tokens(): per landing table, the SQL (over its staging model's columns) of
    the tokens one record holds, for the accounting's lost tokens. Sources without token counts
    are absent. A negative or missing count adds nothing: it is not a count. -#}
{% macro mileage_source_tokens() -%}
    {%- set columns = {
        'anthropic__usage_report_messages': ['uncached_input_tokens', 'cache_write_5m_tokens', 'cache_write_1h_tokens', 'cache_read_tokens', 'output_tokens'],
        'anthropic__claude_code_models': ['uncached_input_tokens', 'cache_write_tokens', 'cache_read_tokens', 'output_tokens'],
        'openai__usage_completions': ['input_tokens_including_cached', 'output_tokens'],
        'cursor__usage_events': ['uncached_input_tokens', 'cache_write_tokens', 'cache_read_tokens', 'output_tokens'],
        'copilot__users': ['cli_prompt_tokens', 'cli_output_tokens'],
        'telemetry__claude_code_events': ['uncached_input_tokens', 'cache_write_tokens', 'cache_read_tokens', 'output_tokens'],
    } -%}
    {%- set sql = {} -%}
    {%- for source, names in columns.items() -%}
        {%- set terms = [] -%}
        {%- for name in names -%}
            {%- do terms.append('case when ' ~ name ~ ' > 0 then cast(' ~ name ~ ' as double) else 0 end') -%}
        {%- endfor -%}
        {%- do sql.update({source: terms | join(' + ')}) -%}
    {%- endfor -%}
    {{ return(sql) }}
{%- endmacro %}
