"""Batches: many profiles in supervised worker processes, ranked, with quotas."""
