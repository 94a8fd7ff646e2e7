"""Fixed vocabularies of the simulated company: models and list prices, names, timezones, tools.

Prices repeat `seeds/token_prices.csv` (USD per million tokens) so that the cost fields the
vendors themselves compute (Claude Code `estimated_cost`, Cursor `totalCents`, telemetry
`cost_usd`) are consistent with what the pipeline recomputes from the price table. The
simulator does not read the seed file: it must work from an installed package.
"""

from __future__ import annotations

import numpy as np

# --- prices: family -> (input, cache write 5m, cache write 1h, cache read, output) -----------
PRICES = {
    "claude-opus-4.5": (5.00, 6.25, 10.00, 0.50, 25.00),
    "claude-opus-4": (15.00, 18.75, 30.00, 1.50, 75.00),
    "claude-sonnet-4": (3.00, 3.75, 6.00, 0.30, 15.00),
    "claude-haiku-4.5": (1.00, 1.25, 2.00, 0.10, 5.00),
    "gpt-5": (1.25, 0.0, 0.0, 0.125, 10.00),
    "gpt-5-mini": (0.25, 0.0, 0.0, 0.025, 2.00),
    # Not in the price table on purpose: what a legacy script still calls. Only the Messages
    # report (which carries no cost) ever shows it, so the pipeline's unpriced warning fires.
    "claude-3-opus": (15.00, 18.75, 30.00, 1.50, 75.00),
}

# Anthropic API models (Messages usage report). Index = model code used in the arrays.
ANTHROPIC_MODELS = [
    ("claude-sonnet-4-5-20250929", "claude-sonnet-4"),
    ("claude-opus-4-5-20251101", "claude-opus-4.5"),
    ("claude-haiku-4-5-20251001", "claude-haiku-4.5"),
    ("claude-opus-4-1-20250805", "claude-opus-4"),
    ("claude-sonnet-4-20250514", "claude-sonnet-4"),
    ("claude-3-opus-20240229", "claude-3-opus"),
]
A_SONNET45, A_OPUS45, A_HAIKU45, A_OPUS41, A_SONNET4, A_LEGACY = range(6)
# Primary-model popularity among API users (the legacy model is never primary).
ANTHROPIC_PRIMARY_WEIGHTS = np.array([0.55, 0.25, 0.10, 0.05, 0.05, 0.0])

# Claude Code uses the first three.
CLAUDE_CODE_MODELS = [A_SONNET45, A_OPUS45, A_HAIKU45]
CLAUDE_CODE_PRIMARY_WEIGHTS = np.array([0.62, 0.33, 0.05])

OPENAI_MODELS = [
    ("gpt-5-2025-08-07", "gpt-5"),
    ("gpt-5-mini-2025-08-07", "gpt-5-mini"),
    ("gpt-5.1-2025-11-13", "gpt-5"),
]
OPENAI_PRIMARY_WEIGHTS = np.array([0.5, 0.35, 0.15])

# Cursor reports its own model names (seeds/model_families.csv maps them to families).
CURSOR_MODELS = [
    ("claude-4.5-sonnet", "claude-sonnet-4"),
    ("gpt-5", "gpt-5"),
    ("claude-4.5-opus", "claude-opus-4.5"),
]
CURSOR_PRIMARY_WEIGHTS = np.array([0.6, 0.25, 0.15])


def price_matrix(models: list[tuple[str, str]]) -> np.ndarray:
    """(n_models, 5) USD per token: input, cache write 5m, cache write 1h, cache read, output."""
    return np.array([PRICES[family] for _, family in models], dtype=np.float64) / 1e6


def _words(text: str) -> list[str]:
    return text.split()


