#!/usr/bin/env bash
# The Spark target's own environment, .venv-spark: dbt-core 1.11 + dbt-spark[session] + pyspark.
#
# Kept apart from .venv on purpose: installing dbt-spark[session] and pyspark beside Great
# Expectations broke `import great_expectations` (see docs/spark.md). Idempotent: a second run
# with the same pins returns at once. Needs Java 17 (`java -version`) to run, not to install.
#
# Usage: scripts/install-spark-env.sh [VENV_DIR]    (default: .venv-spark beside this repo)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${1:-${MILEAGE_SPARK_VENV:-$ROOT/.venv-spark}}"
PYTHON="${PYTHON:-python3}"
# The pins, in one place; the stamp file records them so a change reinstalls.
PINS=(
  "dbt-core>=1.11,<1.12"
  "dbt-spark[session]>=1.11,<1.12"
  "pyspark>=4.0,<5"
)
STAMP="$VENV/.mileage-spark-installed"
WANT="$(printf '%s\n' "${PINS[@]}")"
if [ -x "$VENV/bin/dbt" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; then
  exit 0
fi
echo "Creating the Spark environment in $VENV (dbt-spark[session] + pyspark, ~1-2 minutes)..."
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install -q --upgrade pip
"$VENV/bin/pip" install -q "${PINS[@]}"
"$VENV/bin/python" -c "import pyspark, dbt.adapters.spark; print('pyspark', pyspark.__version__)"
if ! command -v java >/dev/null 2>&1; then
  echo "warning: no java on PATH; Spark needs Java 17 (apt-get install openjdk-17-jre-headless)" >&2
fi
printf '%s' "$WANT" > "$STAMP"
