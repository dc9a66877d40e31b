# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The cost_estimate lookup: options, lake variables read from the play, errors, budget guard, diff and fresh
prices. Expected numbers are written out from AWS's published us-east-1 prices (read 2026-11-26), never taken
from the plugin's output."""

import json

import boto3
import pytest
from botocore.stub import Stubber

from ansible.errors import AnsibleLookupError
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import lookup_loader
from ansible.template import Templar

from ansible_collections.deltalake.aws.plugins.plugin_utils import pricing


@pytest.fixture
def lookup():
    loader = DataLoader()
    return lookup_loader.get("deltalake.aws.cost_estimate", loader=loader, templar=Templar(loader=loader))


def service(estimate, name):
    return next(line for line in estimate["lines"] if line["service"] == name)


# light scenario, default configuration, us-east-1:
LIGHT_DEFAULT_TOTAL = 0.023 * 101 + 100_000 / 1000 * 0.005 + 1_000_000 / 1000 * 0.0004 + 1000 * 50 / 1048576 * 5.00


def test_one_estimate_per_term_in_order(lookup):
    results = lookup.run(["light", "medium", "heavy"], variables={})
    assert isinstance(results, list)
    assert [r["scenario"] for r in results] == ["light", "medium", "heavy"]
    assert results[0]["total_usd"] == pytest.approx(LIGHT_DEFAULT_TOTAL, abs=0.005)


def test_without_terms_the_scenario_option_is_used(lookup):
    assert [r["scenario"] for r in lookup.run([], variables={})] == ["medium"]
    assert [r["scenario"] for r in lookup.run([], variables={}, scenario="light")] == ["light"]


def test_reads_the_lake_variables_of_the_play(lookup):
    variables = {"crawl_enabled": True, "datalake_region": "ap-southeast-1", "unrelated": "x"}
    result = lookup.run(["light"], variables=variables)[0]
    assert result["region"] == "ap-southeast-1"
    # light: 30 crawls x 2 DPU, 2-minute runs billed 10 minutes, $0.44 per DPU-hour (ap-southeast-1)
    assert service(result, "glue_crawler")["monthly_usd"] == pytest.approx(30 * 2 * (600 / 3600) * 0.44, abs=0.005)
    # ap-southeast-1 S3 Standard $0.025 per GB-month for 100 GB + 1 GB of access logs
    assert service(result, "s3_storage")["monthly_usd"] == pytest.approx(101 * 0.025, abs=0.005)


def test_config_option_replaces_the_play_variables(lookup):
    variables = {"crawl_enabled": True}
    result = lookup.run(["light"], variables=variables, config={"query_enabled": False})[0]
    assert service(result, "glue_crawler")["enabled"] is False
    assert service(result, "athena")["enabled"] is False


def test_region_option_wins_over_datalake_region(lookup):
    result = lookup.run(["light"], variables={"datalake_region": "ap-southeast-1"}, region="eu-central-1")[0]
    assert result["region"] == "eu-central-1"
    assert service(result, "s3_storage")["unit_price_usd"] == 0.0245


def test_usage_overrides(lookup):
    result = lookup.run(["light"], variables={}, usage={"s3_standard_gb": 60 * 1024, "s3_access_logs_gb": 0})[0]
    assert service(result, "s3_storage")["monthly_usd"] == pytest.approx(
        0.023 * 50 * 1024 + 0.022 * 10 * 1024, abs=0.005
    )


def test_unknown_usage_key_fails_naming_it(lookup):
    with pytest.raises(AnsibleLookupError, match="unknown usage key 'glue_objects'") as raised:
        lookup.run(["light"], variables={}, usage={"glue_objects": 5})
    assert isinstance(raised.value.__cause__, pricing.PricingError)


def test_unknown_region_fails(lookup):
    with pytest.raises(AnsibleLookupError, match="no price table for region 'af-south-1'"):
        lookup.run(["light"], variables={"datalake_region": "af-south-1"})


def test_unknown_scenario_fails(lookup):
    with pytest.raises(AnsibleLookupError, match="unknown usage scenario 'xl'"):
        lookup.run(["xl"], variables={})


def test_bad_configuration_fails(lookup):
    with pytest.raises(AnsibleLookupError, match="'network_subnet_ids' must be a list"):
        lookup.run(["light"], variables={"network_enabled": True, "network_subnet_ids": "subnet-1"})


def test_none_scenario_counts_only_the_overrides(lookup):
    result = lookup.run(["none"], variables={}, usage={"s3_get_requests": 2_000_000})[0]
    assert result["total_usd"] == pytest.approx(2_000_000 / 1000 * 0.0004, abs=0.005)


