#!/usr/bin/env bash
# make demo: deploy examples/full.yml into the local emulator; show that a re-run changes nothing, that a drift
# check catches a change made outside Ansible (exit status 2, JSON report) and that a deploy repairs it; print the
# lake, its cost estimate and its deployment history; stop the emulator.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/.venv/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="${ANSIBLE_COLLECTIONS_PATH:-$PWD/build/collections}"

if [ -z "${EMULATOR_URL:-}" ]; then
  exec tests/ci/with-emulator.sh "$0" "$@"
fi

LAKE=${LAKE:-examples/full.yml}
OUT=build/demo
mkdir -p "$OUT"
rm -f "$OUT/history.sqlite"*
# Record every run with the deployment history callback, in a database of the demo's own.
export ANSIBLE_CALLBACKS_ENABLED=deltalake.aws.deployment_history DELTALAKE_HISTORY_DB="$PWD/$OUT/history.sqlite"
export DELTALAKE_HISTORY_SPOOL_DIR="$PWD/$OUT/spool"
PLAYBOOK=(ansible-playbook deltalake.aws.site -i "localhost," -e "@$LAKE")
LOG="$OUT/last-run.log"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
recap() { grep -A1 '^PLAY RECAP' "$LOG" | tail -1 | sed 's/  */ /g'; }
calls() {
  python3 -c 'import json, sys, urllib.request as u
c = json.load(u.urlopen(sys.argv[1] + "/_emulator/calls"))
print("%d AWS calls, %d mutating" % (c["total"], c["mutating"]))' "$EMULATOR_URL"
}
count_from_here() {
  python3 -c 'import sys, urllib.request as u; u.urlopen(u.Request(sys.argv[1] + "/_emulator/calls", method="DELETE"))' "$EMULATOR_URL"
}

say "Emulator on $EMULATOR_URL; deploying $LAKE (every part of the lake on)"
count_from_here
start=$SECONDS
"${PLAYBOOK[@]}" > "$LOG"
echo "deploy: $(recap); $(calls); $((SECONDS - start)) s"

say "The same deploy again: nothing to change"
count_from_here
start=$SECONDS
"${PLAYBOOK[@]}" > "$LOG"
echo "re-run: $(recap); $(calls); $((SECONDS - start)) s"
grep -q ' changed=0 ' <(recap) || { echo "the re-run changed something"; exit 1; }

say "Someone suspends versioning on the data bucket and changes the Athena cutoff outside Ansible"
python3 - <<'PY'
import boto3
boto3.client("s3").put_bucket_versioning(Bucket="full-lake-data", VersioningConfiguration={"Status": "Suspended"})
boto3.client("athena").update_work_group(WorkGroup="full-lake", ConfigurationUpdates={"BytesScannedCutoffPerQuery": 99999999999})
PY

say "The drift check (--check --diff) catches it, exits with 2 and writes a JSON report"
count_from_here
set +e
"${PLAYBOOK[@]}" --check --diff -e "datalake_drift_report=$PWD/$OUT/drift.json" > "$LOG"
status=$?
set -e
echo "drift check: exit status $status; $(recap); $(calls)"
[ "$status" -eq 2 ] || { echo "expected exit status 2"; exit 1; }
python3 - "$OUT/drift.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
print(f"report: status={report['status']}, {report['drift_count']} drifted settings")
for entry in report["drift"]:
    print(f"  {entry['resource']} {entry['field']}: expected {entry['expected']!r}, actual {entry['actual']!r}")
PY

say "A deploy repairs it; the drift check is clean again"
"${PLAYBOOK[@]}" > "$LOG"
echo "repair: $(recap)"
"${PLAYBOOK[@]}" --check > "$LOG"
echo "drift check: $(recap)"

say "The lake"
python3 - <<'PY'
import boto3
s3, glue = boto3.client("s3"), boto3.client("glue")
for bucket in s3.list_buckets()["Buckets"]:
    name = bucket["Name"]
    versioning = s3.get_bucket_versioning(Bucket=name).get("Status", "Off")
    algorithm = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
    print(f"  s3://{name}  versioning={versioning}  encryption={algorithm}")
for table in glue.get_tables(DatabaseName="full_lake")["TableList"]:
    kind = table.get("Parameters", {}).get("table_type") or table.get("Parameters", {}).get("classification")
    print(f"  table full_lake.{table['Name']}  ({kind})")
print("  roles:", ", ".join(r["RoleName"] for r in boto3.client("iam").list_roles()["Roles"]))
print("  stream:", ", ".join(boto3.client("firehose").list_delivery_streams()["DeliveryStreamNames"]))
print("  crawler:", ", ".join(c["Name"] for c in glue.get_crawlers()["Crawlers"]))
print("  workgroups:", ", ".join(w["Name"] for w in boto3.client("athena").list_work_groups()["WorkGroups"]))
print("  VPC endpoints:", len(boto3.client("ec2").describe_vpc_endpoints(Filters=[{"Name": "vpc-endpoint-state", "Values": ["available"]}])["VpcEndpoints"]))
print("  Lake Formation locations:", len(boto3.client("lakeformation").list_resources()["ResourceInfoList"]))
PY

say "Its monthly cost at AWS list prices (deltalake.aws.cost)"
print_messages() {
  python3 -c 'import json, sys
for play in json.load(sys.stdin)["plays"]:
    for task in play["tasks"]:
        if task["task"]["name"] in sys.argv[1:]:
            for result in task["hosts"].values():
                msg = result.get("msg", [])
                print("\n".join(msg) if isinstance(msg, list) else msg)' "$@"
}
ANSIBLE_STDOUT_CALLBACK=ansible.posix.json ansible-playbook deltalake.aws.cost -i "localhost," -e "@$LAKE" \
  | print_messages "Print the scenarios side by side"

say "Its deployment history (deltalake.aws.history)"
ANSIBLE_STDOUT_CALLBACK=ansible.posix.json ansible-playbook deltalake.aws.history -i "localhost," -e "history_lake=full-lake" \
  | print_messages "Show the latest runs"

say "Done; the emulator stops now"
