"""Profiles: a community described in YAML, validated against the inputs its packs declare; and
synthetic profiles generated for differential tests and benchmarks."""
