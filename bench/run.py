#!/usr/bin/env python
# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""make bench: how fast deltalake.aws converges a lake, against the amazon.aws/community.aws baseline.

One run against the local emulator (tests/emulator, moto with the call recorder), every case repeated
``--repeat`` times (3 by default) and reported as medians:

- ``lake``: examples/full.yml with deltalake.aws.site: first deploy, identical re-run, ``--check --diff`` run.
- ``baseline`` / ``comparable``: the part of a lake amazon.aws and community.aws can deploy
  (bench/playbooks/baseline.yml) and the same part with this collection's modules (comparable.yml).
- ``scale``: N Glue tables and N Lake Formation grants, one invocation each (scale_batch.yml) against a loop of
  one task run per item (scale_loop.yml); re-runs. The loop is measured up to ``--loop-max`` items and
  extrapolated linearly beyond (a loop item re-reads the database, so the real loop is slower still).
- ``parallel``: four full lakes in four regions with ``--forks 4`` against one of them alone.

Each case round starts from an empty emulator. The rounds of the cases that are compared with each other
(baseline, comparable and lake; one and four lakes) are interleaved, so a change in the machine's load hits both
sides of a ratio alike; the 1-minute load average is recorded with every run.

Writes bench/results/<UTC time>.json and bench/results/latest.json after every round (a run cut short by
``--time-budget`` keeps the rounds it completed; each group's rounds run back to back, comparable first) and
prints the results table and the targets of issue 9. Exit status 0 whatever the targets say (the table says it), 1 when a playbook failed.
"""

import argparse
import datetime
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PLAYBOOKS = os.path.join(HERE, "playbooks")
sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))

from server import Emulator  # noqa: E402  pylint: disable=wrong-import-position

ACCOUNT = "123456789012"  # the emulator's account
# Four regions the cost estimate has price tables for (the lake role estimates the cost before any change).
PARALLEL_REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1")
# Task actions that run on the controller only; every other action starts a module process.
CONTROLLER_ACTIONS = {
    "add_host", "assert", "debug", "fail", "group_by", "import_role", "import_tasks", "include_role",
    "include_tasks", "include_vars", "meta", "set_fact", "set_stats", "validate_argument_spec",
}


class PlaybookFailed(RuntimeError):
    pass


# ------------------------------------------------------------------------------------------------ measuring


def short_action(action):
    return action.rsplit(".", 1)[-1] if action.startswith(("ansible.builtin.", "ansible.legacy.")) else action


def _skipped_itself(result):
    """A module without check mode support runs (payload built, interpreter started, imports) and returns
    ``skipped`` with this message from ansible-core's AnsibleModule."""
    return "does not support check mode" in str(result.get("msg", ""))


def count_tasks(output):
    """(tasks executed, module runs, distinct modules) of a json-callback output: tasks that ran on a host
    (skipped ones not counted, but a module that started and skipped itself in check mode, as amazon.aws.s3_bucket
    does, ran), module processes started (each loop item of a module task is one; the ``results`` of a module
    that converges several resources in one run, which carry no loop variable, are one), and the distinct modules
    among them: ansible-core builds each module's AnsiballZ payload once per ansible-playbook run (0.2-0.5 s each
    on this machine, ansible.builtin.ping's included), so this counts the payloads built."""
    tasks = module_runs = 0
    modules = set()
    for play in (output or {}).get("plays", []):
        for task in play["tasks"]:
            for result in task["hosts"].values():
                if result.get("skipped") and "results" not in result and not _skipped_itself(result):
                    continue
                tasks += 1
                if short_action(result.get("action", "")) in CONTROLLER_ACTIONS:
                    continue
                items = result.get("results")
                if isinstance(items, list) and (not items or "ansible_loop_var" in items[0]):
                    runs = sum(1 for item in items if isinstance(item, dict)
                               and (not item.get("skipped") or _skipped_itself(item)))
                else:
                    runs = 1
                module_runs += runs
                if runs:
                    modules.add(result.get("action", ""))
    return tasks, module_runs, len(modules)


def operation_counts(calls):
    counts = {}
    for call in calls["calls"]:
        key = f"{call['service']}:{call['operation']}"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


class Bench:
    def __init__(self, emulator, collections, workdir, verbose=False):
        self.emulator = emulator
        self.collections = collections
        self.workdir = workdir
        self.verbose = verbose
        self.cases = {}

    def env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_"))}
        env.update(
            AWS_ENDPOINT_URL=self.emulator.url,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_REGION="us-east-1",
            AWS_DEFAULT_REGION="us-east-1",
            ANSIBLE_COLLECTIONS_PATH=self.collections,
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_RETRY_FILES_ENABLED="0",
            ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
            ANSIBLE_LOCAL_TEMP=os.path.join(self.workdir, "ansible-local"),
        )
        return env

    def playbook(self, case, playbook, *args, ok_rc=(0,)):
        """Run one playbook, count its calls from a cleared recorder, and add the run to ``case``."""
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), playbook, *args]
        self.emulator.clear_calls()
        load = os.getloadavg()[0]
        start = time.perf_counter()
        completed = subprocess.run(command, env=self.env(), capture_output=True, text=True, check=False,
                                   cwd=self.workdir)
        wall = time.perf_counter() - start
        calls = self.emulator.calls()
        output = None
        if completed.stdout.strip().startswith("{"):
            try:
                output = json.loads(completed.stdout[completed.stdout.index("{"):])
            except ValueError:
                output = None
        if completed.returncode not in ok_rc:
            raise PlaybookFailed(f"{case}: {' '.join(command)} exited with {completed.returncode}:\n"
                                 f"{completed.stdout[-4000:]}\n{completed.stderr[-2000:]}")
        tasks, module_runs, modules = count_tasks(output)
        stats = next(iter((output or {}).get("stats", {}).values()), {})
        run = {
            "wall_s": round(wall, 3),
            "tasks": tasks,
            "module_runs": module_runs,
            "modules": modules,
            "changed": stats.get("changed"),
            "calls": calls["total"],
            "reads": calls["read"],
            "mutating": calls["mutating"],
            "mutating_operations": calls["mutating_operations"],
            "operations": operation_counts(calls),
            "load_1min": round(load, 2),
            "rc": completed.returncode,
        }
        self.cases.setdefault(case, []).append(run)
        print(f"  {case:<28} {wall:7.2f} s  tasks {tasks:3}  module runs {module_runs:4} ({modules:2} modules)"
              f"  calls {calls['read']:5} read {calls['mutating']:5} mutating  load {load:.2f}", flush=True)
        return run

    # -------------------------------------------------------------------------------------------- helpers

    def default_network(self, region="us-east-1"):
        """The default VPC and its main route table (read before the measured run, not counted)."""
        ec2 = self.emulator.client("ec2", region)
        vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
        table = ec2.describe_route_tables(Filters=[
            {"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}])["RouteTables"][0]
        return vpc, table["RouteTableId"]

    def write(self, name, data):
        path = os.path.join(self.workdir, name)
        with open(path, "w", encoding="utf-8") as handle:
            if name.endswith(".json"):
                json.dump(data, handle)
            else:
                yaml.safe_dump(data, handle, sort_keys=False)
        return path


# ------------------------------------------------------------------------------------------------ cases


def round_comparable(bench):
    """One round of baseline, comparable and full lake: deploy, identical re-run, check run each."""
    site = "deltalake.aws.site"
    full = "@" + os.path.join(ROOT, "examples", "full.yml")
    for side, playbook in (("baseline", "baseline.yml"), ("comparable", "comparable.yml")):
        bench.emulator.reset()
        vpc, table = bench.default_network()
        args = ["-i", "localhost,", "-e", f"bench_vpc_id={vpc}", "-e", f"bench_route_table_id={table}"]
        path = os.path.join(PLAYBOOKS, playbook)
        bench.playbook(f"{side}.deploy", path, *args)
        bench.playbook(f"{side}.rerun", path, *args)
        bench.playbook(f"{side}.check", path, *args, "--check", "--diff")
    bench.emulator.reset()
    bench.playbook("lake.deploy", site, "-i", "localhost,", "-e", full)
    bench.playbook("lake.rerun", site, "-i", "localhost,", "-e", full)
    bench.playbook("lake.check", site, "-i", "localhost,", "-e", full, "--check", "--diff")


def scale_items(count):
    database = "bench_scale"
    tables = [{
        "name": f"t{i:04d}",
        "format": "parquet",
        "columns": [{"name": "id", "type": "bigint"}, {"name": "payload", "type": "string"},
                    {"name": "dt", "type": "string"}],
        "partition_by": ["dt"],
    } for i in range(count)]
    grants = [{
        "principal": f"arn:aws:iam::{ACCOUNT}:role/bench-analyst",
        "resource": {"database": database, "table": table["name"]},
        "permissions": ["SELECT", "DESCRIBE"],
    } for table in tables]
    return {"bench_database": database, "bench_bucket": "bench-scale-data", "bench_tables": tables,
            "bench_grants": grants}


def round_scale(bench, count, loop):
    """N tables + N grants: deploy in one invocation each, re-run the same, re-run as a loop (when ``loop``)."""
    items = scale_items(count)
    bench.emulator.reset()
    bench.emulator.client("s3").create_bucket(Bucket=items["bench_bucket"])
    bench.emulator.client("glue").create_database(DatabaseInput={"Name": items["bench_database"]})
    variables = "@" + bench.write(f"scale-{count}.json", items)
    batch = os.path.join(PLAYBOOKS, "scale_batch.yml")
    bench.playbook(f"scale.batch.{count}.deploy", batch, "-i", "localhost,", "-e", variables)
    bench.playbook(f"scale.batch.{count}.rerun", batch, "-i", "localhost,", "-e", variables)
    if loop:
        bench.playbook(f"scale.loop.{count}.rerun", os.path.join(PLAYBOOKS, "scale_loop.yml"), "-i", "localhost,",
                       "-e", variables)


def lake_for(name, region):
    """examples/full.yml renamed to lake ``name`` in ``region`` (names in grants and assignments follow)."""
    with open(os.path.join(ROOT, "examples", "full.yml"), encoding="utf-8") as handle:
        text = handle.read()
    text = text.replace("full-lake", name).replace("full_lake", name.replace("-", "_"))
    lake = yaml.safe_load(text)
    lake["datalake_region"] = region
    return lake


def round_parallel(bench):
    """One lake alone, then four lakes in four regions with --forks 4: deploy and identical re-run each."""
    hosts = {f"lake{i + 1}": lake_for(f"bench-{region}", region) for i, region in enumerate(PARALLEL_REGIONS)}
    inventory = bench.write("lakes.yml", {"lakes": {
        "vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"},
        "hosts": hosts}})
    args = ["-i", inventory, "-e", "datalake_hosts=lakes", "--forks", "4"]
    for case, limit in (("parallel.one", ["--limit", "lake1"]), ("parallel.four", [])):
        bench.emulator.reset()
        bench.playbook(f"{case}.deploy", "deltalake.aws.site", *args, *limit)
        bench.playbook(f"{case}.rerun", "deltalake.aws.site", *args, *limit)


# ------------------------------------------------------------------------------------------------ read budget


def _role_defaults(role):
    with open(os.path.join(ROOT, "roles", role, "defaults", "main.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def lake_read_budget(lake):
    """The most read calls per operation an identical re-run or check run of ``lake`` (examples/full.yml) may make:
    one read per managed setting group of each resource, plus the one read of the account the plan needs.

    Returns {"service:Operation": (allowed, what)}. Derived from the lake's configuration, not from a run."""
    network = dict(_role_defaults("network"), **{k: v for k, v in lake.items() if k.startswith("network_")})
    governance = {k: v for k, v in lake.items() if k.startswith("governance_")}
    tables = lake.get("catalog_tables", [])
    iceberg = sum(1 for t in tables if t.get("format") == "iceberg")
    delta = sum(1 for t in tables if t.get("format") == "delta")
    roles = 2 + bool(lake.get("iam_processing_role_enabled")) + bool(lake.get("governance_enabled"))
    endpoints = len(network["network_gateway_services"]) + len(network["network_interface_services"])
    buckets = 2
    budget = {}

    def allow(operation, count, what):
        if count:
            budget[operation] = (count, what)

    allow("sts:GetCallerIdentity", 1, "the lake's account (preflight)")
    allow("iam:ListAccountAliases", 1, "the lake's account alias (preflight, aws_caller_info)")
    if lake.get("network_enabled") and network.get("network_vpc_id") == "default":
        allow("ec2:DescribeSubnets", 1, "the default subnets (they name the default VPC)")
        allow("ec2:DescribeRouteTables", 1, "its main route table")
    if lake.get("network_enabled"):
        allow("ec2:DescribeVpcEndpoints", endpoints, f"{endpoints} endpoints")
        if network["network_interface_services"] and network.get("network_private_dns_enabled", True):
            allow("ec2:DescribeVpcAttribute", 2, "the VPC's DNS support and DNS hostnames (private DNS)")
    if lake.get("encryption_enabled"):
        for operation in ("DescribeKey", "GetKeyRotationStatus", "GetKeyPolicy", "ListResourceTags"):
            allow(f"kms:{operation}", 1, "lake key")
    for operation in ("HeadBucket", "GetBucketVersioning", "GetPublicAccessBlock", "GetBucketOwnershipControls",
                      "GetBucketEncryption", "GetBucketLifecycleConfiguration", "GetBucketTagging"):
        allow(f"s3:{operation}", buckets, f"{buckets} buckets")
    # The data bucket's access-logging group is its logging configuration plus the log bucket's grant statement.
    allow("s3:GetBucketPolicy", buckets + 1, f"{buckets} buckets + the log bucket's grant (data bucket's logging)")
    allow("s3:GetBucketLogging", 1, "data bucket")
    # Folder markers of the data bucket; a Delta table's state is its log (a listing and its commits).
    allow("s3:ListObjectsV2", 1 + 2 * delta, "data bucket's markers + 2 per Delta table log")
    allow("s3:GetObject", iceberg + 3 * delta, "Iceberg metadata file, Delta log commits")
    allow("glue:GetDatabase", 1, "lake database")
    allow("glue:GetTables", 1 if tables else 0, "every table, one paginated read")
    crawler = bool(lake.get("crawl_enabled"))
    allow("glue:GetCrawler", int(crawler), "crawler")
    allow("glue:GetTags", 1 + crawler, "database and crawler tags")
    for operation in ("GetRole", "ListRolePolicies", "GetRolePolicy", "ListAttachedRolePolicies"):
        allow(f"iam:{operation}", roles, f"{roles} roles")
    if lake.get("ingest_enabled"):
        allow("firehose:DescribeDeliveryStream", 1, "delivery stream")
        allow("firehose:ListTagsForDeliveryStream", 1, "its tags")
    if lake.get("query_enabled", True):
        allow("athena:GetWorkGroup", 1, "workgroup")
        allow("athena:ListTagsForResource", 1, "its tags")
    if lake.get("governance_enabled"):
        locations = len(governance.get("governance_locations", _role_defaults("governance")["governance_locations"]))
        tags = governance.get("governance_lf_tags", [])
        assignments = sum(len(t.get("assignments", [])) for t in tags)
        resources = {json.dumps(p["resource"], sort_keys=True) for p in governance.get("governance_permissions", [])}
        allow("lakeformation:GetDataLakeSettings", 1, "data lake settings")
        allow("lakeformation:DescribeResource", locations, f"{locations} registered locations")
        allow("lakeformation:GetLFTag", len(tags), f"{len(tags)} LF-tags")
        allow("lakeformation:GetResourceLFTags", assignments, f"{assignments} LF-tag assignments")
        allow("lakeformation:ListPermissions", len(resources), f"grants of {len(resources)} resources")
    return budget


def check_reads(operations, budget):
    """Operations read more often than the budget allows: [(operation, made, allowed)]."""
    over = []
    for operation, made in sorted(operations.items()):
        allowed = budget.get(operation, (0, ""))[0]
        if made > allowed:
            over.append((operation, made, allowed))
    return over


# ------------------------------------------------------------------------------------------------ summary


def median_run(runs):
    middle = {"n": len(runs)}
    for key in ("wall_s", "tasks", "module_runs", "modules", "calls", "reads", "mutating", "load_1min"):
        values = [r[key] for r in runs if r.get(key) is not None]
        if values:
            middle[key] = round(statistics.median(values), 3)
    walls = [r["wall_s"] for r in runs]
    middle["wall_min_s"], middle["wall_max_s"] = min(walls), max(walls)
    middle["max_mutating"] = max(r["mutating"] for r in runs)
    return middle


def loop_estimate(medians, count, measured):
    """Wall time of the loop case at ``count`` items, extrapolated linearly from the two largest measured sizes."""
    points = sorted(n for n in measured if f"scale.loop.{n}.rerun" in medians)
    if count in points:
        return medians[f"scale.loop.{count}.rerun"]["wall_s"], False, None
    if len(points) < 2:
        return None, True, None
    small, large = points[-2], points[-1]
    t_small = medians[f"scale.loop.{small}.rerun"]["wall_s"]
    t_large = medians[f"scale.loop.{large}.rerun"]["wall_s"]
    per_item = (t_large - t_small) / (large - small)
    fixed = t_large - per_item * large
    basis = {"per_item_s": round(per_item, 3), "fixed_s": round(fixed, 2), "from": [small, large]}
    return round(fixed + per_item * count, 1), True, basis


def targets(medians, runs, lake_budget, sizes, loop_sizes):
    """The targets of issue 9, each {target, measured, limit, met}."""
    results = []

    def ratio(a, b):
        return round(medians[a]["wall_s"] / medians[b]["wall_s"], 3) if a in medians and b in medians else None

    def add(name, value, limit, met, detail=""):
        results.append({"target": name, "measured": value, "limit": limit, "met": bool(met), "detail": detail})

    def per_round(a, b):
        """The ratio of each round's two runs (a round runs both within a few minutes), for the reader: the
        target is judged on the ratio of the medians."""
        pairs = list(zip(runs.get(a, []), runs.get(b, [])))
        if len(pairs) < 2:
            return ""
        return "per round " + ", ".join(f"{x['wall_s'] / y['wall_s']:.3f}" for x, y in pairs)

    for kind in ("rerun", "check"):
        case = f"lake.{kind}"
        if case not in medians:
            continue
        mutating = max(r["mutating"] for r in runs[case])
        add(f"full lake {kind}: mutating calls", mutating, "0", mutating == 0)
        over = [o for r in runs[case] for o in check_reads(r["operations"], lake_budget)]
        worst = {}
        for operation, made, allowed in over:
            worst[operation] = max(worst.get(operation, (0, 0)), (made, allowed))
        add(f"full lake {kind}: reads per setting group", f"{len(worst)} over" if worst else "all within",
            "1 per group", not worst,
            "; ".join(f"{op} {made} > {allowed}" for op, (made, allowed) in sorted(worst.items())))
    for kind in ("rerun", "check"):
        value = ratio(f"comparable.{kind}", f"baseline.{kind}")
        if value is not None:
            add(f"comparable part {kind} / amazon.aws baseline", value, "<= 0.4", value <= 0.4,
                per_round(f"comparable.{kind}", f"baseline.{kind}"))
    value = ratio("lake.rerun", "baseline.rerun")
    if value is not None:
        add("full lake rerun / baseline comparable rerun", value, "<= 1.0", value <= 1.0,
            per_round("lake.rerun", "baseline.rerun"))
    largest, smallest = max(sizes, default=None), min(sizes, default=None)
    if largest and smallest and largest != smallest:
        value = ratio(f"scale.batch.{largest}.rerun", f"scale.batch.{smallest}.rerun")
        if value is not None:
            add(f"{largest} tables + grants rerun / {smallest} + {smallest}", value, "<= 3", value <= 3)
        loop, extrapolated, fit = loop_estimate(medians, largest, loop_sizes)
        batch = medians.get(f"scale.batch.{largest}.rerun")
        if loop is not None and batch:
            value = round(loop / batch["wall_s"], 1)
            detail = (f"loop {loop} s extrapolated ({fit['per_item_s']} s per item + {fit['fixed_s']} s, fitted on "
                      f"{fit['from'][0]} and {fit['from'][1]} items)" if extrapolated else f"loop {loop} s measured")
            add(f"{largest} items: loop / one invocation", value, ">= 50", value >= 50, detail)
    for kind in ("deploy", "rerun"):
        value = ratio(f"parallel.four.{kind}", f"parallel.one.{kind}")
        if value is not None:
            add(f"four lakes --forks 4 / one lake ({kind})", value, "<= 2", value <= 2)
    return results


def machine():
    info = {"hostname": platform.node(), "kernel": platform.release(), "python": platform.python_version(),
            "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            models = re.findall(r"^model name\s*:\s*(.+)$", handle.read(), re.M)
        info["cpu"] = models[0] if models else platform.processor()
        with open("/proc/meminfo", encoding="utf-8") as handle:
            info["memory_gib"] = round(int(re.search(r"MemTotal:\s+(\d+)", handle.read()).group(1)) / 2**20, 1)
    except OSError:
        pass
    versions = {}
    for name in ("ansible-core", "ansible", "boto3", "botocore", "moto"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    info["versions"] = versions
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            check=False).stdout.strip()
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                           text=True, check=False).stdout.strip()
    info["commit"] = commit + ("+local changes" if dirty else "")
    return info


def table(medians, target_results, info):
    lines = [f"Machine: {info.get('cpu')}, {info.get('cpus')} CPUs, {info.get('memory_gib')} GiB, Python "
             f"{info['python']}, ansible-core {info['versions'].get('ansible-core')}, boto3 "
             f"{info['versions'].get('boto3')}, moto {info['versions'].get('moto')}; commit {info.get('commit')}", ""]
    lines.append("| case | wall s (median) | min-max | tasks | module runs | modules | reads | mutating | load |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for case, m in medians.items():
        lines.append(f"| {case} | {m['wall_s']:.2f} | {m['wall_min_s']:.1f}-{m['wall_max_s']:.1f} | {m['tasks']:g} | "
                     f"{m['module_runs']:g} | {m['modules']:g} | {m['reads']:g} | {m['mutating']:g} | "
                     f"{m['load_1min']:.2f} |")
    lines += ["", "| target | measured | limit | met |", "|---|---:|---:|---|"]
    for t in target_results:
        detail = f" ({t['detail']})" if t["detail"] else ""
        lines.append(f"| {t['target']}{detail} | {t['measured']} | {t['limit']} | {'yes' if t['met'] else 'NO'} |")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ main


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="rounds per case (medians over them)")
    parser.add_argument("--cases", default="comparable,scale,parallel",
                        help="comma-separated: comparable (baseline, comparable and lake), scale, parallel")
    parser.add_argument("--sizes", default="10,100,1000", help="item counts of the scale cases")
    parser.add_argument("--loop-max", type=int, default=100, help="largest count run as a loop (beyond: extrapolated)")
    parser.add_argument("--collections", default=os.environ.get("DELTALAKE_COLLECTIONS_PATH",
                                                                os.path.join(ROOT, "build", "collections")),
                        help="where deltalake.aws is installed (make collection)")
    parser.add_argument("--results", default=os.path.join(HERE, "results"), help="directory of the JSON results")
    parser.add_argument("--time-budget", type=float, default=0,
                        help="minutes; no round starts that the previous one says would end later (0: no limit)")
    return parser.parse_args(argv)


def save(args, bench, info, started, cases, sizes, loop_sizes, failed, skipped, load_start):
    """Write the results of the rounds run so far (after every round, so a run cut short keeps what it measured)."""
    medians = {case: median_run(runs) for case, runs in bench.cases.items()}
    with open(os.path.join(ROOT, "examples", "full.yml"), encoding="utf-8") as handle:
        budget = lake_read_budget(yaml.safe_load(handle))
    target_results = targets(medians, bench.cases, budget, sizes if "scale" in cases else [], loop_sizes)
    result = {
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": info,
        "load_average": {"start": [round(x, 2) for x in load_start],
                         "end": [round(x, 2) for x in os.getloadavg()]},
        "settings": {"repeat": args.repeat, "cases": sorted(cases), "sizes": sizes, "loop_max": args.loop_max,
                     "time_budget_min": args.time_budget},
        "failed": failed,
        "rounds_skipped": skipped,
        "medians": medians,
        "targets": target_results,
        "lake_read_budget": {op: {"allowed": n, "what": what} for op, (n, what) in sorted(budget.items())},
        "runs": bench.cases,
    }
    os.makedirs(args.results, exist_ok=True)
    name = started.strftime("%Y%m%dT%H%M%SZ") + ".json"
    for path in (os.path.join(args.results, name), os.path.join(args.results, "latest.json")):
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(result, handle, indent=1, sort_keys=False)
            handle.write("\n")
    return medians, target_results, os.path.join(args.results, name)


def _stop(signum, _frame):
    raise SystemExit(f"bench: stopped by signal {signum}")  # so that the emulator is stopped (finally below)


def main(argv=None):
    signal.signal(signal.SIGTERM, _stop)
    args = parse_args(argv)
    cases = {c.strip() for c in args.cases.split(",") if c.strip()}
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    loop_sizes = [n for n in sizes if n <= args.loop_max]
    if not os.path.isdir(os.path.join(args.collections, "ansible_collections", "deltalake", "aws")):
        sys.exit(f"deltalake.aws is not installed in {args.collections}: run make collection")
    info = machine()
    started = datetime.datetime.now(datetime.timezone.utc)
    load_start = os.getloadavg()
    deadline = time.monotonic() + args.time_budget * 60 if args.time_budget else None
    print(f"bench: {', '.join(sorted(cases))}; {args.repeat} rounds; load average {load_start}", flush=True)

    def scale_round(bench):
        for count in sizes:
            round_scale(bench, count, count in loop_sizes)

    # Each group's rounds run back to back (the sides of its ratios interleaved within every round), the groups in
    # the order of the targets, so a run cut short by --time-budget has complete groups first.
    groups = [(name, run) for name, run in (("comparable", round_comparable), ("scale", scale_round),
                                            ("parallel", round_parallel)) if name in cases]
    skipped = {}
    failed = None
    with tempfile.TemporaryDirectory(prefix="deltalake-bench-") as workdir:
        emulator = Emulator.start(os.path.join(workdir, "emulator.json"), os.path.join(workdir, "emulator.log"))
        bench = Bench(emulator, args.collections, workdir)
        try:
            for name, run_round in groups:
                last = 0.0
                for number in range(1, args.repeat + 1):
                    if deadline is not None and time.monotonic() + last > deadline:
                        skipped[name] = args.repeat - number + 1
                        print(f"{name}: {skipped[name]} rounds skipped (--time-budget {args.time_budget} min)",
                              flush=True)
                        break
                    print(f"{name} round {number}/{args.repeat}", flush=True)
                    began = time.monotonic()
                    run_round(bench)
                    last = time.monotonic() - began
                    save(args, bench, info, started, cases, sizes, loop_sizes, failed, skipped, load_start)
        except PlaybookFailed as e:
            failed = str(e)
            print(failed, file=sys.stderr)
        finally:
            emulator.stop()
    medians, target_results, path = save(args, bench, info, started, cases, sizes, loop_sizes, failed, skipped,
                                         load_start)
    print()
    print(table(medians, target_results, info))
    print(f"\nload average at the start {tuple(round(x, 2) for x in load_start)}, at the end "
          f"{tuple(round(x, 2) for x in os.getloadavg())}")
    print(f"results: {os.path.relpath(path, ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
