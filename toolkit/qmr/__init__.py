"""qmr: a council's quarterly performance monitoring through Excel."""

__version__ = "0.1.0"
