"""Batch summaries: one ranked table per pack, built from reports and rendered as text, CSV, JSON or Excel."""
