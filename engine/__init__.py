"""Rule-based assessment engine for community Party-building and governance standards."""

__version__ = "0.1.0"
