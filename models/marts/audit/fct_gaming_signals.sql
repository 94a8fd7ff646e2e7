-- Gaming signals: one row per person, month and signal that fired, with a score (the observed
-- value over its threshold, so >= 1), a severity and the evidence in plain numbers.
-- Every rule is defined here once; every number it uses is a row of seed
-- audit_signal_thresholds (read through macro audit_threshold). Where it makes sense the
-- threshold is relative to peers: the same role and level that month, falling back to the
-- role and then to everyone when fewer than peers.min_group_size people have the metric.
{%- set request_tools = audit_request_tools() %}
{%- set peer_metrics = [
    'trivial_merged_prs',
    'nontrivial_merged_prs',
    'cursor_input_tokens_per_request',
    'cursor_output_per_input',
    'openai_input_tokens_per_request',
    'openai_output_per_input',
    'api_output_per_input',
    'sessions_per_active_day',
] %}
{%- set min_peers = audit_threshold('peers.min_group_size') %}
{%- set trivial_lines = var('trivial_pr_max_changed_lines') %}

with reconciliation_months as (
    select
        employee_key,
        cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as month_start,
        count(*) as days_with_both,
        sum(billed_tokens) as billed_tokens,
        sum(reported_tokens) as reported_tokens,
        sum(case when status = 'over-reported' then 1 else 0 end) as over_reported_days
    from {{ ref('fct_usage_reconciliation') }}
    where billed_tokens > 0 and reported_tokens > 0
    group by employee_key, cast({{ dbt.date_trunc('month', 'usage_date') }} as date)
),

base as (
    select
        pm.*,
        sharing.telemetry_days,
        sharing.telemetry_installs,
        sharing.max_installs_per_day,
        sharing.parallel_install_days,
        sharing.claude_code_days,
        sharing.claude_code_sessions,
        sharing.multi_terminal_days,
        sharing.multi_terminal_share,
        case when sharing.claude_code_days >= {{ audit_threshold('referral_inflation.min_active_days') }}
            then sharing.sessions_per_active_day end as sessions_per_active_day,
        recon.days_with_both,
        recon.billed_tokens as reconciled_billed_tokens,
        recon.reported_tokens as reconciled_reported_tokens,
        recon.over_reported_days,
        {{ safe_divide('recon.reported_tokens', 'recon.billed_tokens') }} as telemetry_ratio
    from {{ ref('int_audit__person_months') }} as pm
    left join {{ ref('int_audit__profile_sharing') }} as sharing
        on pm.employee_key = sharing.employee_key and pm.month_start = sharing.month_start
    left join reconciliation_months as recon
        on pm.employee_key = recon.employee_key and pm.month_start = recon.month_start
),

