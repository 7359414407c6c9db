"""ICE's "Operation Safe City" (September 2017): the figures as claimed, and each place's law."""

from detainer_desk.safecity.safecity import (
    SafeCityReport,
    load_operation,
    safe_city,
    to_csv,
)

__all__ = ["SafeCityReport", "load_operation", "safe_city", "to_csv"]
