{#-
  Spark-only overrides of dbt built-ins, so the project's seeds and generic tests run
  unchanged on `--target spark` (dbt-spark 1.11, Spark 4). DuckDB never dispatches to these.
-#}

{#- Seeds: dbt-spark's session mode wraps every text value in quotes without escaping it, so a
    seed value with an apostrophe ("a person's ...") breaks the INSERT. Render the literals
    here instead, escaped the way Spark SQL reads them (backslash escapes). -#}
{% macro spark__load_csv_rows(model, agate_table) %}
  {% set batch_size = get_batch_size() %}
  {% set column_override = model['config'].get('column_types', {}) %}
  {% set statements = [] %}
  {% for chunk in agate_table.rows | batch(batch_size) %}
      {% set sql %}
          insert into {{ this.render() }} values
          {% for row in chunk -%}
              ({%- for col_name in agate_table.column_names -%}
                  {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                  {%- set type = column_override.get(col_name, inferred_type) -%}
                  cast({{ spark_literal(row[loop.index0]) }} as {{ type }})
                  {%- if not loop.last %},{% endif -%}
              {%- endfor -%})
              {%- if not loop.last %},{% endif %}
          {% endfor %}
      {% endset %}
      {% do adapter.add_query(sql, abridge_sql_log=True) %}
      {% if loop.index0 == 0 %}
          {% do statements.append(sql) %}
      {% endif %}
  {% endfor %}
  {{ return(statements[0]) }}
{% endmacro %}

{#- spark_literal(value): a Python value from a seed as a Spark SQL literal. -#}
{% macro spark_literal(value) -%}
  {%- if value is none -%}
    null
  {%- elif value is boolean -%}
    {{ 'true' if value else 'false' }}
  {%- elif value is number -%}
    {{ value }}
  {%- else -%}
    '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
  {%- endif -%}
{%- endmacro %}

{#- accepted_values: dbt quotes every value ('True'); Spark, unlike DuckDB, will not compare a
    boolean column with a string, so booleans are rendered as boolean literals. -#}
{% macro spark__test_accepted_values(model, column_name, values, quote=True) %}
with all_values as (
    select {{ column_name }} as value_field, count(*) as n_records
    from {{ model }}
    group by {{ column_name }}
)
select *
from all_values
where value_field not in (
    {% for value in values -%}
        {%- if value is boolean -%}{{ 'true' if value else 'false' }}
        {%- elif quote -%}'{{ value }}'
        {%- else -%}{{ value }}
        {%- endif -%}
        {%- if not loop.last -%},{%- endif %}
    {%- endfor %}
)
{% endmacro %}

{#- date_spine: dbt's default cross-joins twelve series and numbers them with a window over one
    partition, which Spark plans in ~6 s even for a few thousand days; Spark's own sequence()
    gives the same rows (start_date included, end_date excluded). -#}
{% macro spark__date_spine(datepart, start_date, end_date) %}
select date_{{ datepart }}
from (
    select explode(sequence({{ start_date }}, {{ end_date }}, interval 1 {{ datepart }})) as date_{{ datepart }}
) as spine
where date_{{ datepart }} < {{ end_date }}
{% endmacro %}
