-- Daily time spine for MetricFlow (the semantic layer joins metrics to it by day).
{{ dbt.date_spine('day', "cast('2020-01-01' as date)", "cast('2031-01-01' as date)") }}
