"""Rule packs: read from YAML files (with overlays), checked, and built into the Pack the backends run."""