{% for grouping in [['role', 'level'], ['role'], []] %}
peers_{{ loop.index }} as (
    select
        month_start{% for column in grouping %}, {{ column }}{% endfor %},
        {%- for metric in peer_metrics %}
        {{ median(metric) }} as median_{{ metric }},
        count({{ metric }}) as people_{{ metric }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from base
    group by month_start{% for column in grouping %}, {{ column }}{% endfor %}
),
{% endfor %}

with_peers as (
    select
        base.*,
        {%- for metric in peer_metrics %}
        case
            when p1.people_{{ metric }} >= {{ min_peers }} then p1.median_{{ metric }}
            when p2.people_{{ metric }} >= {{ min_peers }} then p2.median_{{ metric }}
            else p3.median_{{ metric }}
        end as peer_{{ metric }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from base
    left join peers_1 as p1
        on base.month_start = p1.month_start and base.role = p1.role and base.level = p1.level
    left join peers_2 as p2
        on base.month_start = p2.month_start and base.role = p2.role
    left join peers_3 as p3
        on base.month_start = p3.month_start
),

-- 1. PR spam: many trivial merged PRs, far more than peers, making up most of what merged
pr_spam as (
    select
        *,
        greatest(
            {{ audit_threshold('pr_spam.min_trivial_prs') }},
            {{ audit_threshold('pr_spam.peer_multiple') }} * greatest(coalesce(peer_trivial_merged_prs, 0), 1)
        ) as threshold_value
    from with_peers
),

pr_spam_signals as (
    select
        employee_key, month_start, team_id,
        'pr_spam' as signal,
        cast(trivial_merged_prs as double) as metric_value,
        threshold_value,
        {{ dbt.concat([
            audit_fmt_int('trivial_merged_prs'), "' of '", audit_fmt_int('merged_prs'),
            "' merged PRs trivial (<= " ~ trivial_lines ~ " changed lines); peer median '",
            audit_fmt_num('peer_trivial_merged_prs'), "' trivial; '",
            audit_fmt_int('nontrivial_merged_prs'), "' non-trivial; '",
            audit_fmt_millions('total_tokens'), "' tokens'",
        ]) }} as evidence
    from pr_spam
    where trivial_merged_prs >= threshold_value
      and trivial_merged_prs >= {{ audit_threshold('pr_spam.min_trivial_share') }} * merged_prs
),

-- 2. Always-on consumption: usage in (nearly) every working hour of every active weekday,
--    even the hours a human's day starts and ends with, and nothing delivered
--    (transcription-bot shape)
always_on_signals as (
    select
        employee_key, month_start, team_id,
        'always_on' as signal,
        working_hour_coverage as metric_value,
        {{ audit_threshold('always_on.min_coverage') }} as threshold_value,
        {{ dbt.concat([
            audit_fmt_pct('working_hour_coverage'), "' of working hours (local '",
            audit_fmt_int(audit_threshold('always_on.working_hour_start')), "':00-'",
            audit_fmt_int(audit_threshold('always_on.working_hour_end')), "':00, '", 'timezone', "') on '",
            audit_fmt_int('active_weekdays'), "' active weekdays had usage; even the least-used hour on '",
            audit_fmt_pct('least_covered_hour_share'), "' of them; '", audit_fmt_int('nontrivial_merged_prs'),
            "' non-trivial merged PRs (peer median '", audit_fmt_num('peer_nontrivial_merged_prs'),
            "'); '", audit_fmt_millions('total_tokens'), "' tokens'",
        ]) }} as evidence
    from with_peers
    where active_weekdays >= {{ audit_threshold('always_on.min_active_weekdays') }}
      and working_hour_coverage >= {{ audit_threshold('always_on.min_coverage') }}
      and least_covered_hour_share >= {{ audit_threshold('always_on.min_least_covered_hour_share') }}
      and nontrivial_merged_prs
          <= {{ audit_threshold('always_on.max_delivery_vs_peers') }} * coalesce(peer_nontrivial_merged_prs, 0)
),

-- 3. Unattended agents: most tokens at night or on weekends in the person's own timezone,
--    while the person's own activity (PRs opened) is not at those times
unattended_agent_signals as (
    select
        employee_key, month_start, team_id,
        'unattended_agent' as signal,
        off_hours_share as metric_value,
        {{ audit_threshold('unattended_agent.min_off_hours_share') }} as threshold_value,
        {{ dbt.concat([
            audit_fmt_pct('off_hours_share'), "' of hourly-dated tokens between 00:00 and '",
            audit_fmt_int(audit_threshold('unattended_agent.night_end_hour')),
            "':00 or on weekends, local time ('", 'timezone', "'): '",
            audit_fmt_millions('off_hours_tokens'), "' tokens; '", audit_fmt_int('opened_prs_off_hours'),
            "' of '", audit_fmt_int('opened_prs'), "' own PRs opened then'",
        ]) }} as evidence
    from with_peers
    where off_hours_share >= {{ audit_threshold('unattended_agent.min_off_hours_share') }}
      and off_hours_tokens >= {{ audit_threshold('unattended_agent.min_off_hours_tokens') }}
      and coalesce(opened_prs_off_hours_share, 0)
          <= {{ audit_threshold('unattended_agent.max_human_off_hours_share') }}
),

-- 4. Prompt stuffing: far more input per request than peers on the same tool, little cache
--    reuse, and no extra output to show for it. Per request where exports count model
--    requests (Cursor, OpenAI); for Anthropic API buckets (no request counts) by the uncached
--    share of input.
prompt_stuffing as (
    select
        *,
        {%- for tool in request_tools %}
        case
            when {{ tool }}_requests >= {{ audit_threshold('prompt_stuffing.min_requests') }}
             and {{ tool }}_input_tokens_per_request
                 >= {{ audit_threshold('prompt_stuffing.peer_multiple') }} * peer_{{ tool }}_input_tokens_per_request
             and {{ tool }}_cache_reuse <= {{ audit_threshold('prompt_stuffing.max_cache_reuse') }}
             and {{ tool }}_output_per_input
                 <= {{ audit_threshold('prompt_stuffing.max_output_vs_peers') }} * peer_{{ tool }}_output_per_input
            then {{ safe_divide(tool ~ '_input_tokens_per_request',
                 audit_threshold('prompt_stuffing.peer_multiple') ~ ' * peer_' ~ tool ~ '_input_tokens_per_request') }}
        end as {{ tool }}_score,
        {%- endfor %}
        case
            when api_input_tokens >= {{ audit_threshold('prompt_stuffing.min_api_tokens') }}
             and api_uncached_share >= {{ audit_threshold('prompt_stuffing.min_api_uncached_share') }}
             and api_output_per_input
                 <= {{ audit_threshold('prompt_stuffing.max_output_vs_peers') }} * peer_api_output_per_input
            then api_uncached_share / {{ audit_threshold('prompt_stuffing.min_api_uncached_share') }}
        end as api_score
    from with_peers
),

prompt_stuffing_signals as (
    select
        employee_key, month_start, team_id,
        'prompt_stuffing' as signal,
        case
            when cursor_score >= coalesce(openai_score, 0) then cursor_input_tokens_per_request
            when openai_score is not null then openai_input_tokens_per_request
            else api_uncached_share
        end as metric_value,
        case
            when cursor_score >= coalesce(openai_score, 0)
                then {{ audit_threshold('prompt_stuffing.peer_multiple') }} * peer_cursor_input_tokens_per_request
            when openai_score is not null
                then {{ audit_threshold('prompt_stuffing.peer_multiple') }} * peer_openai_input_tokens_per_request
            else {{ audit_threshold('prompt_stuffing.min_api_uncached_share') }}
        end as threshold_value,
        {%- set parts = [] %}
        {%- for tool, label in request_tools.items() %}
        {%- do parts.append(
            "case when " ~ tool ~ "_requests > 0 then " ~ dbt.concat([
                "'" ~ label ~ ": '", audit_fmt_int(tool ~ '_input_tokens_per_request'),
                "' input tokens per request (peer median '", audit_fmt_int('peer_' ~ tool ~ '_input_tokens_per_request'),
                "'), '", audit_fmt_pct(tool ~ '_cache_reuse'), "' read from cache, '",
                audit_fmt_num('1000 * ' ~ tool ~ '_output_per_input'), "' output per 1,000 input (peers '",
                audit_fmt_num('1000 * peer_' ~ tool ~ '_output_per_input'), "'); '",
            ]) ~ " else '' end") %}
        {%- endfor %}
        {%- do parts.append(
            "case when api_input_tokens > 0 then " ~ dbt.concat([
                "'Anthropic API: '", audit_fmt_pct('api_uncached_share'), "' of '",
                audit_fmt_millions('api_input_tokens'), "' input tokens uncached, '",
                audit_fmt_num('1000 * api_output_per_input'), "' output per 1,000 input (peers '",
                audit_fmt_num('1000 * peer_api_output_per_input'), "')'",
            ]) ~ " else '' end") %}
        {{ dbt.concat(parts) }} as evidence
    from prompt_stuffing
    where cursor_score is not null or openai_score is not null or api_score is not null
),

-- 5. Telemetry inflation: the client reports far more tokens than billing shows
telemetry_inflation_signals as (
    select
        employee_key, month_start, team_id,
        'telemetry_inflation' as signal,
        telemetry_ratio as metric_value,
        {{ audit_threshold('telemetry_inflation.min_ratio') }} as threshold_value,
        {{ dbt.concat([
            "'client telemetry reported '", audit_fmt_millions('reconciled_reported_tokens'),
            "' tokens vs '", audit_fmt_millions('reconciled_billed_tokens'), "' billed on '",
            audit_fmt_int('days_with_both'), "' days with both (ratio '", audit_fmt_num('telemetry_ratio'),
            "'); '", audit_fmt_int('over_reported_days'), "' days over-reported'",
        ]) }} as evidence
    from with_peers
    where days_with_both >= {{ audit_threshold('telemetry_inflation.min_days') }}
      and telemetry_ratio >= {{ audit_threshold('telemetry_inflation.min_ratio') }}
),

-- 6. Referral inflation: one profile used by several people: several client installs in
--    parallel on one email (telemetry), or far more Claude Code sessions per day than peers
--    from several terminal types at once (Claude Code analytics)
referral as (
    select
        *,
        case
            when parallel_install_days >= {{ audit_threshold('referral_inflation.min_parallel_days') }}
            then cast(parallel_install_days as double) / {{ audit_threshold('referral_inflation.min_parallel_days') }}
        end as telemetry_score,
        case
            when sessions_per_active_day
                 >= {{ audit_threshold('referral_inflation.sessions_peer_multiple') }} * peer_sessions_per_active_day
             and multi_terminal_share >= {{ audit_threshold('referral_inflation.min_multi_terminal_share') }}
            then {{ safe_divide('sessions_per_active_day',
                 audit_threshold('referral_inflation.sessions_peer_multiple') ~ ' * peer_sessions_per_active_day') }}
        end as sessions_score
    from with_peers
),

referral_inflation_signals as (
    select
        employee_key, month_start, team_id,
        'referral_inflation' as signal,
        case when telemetry_score is not null then cast(parallel_install_days as double)
            else sessions_per_active_day end as metric_value,
        case when telemetry_score is not null
            then {{ audit_threshold('referral_inflation.min_parallel_days') }}
            else {{ audit_threshold('referral_inflation.sessions_peer_multiple') }} * peer_sessions_per_active_day
        end as threshold_value,
        {{ dbt.concat([
            audit_fmt_int('telemetry_installs'), "' client installs reported under one email, up to '",
            audit_fmt_int('max_installs_per_day'), "' on one day, '", audit_fmt_int('parallel_install_days'),
            "' days with two or more in parallel; Claude Code: '", audit_fmt_num('sessions_per_active_day'),
            "' sessions per active day (peer median '", audit_fmt_num('peer_sessions_per_active_day'),
            "'), '", audit_fmt_pct('multi_terminal_share'), "' of '", audit_fmt_int('claude_code_days'),
            "' active days from two or more terminal types'",
        ]) }} as evidence
    from referral
    where telemetry_score is not null or sessions_score is not null
),

-- 7. Tokens without outcomes: top of the role for tokens and bottom for outcome points over
--    a trailing window, in roles that deliver through pull requests
windowed as (
    select
        this_month.employee_key,
        this_month.month_start,
        this_month.team_id,
        this_month.role,
        sum(earlier.total_tokens) as window_tokens,
        sum(earlier.outcome_points) as window_outcome_points,
        count(*) as window_months
    from {{ ref('int_audit__person_months') }} as this_month
    inner join {{ ref('int_audit__person_months') }} as earlier
        on this_month.employee_key = earlier.employee_key
    where {{ audit_month_index('earlier.month_start') }} <= {{ audit_month_index('this_month.month_start') }}
      and {{ audit_month_index('earlier.month_start') }}
          > {{ audit_month_index('this_month.month_start') }}
            - {{ audit_threshold('tokens_without_outcomes.window_months') }}
    group by this_month.employee_key, this_month.month_start, this_month.team_id, this_month.role
),

ranked as (
    select
        *,
        percent_rank() over (partition by month_start, role order by window_tokens) as token_percentile,
        rank() over (partition by month_start, role order by window_tokens desc) as token_rank,
        percent_rank() over (partition by month_start, role order by window_outcome_points)
            as outcome_percentile
    from windowed
),

role_windows as (
    select
        month_start,
        role,
        {{ median('window_outcome_points') }} as role_median_outcome_points,
        min(case when token_percentile >= {{ audit_threshold('tokens_without_outcomes.min_token_percentile') }}
            then window_tokens end) as role_token_threshold,
        count(*) as role_people
    from ranked
    group by month_start, role
),

tokens_without_outcomes_signals as (
    select
        ranked.employee_key, ranked.month_start, ranked.team_id,
        'tokens_without_outcomes' as signal,
        cast(ranked.window_tokens as double) as metric_value,
        cast(role_windows.role_token_threshold as double) as threshold_value,
        {{ dbt.concat([
            audit_fmt_millions('ranked.window_tokens'), "' tokens over '", audit_fmt_int('ranked.window_months'),
            "' month(s), rank '", audit_fmt_int('ranked.token_rank'), "' of '",
            audit_fmt_int('role_windows.role_people'), "' in the role (threshold '",
            audit_fmt_millions('role_windows.role_token_threshold'), "'); '",
            audit_fmt_num('ranked.window_outcome_points'), "' outcome points (role median '",
            audit_fmt_num('role_windows.role_median_outcome_points'), "')'",
        ]) }} as evidence
    from ranked
    inner join role_windows
        on ranked.month_start = role_windows.month_start and ranked.role = role_windows.role
    where ranked.window_tokens > 0
      and ranked.token_percentile >= {{ audit_threshold('tokens_without_outcomes.min_token_percentile') }}
      and ranked.outcome_percentile <= {{ audit_threshold('tokens_without_outcomes.max_outcome_percentile') }}
      and ranked.window_months >= {{ audit_threshold('tokens_without_outcomes.min_months') }}
      and ranked.window_outcome_points < role_windows.role_median_outcome_points
      and role_windows.role_median_outcome_points
          >= {{ audit_threshold('tokens_without_outcomes.min_role_median_outcome') }}
      and role_windows.role_people >= {{ min_peers }}
),

fired as (
    select * from pr_spam_signals
    union all
    select * from always_on_signals
    union all
    select * from unattended_agent_signals
    union all
    select * from prompt_stuffing_signals
    union all
    select * from telemetry_inflation_signals
    union all
    select * from referral_inflation_signals
    union all
    select * from tokens_without_outcomes_signals
)

select
    employee_key,
    month_start,
    team_id,
    signal,
    cast(score as double) as score,
    {{ audit_severity('signal', 'score') }} as severity,
    cast(metric_value as double) as metric_value,
    cast(threshold_value as double) as threshold_value,
    evidence
from (
    select
        fired.*,
        {{ safe_divide('metric_value', 'threshold_value') }} as score
    from fired
) as scored
