"""YAML with positions: bytes decoded with care, libyaml events built into plain data, and a map from
every part of that data back to its `file:line:col`."""

from engine.source.limits import DEFAULT_LIMITS, Limits
from engine.source.load import Document, load_yaml, load_yaml_bytes
from engine.source.spans import SourceMap, Span

__all__ = ["DEFAULT_LIMITS", "Document", "Limits", "SourceMap", "Span", "load_yaml", "load_yaml_bytes"]
