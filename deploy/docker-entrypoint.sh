#!/bin/sh
# The container's command: `assess serve` on every interface of the container, with bearer tokens
# from a mounted secret ($ASSESS_TOKEN_FILE, by default /run/secrets/assess_tokens) when it is
# there, and/or from $ASSESS_SERVE_TOKENS. With neither, assess serve refuses to start (exit 2):
# a service bound beyond loopback is never open without a token. Arguments are passed on
# (e.g. --workers 4 --pack /packs/community --set community:org_life_per_month=1).
set -eu
if [ -n "${ASSESS_TOKEN_FILE:-}" ] && [ -e "$ASSESS_TOKEN_FILE" ]; then
    set -- --token-file "$ASSESS_TOKEN_FILE" "$@"
fi
exec assess serve --host "${ASSESS_HOST:-0.0.0.0}" --port "${ASSESS_PORT:-8080}" "$@"
