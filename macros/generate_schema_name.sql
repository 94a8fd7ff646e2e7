{#- Layers land in schemas named exactly as configured (staging, intermediate, marts, reference),
    not "<target schema>_<layer>": the app and users' BI query these names directly. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