def test_budget_guard_fails_with_the_biggest_lines(lookup):
    with pytest.raises(AnsibleLookupError, match="over budget") as raised:
        lookup.run(["medium"], variables={}, budget_usd=50)
    message = str(raised.value)
    assert "exceeds the budget of $50.00" in message
    # medium, default configuration: s3_storage 0.023*5170 + 0.0125*10240 + 0.004*20480, s3_requests 90, athena
    assert "biggest lines: s3_storage $328.83, s3_requests $90.00, athena $47.68" in message
    assert isinstance(raised.value.__cause__, pricing.BudgetExceeded)


def test_budget_guard_passes_under_budget_and_without_budget(lookup):
    assert lookup.run(["light"], variables={}, budget_usd=5)[0]["total_usd"] == pytest.approx(
        LIGHT_DEFAULT_TOTAL, abs=0.005
    )
    assert lookup.run(["light"], variables={}, budget_usd=None)[0]["total_usd"] > 0


def test_diff_against_a_proposed_configuration(lookup):
    result = lookup.run(["medium"], variables={}, proposed={"ingest_enabled": True, "ingest_format_conversion": True})[
        0
    ]
    gb = 100_000_000 * 5120 / 2**30  # medium: 100M records of 2,000 bytes, billed 5 KB each
    rows = {row["service"]: row for row in result["diff"]["lines"]}
    assert rows["firehose"]["sign"] == "+"
    assert rows["firehose"]["delta_usd"] == pytest.approx(gb * (0.029 + 0.018), abs=0.01)
    assert rows["s3_storage"]["sign"] == "="
    assert result["diff"]["delta_usd"] == pytest.approx(gb * (0.029 + 0.018), abs=0.01)
    assert "diff" not in lookup.run(["medium"], variables={})[0]


def test_diff_with_proposed_usage_only(lookup):
    result = lookup.run(["light"], variables={}, proposed_usage={"athena_tb_scanned_per_month": 1})[0]
    athena = next(row for row in result["diff"]["lines"] if row["service"] == "athena")
    # 1 TB x $5 instead of 1,000 queries x 50 MB
    assert athena["proposed_usd"] == pytest.approx(5.00, abs=0.005)
    assert athena["current_usd"] == pytest.approx(1000 * 50 / 1048576 * 5.00, abs=0.005)


def test_result_carries_price_table_date_and_sources(lookup):
    result = lookup.run(["light"], variables={})[0]
    assert result["price_table"]["date"] == "2026-11-26"
    urls = [source["url"] for source in result["price_table"]["sources"]]
    assert "https://aws.amazon.com/jp/athena/pricing/" in urls
    assert result["price_table"]["unconfirmed"] == []


def test_fresh_prices_use_the_price_list_api_and_the_cache(lookup, tmp_path, monkeypatch):
    client = boto3.client("pricing", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    calls = []

    def fake_client(service_name, region_name=None, **kwargs):
        calls.append((service_name, region_name))
        return client

    monkeypatch.setattr(boto3, "client", fake_client)
    athena = json.dumps(
        {"terms": {"OnDemand": {"T": {"priceDimensions": {"D": {"beginRange": "0", "pricePerUnit": {"USD": "6.25"}}}}}}}
    )
    cache = tmp_path / "prices.json"
    with Stubber(client) as stub:
        for key, (service_code, _suffix, _factor) in pricing.FRESH_PRICE_KEYS.items():
            stub.add_response("get_products", {"PriceList": [athena] if key == "athena" else []}, None)
        result = lookup.run(["light"], variables={}, fresh_prices=True, price_cache=str(cache))[0]
        stub.assert_no_pending_responses()
    assert calls == [("pricing", "us-east-1")]
    # light: 1,000 queries x 50 MB at the fetched $6.25 per TB
    assert service(result, "athena")["monthly_usd"] == pytest.approx(1000 * 50 / 1048576 * 6.25, abs=0.005)
    assert result["price_table"]["fresh_prices"] == ["athena"]
    again = lookup.run(["light"], variables={}, fresh_prices=True, price_cache=str(cache))[0]
    assert calls == [("pricing", "us-east-1")]  # served from the cache
    assert service(again, "athena")["unit_price_usd"] == 6.25


def test_fresh_price_api_errors_become_lookup_errors(lookup, tmp_path, monkeypatch):
    client = boto3.client("pricing", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    monkeypatch.setattr(boto3, "client", lambda *args, **kwargs: client)
    with Stubber(client) as stub:
        stub.add_client_error("get_products", "AccessDeniedException", "not allowed")
        with pytest.raises(AnsibleLookupError, match="Price List API failed") as raised:
            lookup.run(["light"], variables={}, fresh_prices=True, price_cache=str(tmp_path / "p.json"))
    assert raised.value.__cause__ is not None


def test_no_network_by_default(lookup, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("the lookup must not create AWS clients unless fresh_prices is true")

    monkeypatch.setattr(boto3, "client", forbidden)
    assert lookup.run(["heavy"], variables={})[0]["total_usd"] > 0
