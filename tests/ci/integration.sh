#!/usr/bin/env bash
# ansible-test integration against the emulator (run under tests/ci/with-emulator.sh). ansible-test filters the
# environment, so the endpoint reaches the targets through integration_config.yml.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
TREE=$(tests/ci/tree.sh)
cat > "$TREE/tests/integration/integration_config.yml" <<CONFIG
---
aws_endpoint_url: ${EMULATOR_URL}
emulator_url: ${EMULATOR_URL}
aws_access_key: testing
aws_secret_key: testing
aws_region: us-east-1
resource_prefix: dl-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
CONFIG
cd "$TREE"
exec "$ROOT/.venv/bin/ansible-test" integration --local --python 3.11 --color no "$@"
