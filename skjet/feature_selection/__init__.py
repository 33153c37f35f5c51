"""Feature selection for jet- and event-level tables."""

from ._importance import ImportancePruner

__all__ = ["ImportancePruner"]
