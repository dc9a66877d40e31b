#!/usr/bin/env bash
# Run a command with the emulator started on a free 127.0.0.1 port and stopped afterwards, whatever happens.
# The command sees EMULATOR_URL, AWS_ENDPOINT_URL, test credentials and a region, and the emulator's state file.
set -euo pipefail
cd "$(dirname "$0")/../.."
STATE="$(mktemp -d)/emulator.json"
.venv/bin/python tests/emulator/server.py start --state-file "$STATE" --log-file "${STATE%.json}.log" >/dev/null
trap '.venv/bin/python tests/emulator/server.py stop --state-file "$STATE"; rm -rf "$(dirname "$STATE")"' EXIT
EMULATOR_URL=$(.venv/bin/python tests/emulator/server.py url --state-file "$STATE")
export EMULATOR_URL EMULATOR_STATE_FILE="$STATE" AWS_ENDPOINT_URL="$EMULATOR_URL"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION="${AWS_REGION:-us-east-1}"
export AWS_DEFAULT_REGION="$AWS_REGION"
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN
"$@"
