{#-
  pseudonymise(expression): HMAC-SHA256 of a text value, as lowercase hex.

  Arguments:
    expression (SQL text): the identifier to pseudonymise (e.g. employee_id).

  The key comes from MILEAGE_PSEUDONYM_KEY; `mileage build` derives the HMAC inner and
  outer padded keys from it (mileage/dbt_runner.py::hmac_pads) and passes them as
  MILEAGE_PSEUDONYM_IPAD_HEX / MILEAGE_PSEUDONYM_OPAD_HEX, because SQL engines offer
  sha256 but not HMAC. The result equals Python's hmac.new(key, value, sha256).hexdigest().
-#}
{% macro pseudonymise(expression) -%}
    {{ return(adapter.dispatch('pseudonymise', 'mileage')(expression)) }}
{%- endmacro %}

{% macro default__pseudonymise(expression) -%}
    {%- set ipad = env_var('MILEAGE_PSEUDONYM_IPAD_HEX') -%}
    {%- set opad = env_var('MILEAGE_PSEUDONYM_OPAD_HEX') -%}
    case when {{ expression }} is not null then
        sha256(
            unhex('{{ opad }}')
            || unhex(sha256(unhex('{{ ipad }}') || encode(cast({{ expression }} as varchar))))
        )
    end
{%- endmacro %}

{% macro spark__pseudonymise(expression) -%}
    {%- set ipad = env_var('MILEAGE_PSEUDONYM_IPAD_HEX') -%}
    {%- set opad = env_var('MILEAGE_PSEUDONYM_OPAD_HEX') -%}
    case when {{ expression }} is not null then
        sha2(
            concat(
                unhex('{{ opad }}'),
                unhex(sha2(concat(unhex('{{ ipad }}'), cast(cast({{ expression }} as string) as binary)), 256))
            ),
            256
        )
    end
{%- endmacro %}
