#!/usr/bin/env bash
# Run every integration target in N shards at once, each shard with its own emulator and its own collection tree
# (ansible-test runs the targets of one invocation one after the other). Shards are balanced by the targets'
# measured durations (tests/ci/integration-weights.txt, seconds); a target not listed there counts 120 s.
# Usage: tests/ci/integration-shards.sh [N]   (default 2: the CI machine has 2 cores)
set -euo pipefail
cd "$(dirname "$0")/../.."
SHARDS=${1:-2}
LOGS=$(mktemp -d)
mapfile -t TARGETS < <(find tests/integration/targets -mindepth 1 -maxdepth 1 -type d ! -name 'setup_*' -printf '%f\n' | sort)

# Greedy balance: longest targets first, each to the shard with the least work so far.
mapfile -t PLAN < <(
  for target in "${TARGETS[@]}"; do
    weight=$(awk -v t="$target" '$1 == t {print $2}' tests/ci/integration-weights.txt 2>/dev/null)
    echo "${weight:-120} $target"
  done | sort -rn | awk -v n="$SHARDS" '
    { best = 0; for (i = 1; i < n; i++) if (load[i] < load[best]) best = i; load[best] += $1; shard[best] = shard[best] " " $2 }
    END { for (i = 0; i < n; i++) print shard[i] }'
)

pids=()
for index in "${!PLAN[@]}"; do
  targets=${PLAN[$index]}
  [ -n "${targets// /}" ] || continue
  echo "shard $index:$targets"
  # shellcheck disable=SC2086  # the target list is word-split on purpose
  TREE_BASE="${TMPDIR:-/tmp}/deltalake.aws-shard-$index-$$" tests/ci/with-emulator.sh tests/ci/integration.sh $targets \
    > "$LOGS/shard-$index.log" 2>&1 &
  pids+=("$!")
done

status=0
for index in "${!pids[@]}"; do
  if wait "${pids[$index]}"; then
    echo "shard $index: passed"
  else
    status=1
    echo "shard $index: FAILED; its log:"
    tail -n 200 "$LOGS/shard-$index.log"
  fi
done
rm -rf "$LOGS"
exit $status
