#!/usr/bin/env bash
# make demo: deploy the example lake into the local emulator, show that a re-run changes nothing, that a drift
# check (--check --diff) finds a change made outside Ansible, and that a deploy repairs it; then stop the emulator.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/.venv/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="${ANSIBLE_COLLECTIONS_PATH:-$PWD/build/collections}"

if [ -z "${EMULATOR_URL:-}" ]; then
  exec tests/ci/with-emulator.sh "$0" "$@"
fi

LAKE=${LAKE:-examples/demo.yml}
PLAYBOOK=(ansible-playbook deltalake.aws.site -i "localhost," -e "@$LAKE")
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
recap() { grep -A1 '^PLAY RECAP' "$LOG" | tail -1 | sed 's/  */ /g'; }
calls() {
  python3 -c 'import json, sys, urllib.request as u
c = json.load(u.urlopen(sys.argv[1] + "/_emulator/calls"))
print("%d AWS calls, %d mutating %s" % (c["total"], c["mutating"], " ".join(c["mutating_operations"])))' "$EMULATOR_URL"
}
count_from_here() {
  python3 -c 'import sys, urllib.request as u; u.urlopen(u.Request(sys.argv[1] + "/_emulator/calls", method="DELETE"))' "$EMULATOR_URL"
}

say "Emulator listening on $EMULATOR_URL; deploying $LAKE"
count_from_here
"${PLAYBOOK[@]}" | tee "$LOG"
echo "deploy: $(recap); $(calls)"

say "Running the same deploy again: nothing to change"
count_from_here
"${PLAYBOOK[@]}" > "$LOG"
echo "re-run: $(recap); $(calls)"
grep -q ' changed=0 ' <(recap) || { echo "the re-run changed something"; exit 1; }

say "Drift check (--check --diff) on the deployed lake: no drift"
"${PLAYBOOK[@]}" --check --diff > "$LOG"
echo "drift check: $(recap)"

say "Someone suspends versioning on the data bucket outside Ansible"
python3 - <<'PY'
import boto3
boto3.client("s3").put_bucket_versioning(Bucket="demo-lake-data", VersioningConfiguration={"Status": "Suspended"})
PY

say "Drift check finds it"
count_from_here
"${PLAYBOOK[@]}" --check --diff | tee "$LOG"
echo "drift check: $(recap); $(calls)"
grep -q ' changed=1 ' <(recap) || { echo "the drift check did not find the change"; exit 1; }

say "Deploying repairs it"
"${PLAYBOOK[@]}" > "$LOG"
echo "repair: $(recap)"
"${PLAYBOOK[@]}" --check > "$LOG"
echo "drift check after repair: $(recap)"

say "The lake in the emulator"
python3 - <<'PY'
import boto3
s3 = boto3.client("s3")
for bucket in s3.list_buckets()["Buckets"]:
    name = bucket["Name"]
    versioning = s3.get_bucket_versioning(Bucket=name).get("Status", "Off")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=name).get("Contents", [])]
    markers = [k for k in keys if k.endswith("/")]
    print(f"  s3://{name}  versioning={versioning}  prefixes={markers}  objects={len(keys) - len(markers)}")
PY
say "Done; the emulator stops now"
