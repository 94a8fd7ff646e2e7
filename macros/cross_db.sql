{#-
  Engine differences in one place. Models call these macros (or dbt's own cross-database
  macros) instead of engine-specific SQL, so the same project builds on DuckDB and on Spark.
  DuckDB is `default__`; Spark overrides where its SQL differs.
-#}

{#- parse_timestamp_utc(text): an ISO 8601 / RFC 3339 string with `Z`, a `+hh:mm` or a Jira
    style `+hhmm` offset (or a bare date) -> timestamp in UTC; NULL when it does not parse. -#}
{% macro parse_timestamp_utc(expression) -%}
    {{ return(adapter.dispatch('parse_timestamp_utc', 'mileage')(expression)) }}
{%- endmacro %}
{% macro default__parse_timestamp_utc(expression) -%}
    timezone('UTC', try_cast({{ expression }} as timestamptz))
{%- endmacro %}
{% macro spark__parse_timestamp_utc(expression) -%}
    {#- Spark reads `+0100` only through an explicit pattern; the session time zone is UTC. -#}
    coalesce(
        to_timestamp({{ expression }}, "yyyy-MM-dd'T'HH:mm:ss.SSSXX"),
        to_timestamp({{ expression }})
    )
{%- endmacro %}

{#- from_unix_seconds(number) -> UTC timestamp -#}
{% macro from_unix_seconds(expression) -%}
    {{ return(adapter.dispatch('from_unix_seconds', 'mileage')(expression)) }}
{%- endmacro %}
{% macro default__from_unix_seconds(expression) -%}
    make_timestamp(cast({{ expression }} as bigint) * 1000000)
{%- endmacro %}
{% macro spark__from_unix_seconds(expression) -%}
    timestamp_seconds(cast({{ expression }} as bigint))
{%- endmacro %}

{#- from_epoch_millis(text or number) -> UTC timestamp; NULL when not a number -#}
{% macro from_epoch_millis(expression) -%}
    {{ return(adapter.dispatch('from_epoch_millis', 'mileage')(expression)) }}
{%- endmacro %}
{% macro default__from_epoch_millis(expression) -%}
    make_timestamp(try_cast({{ expression }} as bigint) * 1000)
{%- endmacro %}
{% macro spark__from_epoch_millis(expression) -%}
    timestamp_millis(cast({{ expression }} as bigint))
{%- endmacro %}

{#- to_local_timestamp(utc timestamp, IANA zone column) -> wall-clock time in that zone -#}
{% macro to_local_timestamp(expression, zone) -%}
    {{ return(adapter.dispatch('to_local_timestamp', 'mileage')(expression, zone)) }}
{%- endmacro %}
{% macro default__to_local_timestamp(expression, zone) -%}
    timezone({{ zone }}, timezone('UTC', {{ expression }}))
{%- endmacro %}
{% macro spark__to_local_timestamp(expression, zone) -%}
    from_utc_timestamp({{ expression }}, {{ zone }})
{%- endmacro %}

{#- iso_day_of_week(timestamp or date) -> 1 (Monday) .. 7 (Sunday) -#}
{% macro iso_day_of_week(expression) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'mileage')(expression)) }}
{%- endmacro %}
{% macro default__iso_day_of_week(expression) -%}
    isodow({{ expression }})
{%- endmacro %}
{% macro spark__iso_day_of_week(expression) -%}
    (weekday({{ expression }}) + 1)
{%- endmacro %}

{#- hour_of(timestamp) -> 0..23 -#}
{% macro hour_of(expression) -%}
    hour({{ expression }})
{%- endmacro %}

{#- regex_matches(text, pattern) -> boolean -#}
{% macro regex_matches(expression, pattern) -%}
    {{ return(adapter.dispatch('regex_matches', 'mileage')(expression, pattern)) }}
{%- endmacro %}
{% macro default__regex_matches(expression, pattern) -%}
    regexp_matches({{ expression }}, {{ pattern }})
{%- endmacro %}
{% macro spark__regex_matches(expression, pattern) -%}
    ({{ expression }} rlike {{ pattern }})
{%- endmacro %}

{#- regex_extract(text, pattern, group) -> text or NULL when no match -#}
{% macro regex_extract(expression, pattern, group=1) -%}
    {{ return(adapter.dispatch('regex_extract', 'mileage')(expression, pattern, group)) }}
{%- endmacro %}
{% macro default__regex_extract(expression, pattern, group) -%}
    nullif(regexp_extract({{ expression }}, {{ pattern }}, {{ group }}), '')
{%- endmacro %}
{% macro spark__regex_extract(expression, pattern, group) -%}
    nullif(regexp_extract({{ expression }}, {{ pattern }}, {{ group }}), '')
{%- endmacro %}

{#- median(expression): exact median of a group -#}
{% macro median(expression) -%}
    {{ return(adapter.dispatch('median', 'mileage')(expression)) }}
{%- endmacro %}
{% macro default__median(expression) -%}
    median({{ expression }})
{%- endmacro %}
{% macro spark__median(expression) -%}
    percentile({{ expression }}, 0.5)
{%- endmacro %}

{#- finite_or_null(double expression): the value, or NULL where it is NaN or +-infinity.
    DuckDB's corr(), stddev and friends return NaN on constant input, and a double division
    overflows to infinity; neither is a number a reader can use, and NaN sorts above every
    number (an accepted_range test fails on it). A statistic that is undefined is NULL. -#}
{% macro finite_or_null(expression) -%}
    {{ return(adapter.dispatch('finite_or_null', 'mileage')(expression)) }}
{%- endmacro %}
{% macro default__finite_or_null(expression) -%}
    (case when isnan({{ expression }}) or isinf({{ expression }}) then null
          else cast({{ expression }} as double) end)
{%- endmacro %}
{% macro spark__finite_or_null(expression) -%}
    (case when isnan({{ expression }}) or abs({{ expression }}) = double('infinity') then null
          else cast({{ expression }} as double) end)
{%- endmacro %}

{#- safe_divide(numerator, denominator): NULL instead of an error on 0, and NULL (never NaN
    or infinity) where the quotient overflows or an operand is NaN or infinite -#}
{% macro safe_divide(numerator, denominator) -%}
    case when ({{ denominator }}) is null or ({{ denominator }}) = 0 then null
         else {{ finite_or_null('cast(' ~ numerator ~ ' as double) / (' ~ denominator ~ ')') }} end
{%- endmacro %}

{#- surrogate_key([columns]): a stable hash of several columns (NULLs included) -#}
{% macro surrogate_key(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '~null~')") -%}
        {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}

{#- quarter_start(text 'YYYY-Qn') -> date of the quarter's first day -#}
{% macro quarter_start(expression) -%}
    cast({{ dbt.concat([
        "substr(" ~ expression ~ ", 1, 4)",
        "'-'",
        "case substr(" ~ expression ~ ", 7, 1) when '1' then '01' when '2' then '04'"
        ~ " when '3' then '07' when '4' then '10' end",
        "'-01'",
    ]) }} as date)
{%- endmacro %}

{#- stands in for an open-ended valid_to, so "valid on day d" is one range test -#}
{% macro open_ended_date() -%}
    cast('9999-12-31' as date)
{%- endmacro %}

{#- Incremental builds of the large facts (mileage/incremental.py runs them).

    incremental_materialization(): 'incremental' where the project has an incremental strategy
    for the engine (DuckDB), else 'table' (Spark rebuilds the facts in full: a cluster can
    afford it, and parity is tested on full builds).

    The incremental models append what they recompute after a pre-hook has deleted exactly
    what they recompute, so a day (or pull request) that has fewer rows than before, or none,
    cannot leave stale rows behind, which delete+insert by unique_key would:
      incremental_request(): the running incremental build's request, which mileage.incremental
        passes as the JSON environment variable MILEAGE_INCREMENTAL: from_date, files_table (the
        table listing the newly landed or re-landed raw files) and replaced_keys. None outside
        one, and always none while dbt parses: the request is read at run time only, so it is
        no part of the parsed project and dbt's partial parsing carries over between builds
        (a dbt var would force a full re-parse of the project whenever it changed).
      incremental_window(date_expression): the WHERE condition limiting a run to the affected
        days, from the request's from_date: the first affected day, computed from the dates of
        the rows in the newly landed (or re-landed) files, so late-arriving and overlapping
        pages are covered. Outside an incremental run it is `1 = 1`: everything is recomputed,
        which is always correct.
      incremental_delete(condition): the pre-hook; `delete from <this> where <condition>` in an
        incremental run, nothing otherwise.
      incremental_keys_in_files(key_column, relation): the condition "key_column is one of the
        keys that `relation` (a staging model) holds in the newly landed files", or one of the
        keys the changed files held before, from the table the request's
        replaced_keys[key_column] names (written by mileage.incremental); `1 = 1` outside an
        incremental run. -#}
{% macro incremental_materialization() -%}
    {{ return(adapter.dispatch('incremental_materialization', 'mileage')()) }}
{%- endmacro %}
{% macro default__incremental_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}
{% macro spark__incremental_materialization() -%}
    {{ return('table') }}
{%- endmacro %}

{% macro incremental_request() -%}
    {%- set request = env_var('MILEAGE_INCREMENTAL', '') if execute else '' -%}
    {{ return(fromjson(request) if request else none) }}
{%- endmacro %}

{#- in_incremental_run(): is_incremental(), false where dbt has no relation (unit tests) -#}
{% macro in_incremental_run() -%}
    {{ return(this is not none and is_incremental()) }}
{%- endmacro %}

{#- grain 'month' widens the window to whole calendar months, for models that aggregate by
    month: every month from the first affected day's on -#}
{% macro incremental_window(date_expression, grain='day') -%}
    {%- set window = incremental_request() -%}
    {%- if in_incremental_run() and window and window.get('from_date') -%}
        {%- set from_date = "cast('" ~ window['from_date'] ~ "' as date)" -%}
        {%- if grain == 'month' -%}
            {%- set from_date = 'cast(' ~ dbt.date_trunc('month', from_date) ~ ' as date)' -%}
        {%- endif -%}
        {{ date_expression }} >= {{ from_date }}
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{% macro incremental_delete(condition) -%}
    {%- if in_incremental_run() -%}
        delete from {{ this }} where {{ condition }}
    {%- endif -%}
{%- endmacro %}

{% macro incremental_keys_in_files(key_column, relation) -%}
    {%- set window = incremental_request() -%}
    {%- if in_incremental_run() and window and window.get('files_table') -%}
        {%- set replaced = (window.get('replaced_keys') or {}).get(key_column) -%}
        {{ key_column }} in (
            select {{ key_column }} from {{ relation }}
            where _source_file in ({{ incremental_files_list() }})
            {%- if replaced %}
            union
            select {{ key_column }} from {{ replaced }}
            {%- endif %}
        )
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- staging_reject_reason(natural_key, duplicate_reason): a staging record's reject reason:
    its `invalid_reason`, else `duplicate_reason` when an earlier record (by file and position)
    has the same natural key. Staging models select it as `reject_reason`. -#}
{% macro staging_reject_reason(natural_key, duplicate_reason) -%}
    case
        when invalid_reason is not null then invalid_reason
        when row_number() over (
            partition by {{ natural_key | join(', ') }} order by _source_file, _record_path
        ) > 1 then '{{ duplicate_reason }}'
    end
{%- endmacro %}

{#- Incremental staging (DuckDB; see mileage/incremental.py). A vendor staging model is
    configured with staging_config(natural_key): materialised incrementally on DuckDB with the
    strategy below, a plain table on Spark. In an incremental request's run (with files_table), a
    staging model whose table already exists reads only the rows of those new or changed files
    (staging_files_filter in its `source` CTE); staging_select ranks them together with the
    earlier rows they may duplicate (any row sharing a natural key with a new row, or with an
    earlier row of a changed file), and the staging_merge strategy deletes exactly those earlier
    rows and the changed files' old rows in place, then appends the ranked rows: the table ends
    equal to a full rebuild's without being rewritten. Otherwise both render the full build. -#}
{% macro staging_config(natural_key) -%}
    {{ return({
        'materialized': incremental_materialization(),
        'incremental_strategy': 'staging_merge',
        'unique_key': natural_key,
        'on_schema_change': 'fail',
    }) }}
{%- endmacro %}

{% macro staging_previous() -%}
    {%- set window = incremental_request() -%}
    {%- if execute and target.type == 'duckdb' and window and window.get('files_table') -%}
        {{ return(adapter.get_relation(this.database, this.schema, this.identifier)) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#- incremental_files_list(): the request's files as a quoted SQL list ('' if none). Literals,
    not a subquery: a constant filter DuckDB pushes into the landing table's scan. -#}
{% macro incremental_files_list() -%}
    {%- set quoted = [] -%}
    {%- set listed = run_query('select source_file from ' ~ incremental_request()['files_table'] ~ ' order by 1') -%}
    {%- for file in listed.columns[0].values() -%}
        {%- do quoted.append("'" ~ (file | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    {{ quoted | join(', ') if quoted else "''" }}
{%- endmacro %}

{% macro staging_files_filter() -%}
    {%- if staging_previous() is not none -%}
        _source_file in ({{ incremental_files_list() }})
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- natural_key_match(left, right, natural_key): the rows of `left` and `right` share a natural
    key (nulls match nulls, as the duplicate ranking's partitions do) -#}
{% macro natural_key_match(left, right, natural_key) -%}
    {%- set match = [] -%}
    {%- for column in natural_key -%}
        {%- do match.append(left ~ '.' ~ column ~ ' is not distinct from ' ~ right ~ '.' ~ column) -%}
    {%- endfor -%}
    {{ match | join(' and ') }}
{%- endmacro %}

{#- staging_select(natural_key, duplicate_reason): the staging model's rows with reject_reason.
    In an incremental run only the rows to (re)place: the new files' rows and the earlier rows
    sharing a natural key with them. -#}
{% macro staging_select(natural_key, duplicate_reason) -%}
    {%- set previous = staging_previous() -%}
    {%- if previous is none -%}
select *, {{ staging_reject_reason(natural_key, duplicate_reason) }} as reject_reason
from validated
    {%- else -%}
    {%- set increment_files = incremental_files_list() -%}
select *, {{ staging_reject_reason(natural_key, duplicate_reason) }} as reject_reason
from (
    select * from validated
    union all by name
    select * exclude (reject_reason) from {{ previous }} p
    where p._source_file not in ({{ increment_files }})
      and exists (
        select 1 from (
            select {{ natural_key | join(', ') }} from validated
            union
            select {{ natural_key | join(', ') }} from {{ previous }}
            where _source_file in ({{ increment_files }})
        ) k
        where {{ natural_key_match('k', 'p', natural_key) }}
      )
)
    {%- endif -%}
{%- endmacro %}

{#- The staging_merge incremental strategy (DuckDB): `temp` holds staging_select's rows. In a
    files run, delete the earlier rows they replace (same natural key) and the changed files'
    old rows, then append; in any other incremental run (a plain `dbt build` over an existing
    warehouse) staging_select rendered every row, so replace them all. -#}
{% macro get_incremental_staging_merge_sql(arg_dict) -%}
    {%- set target_relation = arg_dict['target_relation'] -%}
    {%- set temp_relation = arg_dict['temp_relation'] -%}
    {%- if staging_previous() is not none -%}
delete from {{ target_relation }} as p
where p._source_file in ({{ incremental_files_list() }})
   or exists (
        select 1 from {{ temp_relation }} k
        where {{ natural_key_match('k', 'p', arg_dict['unique_key']) }}
   );
    {%- else -%}
delete from {{ target_relation }};
    {%- endif %}
insert into {{ target_relation }} by name select * from {{ temp_relation }}
{%- endmacro %}

{#- dbt.safe_cast on DuckDB: try_cast, so one unreadable value is a NULL that staging rejects
    with its reason (unparsed_problem) instead of a conversion error that stops the whole build
    (dbt's default is a plain cast; dbt-spark's already tolerates bad values). -#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
