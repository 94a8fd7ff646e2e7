"""`mileage fetch`: pull the vendors' exports into the raw directory, page by page, unchanged.

The raw directory stays the contract (docs/raw-contract.md): every file written here is what
the vendor's API returned, byte for byte, under the folder the landing reads. See
docs/fetch.md for the sources, credentials, state files and the daily job.
"""

from mileage.fetch.core import FetchError, FetchReport, fetch
from mileage.fetch.sources import SOURCES

__all__ = ["SOURCES", "FetchError", "FetchReport", "fetch"]