# --- people, teams, places --------------------------------------------------------------------
FIRST_NAMES = _words(
    "Ana Ben Chloe David Elena Farid Grace Hugo Ines Jonas Kira Liam Maya Noah Olga Pavel "
    "Quinn Rosa Sami Tara Umar Vera Wei Xena Yusuf Zoe Aisha Bruno Carmen Dmitri Emma Felix "
    "Gita Hana Ivan Julia Kenji Lena Marco Nadia Oscar Priya Rafael Sofia Tomas Ulla Victor "
    "Wanda Yara Aaron Beatriz Chen Daria Emil Fatima Gabriel Helga Isaac Jana Karim Lucia "
    "Mateo Nina Omar Paula Rohan Selma Theo Uma Viktor Willa Xavier Yuki Zainab Arjun Bianca "
    "Cyrus Diana Erik Freya Gustavo Hiro Irene Jamal Katya Leon Mira Nikhil Ophelia Pedro "
    "Rhea Stefan Tanvi Ugo Valeria Walter Yasmin Zeno"
)
LAST_NAMES = _words(
    "Silva Novak Garcia Kim Muller Rossi Okafor Patel Nguyen Kowalski Jensen Haddad Costa "
    "Tanaka Ivanova Dubois Moreau Schmidt Larsen Mehta Ali Fischer Romero Suzuki Nakamura "
    "Lopez Berg Eriksson Hansen Weber Bauer Wagner Becker Hoffmann Santos Pereira Ferreira "
    "Oliveira Sato Watanabe Yamamoto Chen Wang Li Zhang Liu Singh Kumar Sharma Gupta Reddy "
    "Iyer Khan Ahmed Hassan Yilmaz Kaya Demir Sahin Popescu Horvath Nagy Varga Kovacs Dvorak "
    "Svoboda Jovanovic Petrovic Nielsen Andersen Johansson Lindberg Virtanen Korhonen "
    "OBrien Murphy Kelly Walsh Byrne Smith Jones Taylor Brown Wilson Evans Thomas Roberts "
    "Walker Wright Green Hall Wood Clarke Hughes Lewis Young King Baker Adams Carter Mitchell"
)

ORG_NAMES = [
    "Platform",
    "Payments",
    "Growth",
    "Data",
    "Mobile",
    "Infrastructure",
    "Security",
    "Search",
    "Commerce",
    "Identity",
    "Marketplace",
    "Analytics",
    "Developer Experience",
    "Risk",
    "Logistics",
    "Messaging",
]
TEAM_WORDS = [
    "Core",
    "API",
    "Edge",
    "Ledger",
    "Checkout",
    "Onboarding",
    "Insights",
    "Pipelines",
    "Runtime",
    "Storage",
    "Auth",
    "Billing",
    "Catalog",
    "Pricing",
    "Notifications",
    "Search",
    "Ranking",
    "Experiments",
    "Reliability",
    "Tooling",
    "Web",
    "iOS",
    "Android",
    "Compliance",
    "Fraud",
    "Routing",
    "Streaming",
    "Warehouse",
    "Gateway",
    "Accounts",
]

# (IANA name, region for salary, org-region weight)
TIMEZONES = [
    ("America/Los_Angeles", "us", 0.22),
    ("America/New_York", "us", 0.18),
    ("America/Sao_Paulo", "latam", 0.06),
    ("Europe/London", "uk", 0.12),
    ("Europe/Berlin", "eu", 0.14),
    ("Europe/Warsaw", "eu", 0.08),
    ("Asia/Kolkata", "in", 0.10),
    ("Asia/Singapore", "sg", 0.05),
    ("Australia/Sydney", "au", 0.05),
]
REGION_SALARY_FACTOR = {
    "us": 1.0,
    "uk": 0.72,
    "eu": 0.68,
    "latam": 0.42,
    "in": 0.33,
    "sg": 0.8,
    "au": 0.78,
}

