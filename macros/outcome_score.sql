{#-
  outcome_score(prs_per_head, benchmark_prs_per_head, attainment, bugs_per_merged_pr)

  The one definition of a team's outcome score, 0-100, used by fct_team_months and every
  scheme and audit that ranks outcomes. Three parts, weighted by the `outcome_score_weights`
  var in dbt_project.yml (weights sum to 1):
    throughput: merged PRs per head relative to the organisation's median team that month,
                capped at 2x the median (so PR spam cannot buy an unbounded score);
    roadmap:    roadmap attainment of the quarter, capped at 150%;
    quality:    1 - bugs per merged PR, floored at 0.
  Each part is scaled to 0..1 before weighting. A missing part (no roadmap for the quarter)
  counts as 0 for that part.
-#}
{% macro outcome_score(prs_per_head, benchmark_prs_per_head, attainment, bugs_per_merged_pr) -%}
    {%- set w = var('outcome_score_weights') -%}
    100 * (
        {{ w['throughput'] }} * coalesce(least({{ safe_divide(prs_per_head, benchmark_prs_per_head) }}, 2.0) / 2.0, 0)
        + {{ w['roadmap'] }} * coalesce(least({{ attainment }}, 1.5) / 1.5, 0)
        + {{ w['quality'] }} * case when {{ bugs_per_merged_pr }} is null then 0
                                    else greatest(1 - {{ bugs_per_merged_pr }}, 0) end
    )
{%- endmacro %}
