{#- Per-record plausibility checks shared by the staging models. Each gives a reject reason
    naming the field and its value, so a reader of marts.fct_rejected_records can find the
    record in its raw file (the row also names the file and record path). -#}

{#- token_count(column): a landed token count (DOUBLE, mileage/landing.py) as BIGINT when it
    is a whole number within var max_tokens_per_record, else NULL (token_count_problem says
    why; a NULL left by the vendor stays NULL: "missing or non-numeric token count"). -#}
{% macro token_count(column) -%}
    cast(case when {{ column }} = floor({{ column }})
              and abs({{ column }}) <= {{ var('max_tokens_per_record') }}
         then {{ column }} end as {{ dbt.type_bigint() }})
{%- endmacro %}

{#- token_count_problem(fields): the first of `fields` (landing column names, or [column,
    label] pairs where the vendor's field name differs) beyond var max_tokens_per_record or not
    a whole number, as a reason such as "output_tokens 1.5 is not a whole number"; NULL when
    all are plausible. -#}
{% macro token_count_problem(fields) -%}
    {%- set bound = var('max_tokens_per_record') -%}
    case
    {%- for field in fields %}
        {%- set column = field if field is string else field[0] -%}
        {%- set label = field if field is string else field[1] %}
        when abs({{ column }}) > {{ bound }} then {{ dbt.concat([
            "'" ~ label ~ " '", "cast(" ~ column ~ " as " ~ dbt.type_string() ~ ")",
            "' exceeds max_tokens_per_record (" ~ bound ~ ")'"]) }}
        when {{ column }} <> floor({{ column }}) then {{ dbt.concat([
            "'" ~ label ~ " '", "cast(" ~ column ~ " as " ~ dbt.type_string() ~ ")",
            "' is not a whole number'"]) }}
    {%- endfor %}
    end
{%- endmacro %}

{#- future_timestamp_problem(column, label): a reason when the timestamp lies beyond var
    future_timestamp_tolerance_minutes after the build's clock (UTC), else NULL. A usage or
    delivery record cannot come from the future; a clock this far ahead is a broken export. -#}
{% macro future_timestamp_problem(column, label) -%}
    case when {{ column }} > {{ future_timestamp_limit() }} then {{ dbt.concat([
        "'" ~ label ~ " '", "cast(" ~ column ~ " as " ~ dbt.type_string() ~ ")",
        "' is more than " ~ var('future_timestamp_tolerance_minutes')
        ~ " minutes in the future (future_timestamp_tolerance_minutes)'"]) }} end
{%- endmacro %}

{#- the latest plausible timestamp (UTC, without time zone): now plus the tolerance -#}
{% macro future_timestamp_limit() -%}
    {{ return(adapter.dispatch('future_timestamp_limit', 'mileage')()) }}
{%- endmacro %}
{% macro default__future_timestamp_limit() -%}
    (timezone('UTC', current_timestamp) + to_minutes({{ var('future_timestamp_tolerance_minutes') }}))
{%- endmacro %}
{% macro spark__future_timestamp_limit() -%}
    {#- the Spark session time zone is UTC (macros/cross_db.sql) -#}
    (current_timestamp() + make_interval(0, 0, 0, 0, 0, {{ var('future_timestamp_tolerance_minutes') }}, 0))
{%- endmacro %}

{#- ungrouped_model(): the model of usage exported without group_by model (Anthropic's report
    without group_by[]=model, OpenAI's reference example): kept, unpriced, and named by
    mileage/pipeline.py's warning (UNGROUPED_MODEL there must equal this). -#}
{% macro ungrouped_model() -%}
    '(not grouped by model)'
{%- endmacro %}

{#- unparsed_problem(fields): the first of `fields` ([column, type] pairs over the landed text)
    that has a value its type cannot read, as a reason such as "valid_to '31/01/2026' is not a
    date"; NULL when every value reads. dbt.safe_cast gives NULL for such a value (try_cast:
    duckdb__safe_cast in macros/cross_db.sql), so without this reason a bad valid_to would
    read as "current" and a bad number as missing. -#}
{% macro unparsed_problem(fields) -%}
    case
    {%- for column, type in fields %}
        when {{ column }} is not null and {{ dbt.safe_cast(column, type) }} is null
        then {{ dbt.concat(["'" ~ column ~ " '''", column, "''' is not a " ~ (type if type != 'double' else 'number') ~ "'"]) }}
    {%- endfor %}
    end
{%- endmacro %}
