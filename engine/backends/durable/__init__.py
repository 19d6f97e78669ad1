"""The durable_rules backend: a pack lowered to conditions a Rete network can hold, compiled to a
durable ruleset, checked against the C library's limits, hardened, and run in a supervised runtime."""
