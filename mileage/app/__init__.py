"""The Streamlit app's plain-Python side.

- `data`: read-only warehouse access (cached, parameterised queries returning DataFrames).
- `privacy`: roles, who may see which rows, minimum-group-size suppression.
- `metrics`: the arithmetic behind every number shown (deltas, roll-ups, the cost calculator).
- `charts`: Altair chart builders.
- `ui`: the thin Streamlit helpers shared by the pages in `app_pages/`.
"""
