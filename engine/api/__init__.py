"""The library facade: an Engine compiles packs once and assesses many profiles."""
