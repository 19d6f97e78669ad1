"""Evaluation of a validated profile: the context rules read, findings per rule, scores, grade and
recommendations. Backends (engine.backends) answer whether each condition holds."""
