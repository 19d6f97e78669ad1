"""The review step: waivers, reviewer adjustments, their files, and baselines (last year's report)."""