ROLES = ["engineer", "pm", "designer", "data_scientist", "manager"]
R_ENGINEER, R_PM, R_DESIGNER, R_DS, R_MANAGER = range(5)
MEMBER_ROLE_WEIGHTS = np.array([0.80, 0.07, 0.05, 0.08, 0.0])
LEVELS = ["L3", "L4", "L5", "L6", "L7", "L8"]
LEVEL_SALARY = np.array([115_000, 145_000, 180_000, 220_000, 265_000, 330_000], dtype=float)
# Level distribution by role (L3..L8).
ROLE_LEVEL_WEIGHTS = {
    R_ENGINEER: [0.2, 0.33, 0.3, 0.13, 0.04, 0.0],
    R_PM: [0.0, 0.35, 0.4, 0.2, 0.05, 0.0],
    R_DESIGNER: [0.25, 0.4, 0.25, 0.1, 0.0, 0.0],
    R_DS: [0.2, 0.35, 0.3, 0.15, 0.0, 0.0],
}

# --- personas ---------------------------------------------------------------------------------
PERSONAS = [
    "normal",
    "pr_spammer",
    "always_on_bot",
    "referral_inflater",
    "telemetry_inflater",
    "unattended_agent",
    "prompt_stuffer",
]
(
    P_NORMAL,
    P_PR_SPAMMER,
    P_ALWAYS_ON_BOT,
    P_REFERRAL_INFLATER,
    P_TELEMETRY_INFLATER,
    P_UNATTENDED_AGENT,
    P_PROMPT_STUFFER,
) = range(7)

# --- tool vocabularies ------------------------------------------------------------------------
TERMINALS = ["vscode", "iTerm.app", "Apple_Terminal", "tmux", "jetbrains", "ghostty", "cursor"]
TERMINAL_WEIGHTS = np.array([0.34, 0.2, 0.06, 0.12, 0.12, 0.06, 0.1])
COPILOT_IDES = ["vscode", "jetbrains", "visualstudio", "neovim"]
COPILOT_IDE_WEIGHTS = np.array([0.66, 0.24, 0.06, 0.04])
BOTS = [
    ("dependabot[bot]", 49699333),
    ("renovate[bot]", 29139614),
    ("github-actions[bot]", 41898282),
]

PR_TITLE_VERBS = [
    "Add",
    "Fix",
    "Refactor",
    "Improve",
    "Remove",
    "Support",
    "Handle",
    "Speed up",
    "Validate",
    "Document",
    "Migrate",
    "Clean up",
]
PR_TITLE_OBJECTS = [
    "retry logic",
    "pagination",
    "cache invalidation",
    "error handling",
    "metrics export",
    "feature flag",
    "schema migration",
    "rate limiting",
    "login flow",
    "search ranking",
    "CSV export",
    "webhook handler",
    "timeouts",
    "audit log",
    "dark mode",
    "batch job",
    "config loader",
    "unit tests",
    "null checks",
    "API client",
]
SPAM_TITLES = [
    "chore: regenerate snapshots",
    "chore: update generated client",
    "chore(auto): bump lockfile",
    "style: apply formatter",
    "chore: sync config",
    "docs: regenerate API reference",
    "chore: update fixtures",
]
BOT_TITLES = [
    "Bump {dep} from 1.{a}.0 to 1.{b}.0",
    "chore(deps): update {dep} to v{b}",
    "Update {dep} digest",
]
DEPENDENCIES = [
    "lodash",
    "requests",
    "urllib3",
    "axios",
    "pydantic",
    "react",
    "jackson-databind",
    "golang.org/x/net",
    "protobuf",
    "pyyaml",
    "eslint",
    "numpy",
]
PR_LABELS = ["", "", "feature", "bug", "refactor", "chore", "docs", "performance"]
BUG_SUMMARIES = [
    "{obj} fails for empty input",
    "Wrong totals in {obj}",
    "{obj} times out",
    "Regression in {obj}",
    "500 error from {obj}",
    "{obj} shows stale data",
    "Crash when {obj} retries",
    "Duplicate rows from {obj}",
]
TASK_SUMMARIES = [
    "Upgrade {obj}",
    "Investigate {obj} latency",
    "Write runbook for {obj}",
    "Plan {obj} rollout",
]
ROADMAP_THEMES = [
    "Launch",
    "Rebuild",
    "Scale",
    "Harden",
    "Self-serve",
    "Automate",
    "Redesign",
    "Internationalise",
    "Consolidate",
    "Instrument",
]
