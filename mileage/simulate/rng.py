"""Deterministic randomness that does not depend on how the work is chunked.

Two kinds:
- `day_rng(seed, stream, day)`: a numpy Generator for the draws of one simulated day and one
  stream (usage, pull requests, ...). Days are generated in order, each from its own stream, so
  the output is the same however days are grouped into pages.
- `hash_uniform/hash_normal(seed, stream, *keys)`: counter-based draws (splitmix64 over the
  keys) for values that several days must agree on, e.g. a person's activity factor for a
  *local* day, which straddles two UTC days.
"""

from __future__ import annotations

import numpy as np

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)

# Stream ids: one per independent purpose.
S_ORG = 1
S_USAGE = 2
S_DELIVERY = 3
S_DAY_FACTOR = 4
S_VACATION = 5
S_TELEMETRY = 6
S_INFLATION = 7
S_SESSION = 8
S_IDS = 9
S_ROADMAP = 10
S_BUGS = 11


def day_rng(seed: int, stream: int, day: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream, day + 1_000_000])


def _mix(x: np.ndarray) -> np.ndarray:
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


def hash64(seed: int, stream: int, *keys) -> np.ndarray:
    """splitmix64 of (seed, stream, keys...) elementwise; keys broadcast like numpy arrays."""
    with np.errstate(over="ignore"):
        h = _mix(np.uint64(seed & 0xFFFFFFFFFFFFFFFF) * _GOLDEN + np.uint64(stream))
        for key in keys:
            k = np.asarray(key).astype(np.int64).astype(np.uint64)
            h = _mix(h ^ (k * _GOLDEN + np.uint64(0x632BE59BD9B4E019)))
    return np.asarray(h, dtype=np.uint64)


def hash_uniform(seed: int, stream: int, *keys) -> np.ndarray:
    """Uniform in (0, 1)."""
    h = hash64(seed, stream, *keys)
    return ((h >> np.uint64(11)).astype(np.float64) + 0.5) * (1.0 / 9007199254740992.0)


def hash_normal(seed: int, stream: int, *keys) -> np.ndarray:
    """Standard normal (Box-Muller over two hashed uniforms)."""
    u1 = hash_uniform(seed, stream, *keys, 1)
    u2 = hash_uniform(seed, stream, *keys, 2)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def lognormal_mean1(rng: np.random.Generator, sigma: float, size) -> np.ndarray:
    """Log-normal noise with mean 1."""
    return np.exp(rng.normal(-0.5 * sigma * sigma, sigma, size))
