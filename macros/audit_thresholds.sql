{#-
  audit_threshold('signal.parameter'): one number from seed audit_signal_thresholds, as a
  scalar subquery. Every threshold of the audit marts is read through this macro, so the seed
  is the one place where they are set (and documented, one row per parameter).
-#}
{% macro audit_threshold(parameter) -%}
    (select max(value) from {{ ref('audit_signal_thresholds') }} where parameter = '{{ parameter }}')
{%- endmacro %}

{#- audit_severity(signal, score): 'high' when the score reaches the signal's
    `<signal>.high_score` threshold, else 'medium' -#}
{% macro audit_severity(signal_column, score) -%}
    {%- set signals = ['pr_spam', 'always_on', 'unattended_agent', 'prompt_stuffing',
                       'telemetry_inflation', 'referral_inflation', 'tokens_without_outcomes'] -%}
    case
        {%- for signal in signals %}
        when {{ signal_column }} = '{{ signal }}' and {{ score }} >= {{ audit_threshold(signal ~ '.high_score') }} then 'high'
        {%- endfor %}
        else 'medium'
    end
{%- endmacro %}

{#- audit_fmt_int(x) / audit_fmt_pct(share) / audit_fmt_num(x): plain numbers for evidence text -#}
{% macro audit_fmt_int(expression) -%}
    coalesce(cast(cast(round({{ expression }}, 0) as {{ dbt.type_bigint() }}) as {{ dbt.type_string() }}), 'n/a')
{%- endmacro %}
{% macro audit_fmt_pct(expression) -%}
    coalesce({{ dbt.concat(["cast(cast(round(100 * (" ~ expression ~ "), 0) as " ~ dbt.type_bigint() ~ ") as " ~ dbt.type_string() ~ ")", "'%'"]) }}, 'n/a')
{%- endmacro %}
{% macro audit_fmt_num(expression, digits=1) -%}
    coalesce(cast(round({{ expression }}, {{ digits }}) as {{ dbt.type_string() }}), 'n/a')
{%- endmacro %}
{#- audit_fmt_millions(tokens): "412.3M" -#}
{% macro audit_fmt_millions(expression) -%}
    coalesce({{ dbt.concat(["cast(round((" ~ expression ~ ") / 1000000.0, 1) as " ~ dbt.type_string() ~ ")", "'M'"]) }}, 'n/a')
{%- endmacro %}

{#- audit_month_index(date): months since year 0, so month windows are integer ranges -#}
{% macro audit_month_index(expression) -%}
    (cast(extract(year from {{ expression }}) as {{ dbt.type_int() }}) * 12
     + cast(extract(month from {{ expression }}) as {{ dbt.type_int() }}))
{%- endmacro %}

{#- audit_request_tools(): the providers whose exports count model requests (Cursor events,
    OpenAI num_model_requests), by provider value with a display label; the per-request
    measures and signals are computed for these only (Copilot counts IDE interactions) -#}
{% macro audit_request_tools() -%}
    {{ return({'cursor': 'Cursor', 'openai': 'OpenAI'}) }}
{%- endmacro %}
