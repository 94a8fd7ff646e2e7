{#-
  list_cost_usd(prices_alias, uncached, cache_write_5m, cache_write_1h, cache_read, output, is_batch)

  List cost in USD of one usage row at the prices of `prices_alias` (a row of the
  token_prices seed, joined by model family). The one place token classes meet prices:
  tokens x USD per million tokens, batch traffic discounted by the seed's batch_discount.
  Returns NULL when the model is unpriced (the join found no price), never a silent 0.
-#}
{% macro list_cost_usd(p, uncached, cache_write_5m, cache_write_1h, cache_read, output, is_batch) -%}
    case when {{ p }}.model_family is null then null else (
        coalesce({{ uncached }}, 0) * {{ p }}.input_usd_per_mtok
        + coalesce({{ cache_write_5m }}, 0) * coalesce({{ p }}.cache_write_5m_usd_per_mtok, {{ p }}.input_usd_per_mtok)
        + coalesce({{ cache_write_1h }}, 0) * coalesce({{ p }}.cache_write_1h_usd_per_mtok, {{ p }}.input_usd_per_mtok)
        + coalesce({{ cache_read }}, 0) * coalesce({{ p }}.cache_read_usd_per_mtok, {{ p }}.input_usd_per_mtok)
        + coalesce({{ output }}, 0) * {{ p }}.output_usd_per_mtok
    ) / 1000000.0
      * case when {{ is_batch }} then 1 - coalesce({{ p }}.batch_discount, 0) else 1 end
    end
{%- endmacro %}
