# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Playbook tests of the cost estimate: the lookup in a real ansible-playbook run, the deltalake.aws.cost table
playbook, and the budget guard stopping a run before any AWS call.

Expected numbers are written out from AWS's published us-east-1 prices (read 2026-11-26): S3 Standard $0.023 /
$0.022 per GB-month (first 50 TB / next 450 TB), Standard-IA $0.0125, Glacier IR $0.004, PUT $0.005 and GET
$0.0004 per 1,000, transitions $0.01 (IA) and $0.02 (Glacier IR) per 1,000, Glue Catalog $1 per 100,000 objects
and $1 per million requests above the free million, crawler $0.44 per DPU-hour, Athena $5 per TB, interface
endpoints $0.01 per AZ-hour and $0.01 per GB.
"""

import json
import os
import re

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAY_HEADER = {
    "hosts": "localhost",
    "connection": "local",
    "gather_facts": False,
    "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
}

# The usage of the light, medium and heavy scenarios (docs/cost-estimation.md), priced by hand.
LIGHT = 0.023 * 101 + 100_000 / 1000 * 0.005 + 1_000_000 / 1000 * 0.0004 + 1000 * 50 / 1048576 * 5.00
MEDIUM = (
    0.023 * (5120 + 50)
    + 0.0125 * 10240
    + 0.004 * 20480
    + 10_000_000 / 1000 * 0.005
    + 100_000_000 / 1000 * 0.0004
    + 1_000_000 / 1000 * 0.01
    + 500_000 / 1000 * 0.02
    + (2_000_000 - 1_000_000) / 1_000_000 * 1.00
    + 20_000 * 500 / 1048576 * 5.00
)
HEAVY = (
    0.023 * 50 * 1024
    + 0.022 * (200 * 1024 + 1024 - 50 * 1024)
    + 0.0125 * 500 * 1024
    + 0.004 * 1024 * 1024
    + 500_000_000 / 1000 * 0.005
    + 5_000_000_000 / 1000 * 0.0004
    + 50_000_000 / 1000 * 0.01
    + 20_000_000 / 1000 * 0.02
    + (5_000_000 - 1_000_000) / 100_000 * 1.00
    + (50_000_000 - 1_000_000) / 1_000_000 * 1.00
    + 500_000 * 2048 / 1048576 * 5.00
)


def usd(value):
    return f"${value:,.2f}"


def write_yaml(path, data):
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return str(path)


def test_lookup_reads_the_lake_vars_file(run_playbook, tmp_path):
    lake = write_yaml(
        tmp_path / "lake.yml",
        {
            "datalake_name": "sales",
            "crawl_enabled": True,
            "network_enabled": True,
            "lake_subnets": ["subnet-a", "subnet-b"],
            "network_subnet_ids": "{{ lake_subnets }}",  # templated like any play variable
            "network_interface_services": ["glue", "athena"],
        },
    )
    playbook = write_yaml(
        tmp_path / "estimate.yml",
        [
            {
                **PLAY_HEADER,
                "name": "Estimate",
                "tasks": [
                    {
                        "name": "Estimate the light scenario",
                        "ansible.builtin.set_fact": {
                            "estimate": "{{ lookup('deltalake.aws.cost_estimate', 'light') }}"
                        },
                    }
                ],
            }
        ],
    )
    run = run_playbook(playbook, "-e", f"@{lake}")
    assert run.rc == 0, run.stdout + run.stderr
    estimate = run.tasks()["Estimate the light scenario"]["ansible_facts"]["estimate"]
    lines = {line["service"]: line for line in estimate["lines"]}
    crawler = 30 * 2 * (600 / 3600) * 0.44  # 2-minute crawls billed 10 minutes
    endpoints = 2 * 2 * 730 * 0.01 + 5 * 0.01  # 2 interface endpoints x 2 AZs x 730 h, 5 GB processed
    assert lines["glue_crawler"]["monthly_usd"] == round(crawler, 2)
    assert lines["vpc_endpoints"]["monthly_usd"] == round(endpoints, 2)
    assert "2 interface endpoints (glue, athena) x 2 AZs x 730 h" in lines["vpc_endpoints"]["arithmetic"]
    assert abs(estimate["total_usd"] - (LIGHT + crawler + endpoints)) < 0.01
    assert estimate["price_table"]["date"] == "2026-11-26"


def test_lookup_error_fails_the_task_with_a_clear_message(run_playbook, tmp_path):
    playbook = write_yaml(
        tmp_path / "bad.yml",
        [
            {
                **PLAY_HEADER,
                "name": "Bad usage key",
                "tasks": [
                    {
                        "name": "Estimate with a typo",
                        "ansible.builtin.debug": {
                            "msg": "{{ lookup('deltalake.aws.cost_estimate', 'light', usage={'s3_gb': 1}) }}"
                        },
                    }
                ],
            }
        ],
    )
    run = run_playbook(playbook)
    assert run.rc != 0
    assert "unknown usage key 's3_gb'" in run.tasks()["Estimate with a typo"]["msg"]


def table_rows(run):
    return run.tasks()["Print the scenarios side by side"]["msg"]


def test_cost_playbook_prints_the_three_scenarios_side_by_side(run_playbook, tmp_path):
    lake = write_yaml(tmp_path / "lake.yml", {"datalake_name": "sales"})
    run = run_playbook("deltalake.aws.cost", "-e", f"@{lake}")
    assert run.rc == 0, run.stdout + run.stderr
    rows = table_rows(run)
    assert rows[0].split() == ["service", "light", "medium", "heavy"]
    total = next(row for row in rows if row.startswith("total per month"))
    assert total.split()[3:] == [usd(LIGHT), usd(MEDIUM), usd(HEAVY)]
    crawler = next(row for row in rows if row.startswith("glue_crawler"))
    assert crawler.split()[1:] == ["off", "off", "off"]
    assert "Print the prices not confirmed for the region" not in run.tasks() or run.tasks()[
        "Print the prices not confirmed for the region"
    ].get("skipped")


def test_cost_playbook_takes_usage_overrides_and_lists_unconfirmed_prices(run_playbook, tmp_path):
    lake = write_yaml(tmp_path / "lake.yml", {"datalake_name": "sales", "datalake_region": "eu-central-1"})
    extra = {"cost_scenarios": ["light"], "cost_usage": {"s3_standard_gb": 1000, "s3_access_logs_gb": 0}}
    run = run_playbook("deltalake.aws.cost", "-e", f"@{lake}", extra_vars=extra)
    assert run.rc == 0, run.stdout + run.stderr
    rows = table_rows(run)
    storage = next(row for row in rows if row.startswith("s3_storage"))
    assert storage.split()[1] == usd(1000 * 0.0245)  # eu-central-1 S3 Standard, first tier
    unconfirmed = run.tasks()["Print the prices not confirmed for the region"]["msg"]
    assert any(entry.startswith("athena $5.00") and "assumed" in entry for entry in unconfirmed)


def guard_task():
    """The budget guard task exactly as docs/cost-estimation.md tells the datalake role to run it."""
    with open(os.path.join(ROOT, "docs", "cost-estimation.md"), encoding="utf-8") as handle:
        text = handle.read()
    block = re.search(r"<!-- budget-guard-task -->\s*```yaml\n(.*?)```", text, re.S).group(1)
    return yaml.safe_load(block)


def guarded_playbook(tmp_path):
    return write_yaml(
        tmp_path / "deploy.yml",
        [
            {
                **PLAY_HEADER,
                "name": "Deploy a lake behind the budget guard",
                "module_defaults": {
                    "group/deltalake.aws.aws": {
                        "endpoint_url": "{{ lookup('env', 'AWS_ENDPOINT_URL') }}",
                        "region": "us-east-1",
                        "access_key": "testing",
                        "secret_key": "testing",
                    }
                },
                "tasks": guard_task()
                + [
                    {
                        "name": "Create the data bucket",
                        "deltalake.aws.s3_bucket": {"name": "{{ datalake_name }}-data"},
                    }
                ],
            }
        ],
    )


def test_budget_guard_stops_the_run_before_any_aws_call(run_playbook, aws, tmp_path):
    playbook = guarded_playbook(tmp_path)
    aws.clear_calls()
    run = run_playbook(playbook, extra_vars={"datalake_name": "sales", "datalake_monthly_budget_usd": 100})
    assert run.rc != 0
    tasks = run.tasks()
    assert "Create the data bucket" not in tasks
    guard = tasks[guard_task()[0]["name"]]
    assert guard["failed"] is True
    # medium scenario, default configuration: the total and its three biggest lines, priced by hand
    storage = 0.023 * 5170 + 0.0125 * 10240 + 0.004 * 20480
    athena = 20_000 * 500 / 1048576 * 5.00
    assert f"estimated monthly cost {usd(MEDIUM)}" in guard["msg"]
    assert "exceeds the budget of $100.00" in guard["msg"]
    assert f"biggest lines: s3_storage {usd(storage)}, s3_requests $90.00, athena {usd(athena)}" in guard["msg"]
    assert aws.calls()["total"] == 0


def test_budget_guard_lets_a_run_within_budget_deploy(run_playbook, aws, tmp_path):
    playbook = guarded_playbook(tmp_path)
    aws.clear_calls()
    run = run_playbook(playbook, extra_vars={"datalake_name": "sales", "datalake_monthly_budget_usd": 1000})
    assert run.rc == 0, run.stdout + run.stderr
    tasks = run.tasks()
    assert tasks["Create the data bucket"]["changed"] is True
    estimate = tasks[guard_task()[0]["name"]]["ansible_facts"]["datalake_cost_estimate"]
    assert abs(estimate["total_usd"] - MEDIUM) < 0.01
    assert "s3:CreateBucket" in aws.calls()["mutating_operations"]


def test_without_a_budget_the_estimate_is_kept_and_nothing_is_enforced(run_playbook, aws, tmp_path):
    playbook = guarded_playbook(tmp_path)
    run = run_playbook(playbook, extra_vars={"datalake_name": "sales", "datalake_cost_scenario": "heavy"})
    assert run.rc == 0, run.stdout + run.stderr
    estimate = run.tasks()[guard_task()[0]["name"]]["ansible_facts"]["datalake_cost_estimate"]
    assert abs(estimate["total_usd"] - HEAVY) < 0.01
    assert json.dumps(estimate)  # plain data, storable with the deployment history
