{#-
  pseudonymise(expression): HMAC-SHA256 of a text value, as lowercase hex.

  Arguments:
    expression (SQL text): the identifier to pseudonymise (e.g. employee_id).

  The key comes from MILEAGE_PSEUDONYM_KEY; `mileage build` derives the HMAC inner and
  outer padded keys from it (mileage/dbt_runner.py::hmac_pads) and passes them as
  MILEAGE_PSEUDONYM_IPAD_HEX / MILEAGE_PSEUDONYM_OPAD_HEX, because SQL engines offer
  sha256 but not HMAC. The result equals Python's hmac.new(key, value, sha256).hexdigest().

  The pads never appear in the SQL text (dbt writes that to target/ and its logs): on DuckDB
  the plugin mileage/dbt_plugin.py sets them as the session variables read below; on Spark
  profiles.yml sets them as session settings, substituted by Spark (`${...}`). Without them
  the model fails, saying so, instead of hashing with an empty key.
-#}
{% macro pseudonymise(expression) -%}
    {{ return(adapter.dispatch('pseudonymise', 'mileage')(expression)) }}
{%- endmacro %}

{% macro default__pseudonymise(expression) -%}
    case when {{ expression }} is not null then
        sha256(
            {{ pseudonym_pad('opad') }}
            || unhex(sha256({{ pseudonym_pad('ipad') }} || encode(cast({{ expression }} as varchar))))
        )
    end
{%- endmacro %}

{% macro spark__pseudonymise(expression) -%}
    case when {{ expression }} is not null then
        sha2(
            concat(
                {{ pseudonym_pad('opad') }},
                unhex(sha2(concat({{ pseudonym_pad('ipad') }}, cast(cast({{ expression }} as string) as binary)), 256))
            ),
            256
        )
    end
{%- endmacro %}

{#- pseudonym_pad('ipad' | 'opad'): the padded key as a 64-byte binary, read at run time -#}
{% macro pseudonym_pad(name) -%}
    {{ return(adapter.dispatch('pseudonym_pad', 'mileage')(name)) }}
{%- endmacro %}

{% macro default__pseudonym_pad(name) -%}
    {%- set variable = 'mileage_pseudonym_' ~ name -%}
    coalesce(
        getvariable('{{ variable }}')::blob,
        error('no pseudonymisation key: DuckDB variable {{ variable }} is unset. Run dbt through `mileage build`, which sets MILEAGE_PSEUDONYM_{{ name | upper }}_HEX for the profile plugin mileage.dbt_plugin')::blob
    )
{%- endmacro %}

{% macro spark__pseudonym_pad(name) -%}
    {%- set setting = '${mileage.pseudonym.' ~ name ~ '}' -%}
    case when length(unhex('{{ setting }}')) = 64 then unhex('{{ setting }}')
    else cast(raise_error('Spark setting mileage.pseudonym.{{ name }} is not 64 bytes of hex: set it from MILEAGE_PSEUDONYM_{{ name | upper }}_HEX (profiles.yml)') as binary)
    end
{%- endmacro %}

{#- pseudonym_lookup(expression, relation='source'): each distinct non-NULL value of
    `expression` over `relation` (`identity_value`) with its pseudonym (`pseudonym`). The
    large vendor staging models left-join it on identity_value instead of calling
    pseudonymise() per row: a few thousand people make millions of rows, and the HMAC, two
    SHA-256 per value, was most of those models' build time. -#}
{% macro pseudonym_lookup(expression, relation='source') -%}
    select identity_value, {{ pseudonymise('identity_value') }} as pseudonym
    from (select distinct {{ expression }} as identity_value from {{ relation }}) as identities
    where identity_value is not null
{%- endmacro %}
