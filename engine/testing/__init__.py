"""Testing packs: the case runner (`tests/*.yaml` of a pack), `assess pack test`, and the pytest plugin."""
