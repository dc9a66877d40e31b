# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The pricing engine, rule by rule, on hand-computed cases.

Every expected number is written out from AWS's published prices (the numbers in the comments, read on
2026-11-26, sources in plugins/plugin_utils/pricing.py SOURCES), never taken from the engine's own tables or
output. us-east-1 unless a test says otherwise.
"""

import json
import math

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.deltalake.aws.plugins.plugin_utils import pricing

# Published us-east-1 prices, written out once more here on purpose (not imported from the engine).
S3_STANDARD = (0.023, 0.022, 0.021)  # per GB-month: first 50 TB, next 450 TB, over 500 TB
S3_STANDARD_IA = 0.0125  # per GB-month
S3_GLACIER_IR = 0.004  # per GB-month
S3_PUT = 0.005  # per 1,000
S3_GET = 0.0004  # per 1,000
S3_TRANSITION_IA = 0.01  # per 1,000
S3_TRANSITION_GIR = 0.02  # per 1,000
GLUE_OBJECTS = 1.00  # per 100,000 objects above the free million
GLUE_REQUESTS = 1.00  # per million requests above the free million
CRAWLER_DPU_HOUR = 0.44
ATHENA_TB = 5.00
FIREHOSE = (0.029, 0.025, 0.020)  # per GB: first 500 TB, next 1.5 PB, beyond
FIREHOSE_CONVERSION = 0.018  # per GB
KMS_KEY = 1.00  # per key-month
KMS_REQUESTS = 0.03  # per 10,000 above the free 20,000
VPCE_HOUR = 0.01  # per endpoint per AZ-hour
VPCE_DATA = (0.01, 0.006, 0.004)  # per GB: first 1 PB, next 4 PB, beyond


def zero_usage(**overrides):
    return pricing.resolve_usage("none", overrides)


def line(result, service):
    return next(item for item in result["lines"] if item["service"] == service)


def cost(service, usage=None, region="us-east-1", **config):
    result = pricing.estimate(config, usage if usage is not None else zero_usage(), region=region)
    return line(result, service)


# ------------------------------------------------------------------ S3 Standard tiers on the lake's total


def test_s3_standard_first_tier_only():
    result = cost("s3_storage", zero_usage(s3_standard_gb=1000), storage_access_logging=False)
    assert result["monthly_usd"] == pytest.approx(0.023 * 1000, abs=0.005)
    assert result["quantity"] == 1000 and result["unit"] == "GB-month" and result["unit_price_usd"] == 0.023


def test_s3_standard_tiers_apply_to_the_lake_total_including_access_logs():
    # 50 TB of data + 10 TB of access logs = 60 TB: the logs push the lake into the second tier.
    usage = zero_usage(s3_standard_gb=50 * 1024, s3_access_logs_gb=10 * 1024)
    result = cost("s3_storage", usage)
    expected = 0.023 * 50 * 1024 + 0.022 * 10 * 1024
    assert result["monthly_usd"] == pytest.approx(expected, abs=0.005)
    assert [c["item"] for c in result["components"]] == ["S3 Standard, first 50 TB", "S3 Standard, next 450 TB"]


def test_s3_standard_third_tier_over_500_tb():
    usage = zero_usage(s3_standard_gb=600 * 1024)
    result = cost("s3_storage", usage, storage_access_logging=False)
    expected = 0.023 * 50 * 1024 + 0.022 * 450 * 1024 + 0.021 * 100 * 1024
    assert result["monthly_usd"] == pytest.approx(expected, abs=0.005)


def test_access_log_storage_counted_delivery_free_and_nothing_when_logging_is_off():
    usage = zero_usage(s3_standard_gb=200, s3_access_logs_gb=100)
    on = cost("s3_storage", usage, storage_access_logging=True)
    off = cost("s3_storage", usage, storage_access_logging=False)
    assert on["monthly_usd"] == pytest.approx(0.023 * 300, abs=0.005)
    assert off["monthly_usd"] == pytest.approx(0.023 * 200, abs=0.005)
    assert any("access-log delivery is free" in note for note in on["notes"])


def test_standard_ia_and_glacier_ir_storage():
    usage = zero_usage(s3_standard_gb=100, s3_standard_ia_gb=1000, s3_glacier_ir_gb=4000)
    result = cost("s3_storage", usage, storage_access_logging=False)
    expected = 0.023 * 100 + 0.0125 * 1000 + 0.004 * 4000
    assert result["monthly_usd"] == pytest.approx(expected, abs=0.005)


def test_lifecycle_preset_none_keeps_everything_in_standard_and_bills_no_transitions():
    usage = zero_usage(s3_standard_gb=40 * 1024, s3_standard_ia_gb=20 * 1024, s3_lifecycle_transitions_ia=5000)
    storage = cost("s3_storage", usage, storage_access_logging=False, storage_lifecycle_preset="none")
    lifecycle = cost("s3_lifecycle", usage, storage_lifecycle_preset="none")
    assert storage["monthly_usd"] == pytest.approx(0.023 * 50 * 1024 + 0.022 * 10 * 1024, abs=0.005)
    assert lifecycle["monthly_usd"] == 0 and lifecycle["enabled"] is False


def test_s3_requests_per_thousand():
    result = cost("s3_requests", zero_usage(s3_put_requests=2_500_000, s3_get_requests=40_000_000))
    assert result["monthly_usd"] == pytest.approx(2_500_000 / 1000 * 0.005 + 40_000_000 / 1000 * 0.0004, abs=0.005)


def test_s3_lifecycle_transitions_per_thousand():
    usage = zero_usage(s3_lifecycle_transitions_ia=300_000, s3_lifecycle_transitions_glacier_ir=120_000)
    result = cost("s3_lifecycle", usage)
    assert result["monthly_usd"] == pytest.approx(300_000 / 1000 * 0.01 + 120_000 / 1000 * 0.02, abs=0.005)


# ------------------------------------------------------------------ Glue Data Catalog free million


@pytest.mark.parametrize(
    "objects, expected",
    [
        (999_999, 0.0),
        (1_000_000, 0.0),
        (1_500_000, (1_500_000 - 1_000_000) / 100_000 * 1.00),
        (12_345_678, (12_345_678 - 1_000_000) / 100_000 * 1.00),
    ],
)
def test_glue_catalog_storage_first_million_objects_free(objects, expected):
    result = cost("glue_catalog_storage", zero_usage(glue_catalog_objects=objects))
    assert result["monthly_usd"] == pytest.approx(expected, abs=0.005)


@pytest.mark.parametrize(
    "requests, expected", [(800_000, 0.0), (3_000_000, (3_000_000 - 1_000_000) / 1_000_000 * 1.00)]
)
def test_glue_catalog_requests_first_million_free(requests, expected):
    result = cost("glue_catalog_requests", zero_usage(glue_catalog_requests=requests))
    assert result["monthly_usd"] == pytest.approx(expected, abs=0.005)


# ------------------------------------------------------------------ crawler: DPU-hour, per second, 10-minute minimum


def test_crawler_short_runs_billed_ten_minutes():
    usage = zero_usage(crawler_runs_per_month=30, crawler_minutes_per_run=3, crawler_dpus=2)
    result = cost("glue_crawler", usage, crawl_enabled=True)
    assert result["monthly_usd"] == pytest.approx(30 * 2 * (10 / 60) * 0.44, abs=0.005)  # 10-minute minimum


def test_crawler_long_runs_billed_per_second():
    usage = zero_usage(crawler_runs_per_month=30, crawler_minutes_per_run=12.5, crawler_dpus=2)
    result = cost("glue_crawler", usage, crawl_enabled=True)
    assert result["monthly_usd"] == pytest.approx(30 * 2 * (750 / 3600) * 0.44, abs=0.005)


def test_crawler_partial_seconds_round_up():
    # 10.001 minutes = 600.06 s -> 601 s billed per crawl.
    usage = zero_usage(crawler_runs_per_month=1000, crawler_minutes_per_run=10.001, crawler_dpus=10)
    result = cost("glue_crawler", usage, crawl_enabled=True)
    assert result["quantity"] == pytest.approx(1000 * 10 * 601 / 3600)
    assert result["monthly_usd"] == pytest.approx(1000 * 10 * 601 / 3600 * 0.44, abs=0.005)


def test_crawler_costs_nothing_when_not_deployed():
    usage = zero_usage(crawler_runs_per_month=30, crawler_minutes_per_run=3, crawler_dpus=2)
    result = cost("glue_crawler", usage, crawl_enabled=False)
    assert result["monthly_usd"] == 0 and result["enabled"] is False
    assert "crawl_enabled is false" in result["arithmetic"]


# ------------------------------------------------------------------ Athena: per TB, whole MB, 10 MB minimum


def test_athena_small_queries_billed_ten_mb():
    result = cost("athena", zero_usage(athena_queries_per_month=1000, athena_mb_per_query=3))
    assert result["monthly_usd"] == pytest.approx(1000 * 10 / (1024 * 1024) * 5.00, abs=0.005)


def test_athena_queries_rounded_up_to_whole_mb():
    result = cost("athena", zero_usage(athena_queries_per_month=100_000, athena_mb_per_query=100.2))
    assert result["quantity"] == pytest.approx(100_000 * 101 / (1024 * 1024))  # TB = 1,024 GB = 1,048,576 MB
    assert result["monthly_usd"] == pytest.approx(100_000 * 101 / (1024 * 1024) * 5.00, abs=0.005)


def test_athena_monthly_terabytes_form():
    result = cost("athena", zero_usage(athena_tb_scanned_per_month=2.5))
    assert result["monthly_usd"] == pytest.approx(2.5 * 5.00, abs=0.005)


def test_athena_costs_nothing_when_query_is_disabled():
    result = cost("athena", zero_usage(athena_queries_per_month=1000, athena_mb_per_query=100), query_enabled=False)
    assert result["monthly_usd"] == 0 and result["enabled"] is False


# ------------------------------------------------------------------ Firehose: 5 KB records, tiers, format conversion


@pytest.mark.parametrize(
    "record_bytes, billed_bytes",
    [(1, 5 * 1024), (3 * 1024, 5 * 1024), (5 * 1024, 5 * 1024), (5 * 1024 + 1, 10 * 1024), (12 * 1024, 15 * 1024)],
)
def test_firehose_records_rounded_up_to_5_kb(record_bytes, billed_bytes):
    usage = zero_usage(firehose_records_per_month=10_000_000, firehose_avg_record_bytes=record_bytes)
    result = cost("firehose", usage, ingest_enabled=True)
    gb = 10_000_000 * billed_bytes / 2**30  # GB = 2^30 bytes
    assert result["quantity"] == pytest.approx(gb)
    assert result["monthly_usd"] == pytest.approx(gb * 0.029, abs=0.005)


def test_firehose_volume_tiers():
    # 600 TB in a month: 500 TB at $0.029, 100 TB at $0.025.
    usage = zero_usage(firehose_gb_ingested_per_month=600 * 1024)
    result = cost("firehose", usage, ingest_enabled=True)
    assert result["monthly_usd"] == pytest.approx(0.029 * 500 * 1024 + 0.025 * 100 * 1024, abs=0.005)


def test_firehose_third_tier():
    # 2.5 PB = 2,560 TB: 500 TB, then 1.5 PB (1,536 TB), then 524 TB at $0.020.
    usage = zero_usage(firehose_gb_ingested_per_month=2560 * 1024)
    result = cost("firehose", usage, ingest_enabled=True)
    expected = 0.029 * 500 * 1024 + 0.025 * 1536 * 1024 + 0.020 * 524 * 1024
    assert result["monthly_usd"] == pytest.approx(expected, abs=0.005)


def test_firehose_format_conversion_billed_on_the_same_billed_gb():
    usage = zero_usage(firehose_records_per_month=50_000_000, firehose_avg_record_bytes=700)
    result = cost("firehose", usage, ingest_enabled=True, ingest_format_conversion=True)
    gb = 50_000_000 * 5120 / 2**30
    assert result["monthly_usd"] == pytest.approx(gb * 0.029 + gb * 0.018, abs=0.005)
    conversion = next(c for c in result["components"] if c["item"] == "Format conversion")
    assert conversion["quantity"] == pytest.approx(gb)


def test_firehose_format_conversion_usage_key_overrides_the_configuration():
    usage = zero_usage(firehose_gb_ingested_per_month=1000, firehose_format_conversion=False)
    result = cost("firehose", usage, ingest_enabled=True, ingest_format_conversion=True)
    assert result["monthly_usd"] == pytest.approx(1000 * 0.029, abs=0.005)
    usage = zero_usage(firehose_gb_ingested_per_month=1000, firehose_format_conversion=True)
    result = cost("firehose", usage, ingest_enabled=True, ingest_format_conversion=False)
    assert result["monthly_usd"] == pytest.approx(1000 * (0.029 + 0.018), abs=0.005)


def test_firehose_costs_nothing_when_ingest_is_disabled():
    usage = zero_usage(firehose_gb_ingested_per_month=1000)
    assert cost("firehose", usage, ingest_enabled=False)["monthly_usd"] == 0


# ------------------------------------------------------------------ KMS: key-month + requests beyond 20,000


def test_kms_key_and_requests_beyond_free_tier():
    result = cost("kms", zero_usage(kms_requests_per_month=120_000), encryption_enabled=True)
    assert result["monthly_usd"] == pytest.approx(1 * 1.00 + (120_000 - 20_000) / 10_000 * 0.03, abs=0.005)


def test_kms_requests_within_free_tier_cost_nothing():
    result = cost("kms", zero_usage(kms_requests_per_month=19_999), encryption_enabled=True)
    assert result["monthly_usd"] == pytest.approx(1.00, abs=0.005)


def test_kms_not_billed_without_a_customer_key():
    result = cost("kms", zero_usage(kms_requests_per_month=10_000_000), encryption_enabled=False)
    assert result["monthly_usd"] == 0 and result["enabled"] is False


# ------------------------------------------------------------------ interface endpoints: per endpoint per AZ-hour


def test_interface_endpoints_per_endpoint_per_az_hour_730_hours():
    config = {
        "network_enabled": True,
        "network_subnet_ids": ["subnet-a", "subnet-b"],
        "network_interface_services": ["glue", "athena", "kms", "firehose", "sts"],
    }
    result = cost("vpc_endpoints", zero_usage(vpc_endpoint_gb_processed=0), **config)
    assert result["quantity"] == 5 * 2 * 730
    assert result["monthly_usd"] == pytest.approx(5 * 2 * 730 * 0.01, abs=0.005)


@pytest.mark.parametrize("azs", [2, 3])
def test_default_vpc_endpoints_use_the_network_roles_az_count(azs):
    config = {
        "network_enabled": True,
        "network_vpc_id": "default",
        "network_default_vpc_azs": azs,
        "network_interface_services": ["glue", "athena"],
    }
    result = cost("vpc_endpoints", zero_usage(vpc_endpoint_gb_processed=0), **config)
    assert result["quantity"] == 2 * azs * 730
    assert result["monthly_usd"] == pytest.approx(2 * azs * 730 * 0.01, abs=0.005)


def test_interface_endpoint_data_processing_tiers_summed_over_the_region():
    config = {
        "network_enabled": True,
        "network_subnet_ids": ["a", "b", "c"],
        "network_interface_services": ["glue", "sts"],
    }
    gb = 2 * 1024 * 1024  # 2 PB processed by both endpoints together
    result = cost("vpc_endpoints", zero_usage(vpc_endpoint_gb_processed=gb), **config)
    expected = 2 * 3 * 730 * 0.01 + 0.01 * 1024 * 1024 + 0.006 * 1024 * 1024
    assert result["monthly_usd"] == pytest.approx(expected, abs=0.005)


def test_gateway_endpoints_are_free():
    config = {
        "network_enabled": True,
        "network_subnet_ids": ["a", "b"],
        "network_interface_services": [],
        "network_gateway_services": ["s3"],
    }
    result = cost("vpc_endpoints", zero_usage(vpc_endpoint_gb_processed=500), **config)
    assert result["monthly_usd"] == 0
    assert any("gateway endpoints (s3) are free" in note for note in result["notes"])


def test_interface_endpoints_need_subnets():
    with pytest.raises(pricing.PricingError, match="network_subnet_ids is empty"):
        cost("vpc_endpoints", zero_usage(), network_enabled=True, network_subnet_ids=[])


def test_eu_central_1_interface_endpoint_hour():
    config = {
        "network_enabled": True,
        "network_subnet_ids": ["a", "b", "c"],
        "network_interface_services": ["glue", "athena"],
    }
    result = cost("vpc_endpoints", zero_usage(vpc_endpoint_gb_processed=100), region="eu-central-1", **config)
    assert result["monthly_usd"] == pytest.approx(2 * 3 * 730 * 0.012 + 100 * 0.01, abs=0.005)


# ------------------------------------------------------------------ Lake Formation free, totals


def test_lake_formation_is_free():
    usage = pricing.resolve_usage("medium")
    without = pricing.estimate({"governance_enabled": False}, usage)
    with_governance = pricing.estimate({"governance_enabled": True}, usage)
    assert with_governance["total_usd"] == without["total_usd"]
    assert any("Lake Formation" in note and "free" in note for note in with_governance["notes"])


def test_light_scenario_total_from_published_prices():
    # light: 100 GB + 1 GB logs, 100k PUT, 1M GET, 1,000 queries x 50 MB; default configuration (query on).
    expected = 0.023 * 101 + 100_000 / 1000 * 0.005 + 1_000_000 / 1000 * 0.0004 + 1000 * 50 / (1024 * 1024) * 5.00
    result = pricing.estimate({}, pricing.resolve_usage("light"), scenario="light")
    assert result["total_usd"] == pytest.approx(expected, abs=0.005)
    assert [item["service"] for item in result["lines"]] == list(pricing.LINE_ORDER)


def test_medium_scenario_everything_on_from_published_prices():
    config = {
        "crawl_enabled": True,
        "ingest_enabled": True,
        "ingest_format_conversion": True,
        "encryption_enabled": True,
        "network_enabled": True,
        "network_subnet_ids": ["a", "b"],
    }
    firehose_gb = 100_000_000 * 5120 / 2**30  # 2,000-byte records billed as 5 KB
    expected = {
        "s3_storage": 0.023 * (5120 + 50) + 0.0125 * 10240 + 0.004 * 20480,
        "s3_requests": 10_000_000 / 1000 * 0.005 + 100_000_000 / 1000 * 0.0004,
        "s3_lifecycle": 1_000_000 / 1000 * 0.01 + 500_000 / 1000 * 0.02,
        "glue_catalog_storage": 0.0,
        "glue_catalog_requests": (2_000_000 - 1_000_000) / 1_000_000 * 1.00,
        "glue_crawler": 30 * 10 * (15 / 60) * 0.44,
        "athena": 20_000 * 500 / (1024 * 1024) * 5.00,
        "firehose": firehose_gb * 0.029 + firehose_gb * 0.018,
        "kms": 1.00 + (5_000_000 - 20_000) / 10_000 * 0.03,
        "vpc_endpoints": 5 * 2 * 730 * 0.01 + 500 * 0.01,
    }
    result = pricing.estimate(config, pricing.resolve_usage("medium"), scenario="medium")
    for service, value in expected.items():
        assert line(result, service)["monthly_usd"] == pytest.approx(value, abs=0.005), service
    assert result["total_usd"] == pytest.approx(sum(expected.values()), abs=0.01)


def test_every_line_has_quantity_unit_price_and_arithmetic():
    config = {
        "crawl_enabled": True,
        "ingest_enabled": True,
        "encryption_enabled": True,
        "network_enabled": True,
        "network_subnet_ids": ["a"],
    }
    result = pricing.estimate(config, pricing.resolve_usage("medium"))
    for item in result["lines"]:
        assert set(item) >= {"quantity", "unit", "unit_price_usd", "monthly_usd", "arithmetic"}
        assert "$" in item["arithmetic"]
        assert math.isclose(item["monthly_usd"], round(sum(c["monthly_usd"] for c in item["components"]), 2))
    assert "first 50 TB: 5,170 GB x $0.023 = $118.91" in line(result, "s3_storage")["arithmetic"]


# ------------------------------------------------------------------ regional tables


def test_eu_central_1_s3_first_tier_and_put():
    usage = zero_usage(s3_standard_gb=1000, s3_put_requests=1_000_000)
    storage = cost("s3_storage", usage, region="eu-central-1", storage_access_logging=False)
    requests = cost("s3_requests", usage, region="eu-central-1")
    assert storage["monthly_usd"] == pytest.approx(1000 * 0.0245, abs=0.005)
    assert requests["monthly_usd"] == pytest.approx(1_000_000 / 1000 * 0.0054, abs=0.005)


def test_eu_central_1_s3_upper_tiers_standard_ia_and_get():
    # eu-central-1 Price List: Standard $0.0245 / $0.0235 / $0.0225, Standard-IA $0.0135, GET $0.0043 per 10,000
    usage = zero_usage(s3_standard_gb=600 * 1024, s3_standard_ia_gb=1000, s3_get_requests=10_000_000)
    storage = cost("s3_storage", usage, region="eu-central-1", storage_access_logging=False)
    requests = cost("s3_requests", usage, region="eu-central-1")
    expected = 0.0245 * 50 * 1024 + 0.0235 * 450 * 1024 + 0.0225 * 100 * 1024 + 0.0135 * 1000
    assert storage["monthly_usd"] == pytest.approx(expected, abs=0.005)
    assert requests["monthly_usd"] == pytest.approx(10_000_000 / 10_000 * 0.0043, abs=0.005)


def test_eu_central_1_glacier_instant_retrieval():
    # Frankfurt: Glacier Instant Retrieval $0.005 per GB-month (us-east-1: $0.004), Standard-IA $0.0135
    usage = zero_usage(s3_standard_gb=0, s3_standard_ia_gb=1000, s3_glacier_ir_gb=20_480)
    storage = cost("s3_storage", usage, region="eu-central-1", storage_access_logging=False)
    assert storage["monthly_usd"] == pytest.approx(0.0135 * 1000 + 0.005 * 20_480, abs=0.005)
    gir = next(item for item in storage["components"] if item["unit_price_usd"] == 0.005)
    assert gir["price_status"] == "published"


def test_eu_west_1_interface_endpoint_hour():
    # eu-west-1 Price List (AmazonVPC): $0.011 per endpoint per AZ-hour, $0.01 per GB in the first PB
    config = {"network_enabled": True, "network_subnet_ids": ["a", "b"], "network_interface_services": ["glue"]}
    result = cost("vpc_endpoints", zero_usage(vpc_endpoint_gb_processed=100), region="eu-west-1", **config)
    assert result["monthly_usd"] == pytest.approx(1 * 2 * 730 * 0.011 + 100 * 0.01, abs=0.005)


def test_ap_southeast_1_s3_tiers_and_storage_classes():
    usage = zero_usage(s3_standard_gb=100 * 1024, s3_standard_ia_gb=1000, s3_glacier_ir_gb=1000)
    result = cost("s3_storage", usage, region="ap-southeast-1", storage_access_logging=False)
    expected = 0.025 * 50 * 1024 + 0.024 * 50 * 1024 + 0.0138 * 1000 + 0.005 * 1000
    assert result["monthly_usd"] == pytest.approx(expected, abs=0.005)


def test_ap_southeast_1_interface_endpoint_hour():
    config = {"network_enabled": True, "network_subnet_ids": ["a", "b"], "network_interface_services": ["glue"]}
    result = cost("vpc_endpoints", zero_usage(), region="ap-southeast-1", **config)
    assert result["monthly_usd"] == pytest.approx(1 * 2 * 730 * 0.013, abs=0.005)


def test_unknown_region_is_an_error_not_a_fallback():
    with pytest.raises(pricing.PricingError, match="no price table for region 'eu-west-3'"):
        pricing.estimate({"datalake_region": "eu-west-3"}, zero_usage())
    with pytest.raises(pricing.PricingError, match="supported regions: us-east-1, us-west-2, eu-west-1"):
        pricing.price_table("moon-1")


@pytest.mark.parametrize("region", ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1"])
def test_every_price_names_its_source_and_read_date(region):
    table = pricing.price_table(region)
    assert set(table) == set(pricing.PRICE_KEYS)
    for key, entry in table.items():
        for price in entry if isinstance(entry, list) else [entry]:
            source = pricing.SOURCES[price["source"]]
            assert source["url"] and source["official"].startswith("https://aws.amazon.com/")
            assert source["read_on"] == "2026-11-26"
            assert price["status"] in ("published", "derived", "assumed"), key
            assert price["value"] > 0, key
            if price["status"] != "published":
                assert price["note"], key


def test_us_east_1_has_no_unconfirmed_price_and_other_regions_list_theirs():
    assert pricing.estimate({}, zero_usage())["price_table"]["unconfirmed"] == []
    summary = pricing.estimate({}, zero_usage(), region="eu-central-1")["price_table"]
    assert summary["date"] == "2026-11-26"
    assert any(entry.startswith("athena $5.00") and "assumed" in entry for entry in summary["unconfirmed"])
    assert not any(entry.startswith("s3_standard[0]") for entry in summary["unconfirmed"])
    assert {"id", "url", "official", "read_on", "says"} <= set(summary["sources"][0])


# ------------------------------------------------------------------ usage: scenarios and overrides


def test_scenarios_define_every_usage_key():
    for name, usage in pricing.SCENARIOS.items():
        assert set(usage) == set(pricing.USAGE_KEYS), name


def test_unknown_usage_key_is_an_error_naming_it():
    with pytest.raises(pricing.PricingError, match="unknown usage key 's3_standrd_gb'"):
        pricing.resolve_usage("light", {"s3_standrd_gb": 10})


def test_unknown_scenario_is_an_error():
    with pytest.raises(pricing.PricingError, match="unknown usage scenario 'huge'"):
        pricing.resolve_usage("huge")


@pytest.mark.parametrize("value", [-1, "many", float("nan"), True])
def test_bad_usage_values_are_errors(value):
    with pytest.raises(pricing.PricingError, match="s3_standard_gb"):
        pricing.resolve_usage("light", {"s3_standard_gb": value})


def test_override_replaces_one_key_and_keeps_the_rest():
    usage = pricing.resolve_usage("light", {"s3_standard_gb": "2048"})
    assert usage["s3_standard_gb"] == 2048
    assert usage["s3_get_requests"] == 1_000_000


def test_total_form_replaces_the_per_query_form_of_the_scenario():
    usage = pricing.resolve_usage("medium", {"athena_tb_scanned_per_month": 3})
    assert usage["athena_queries_per_month"] is None and usage["athena_tb_scanned_per_month"] == 3
    result = line(pricing.estimate({}, usage), "athena")
    assert result["monthly_usd"] == pytest.approx(3 * 5.00, abs=0.005)


def test_both_forms_in_overrides_are_an_error():
    with pytest.raises(pricing.PricingError, match="either 'firehose_gb_ingested_per_month'"):
        pricing.resolve_usage("light", {"firehose_gb_ingested_per_month": 1, "firehose_records_per_month": 5})


def test_merge_usage_lets_a_later_form_replace_the_earlier_one():
    merged = pricing.merge_usage(
        {"athena_queries_per_month": 5, "athena_mb_per_query": 1}, {"athena_tb_scanned_per_month": 2}
    )
    assert merged == {"athena_tb_scanned_per_month": 2}


def test_configuration_values_are_checked():
    with pytest.raises(pricing.PricingError, match="'crawl_enabled' must be a boolean"):
        pricing.normalize_config({"crawl_enabled": "sometimes"})
    with pytest.raises(pricing.PricingError, match="'network_subnet_ids' must be a list"):
        pricing.normalize_config({"network_subnet_ids": "subnet-a"})
    assert pricing.normalize_config({"crawl_enabled": "yes"})["crawl_enabled"] is True


# ------------------------------------------------------------------ diff, budget, table


def test_diff_line_by_line_with_signs():
    usage = pricing.resolve_usage("medium")
    current = pricing.estimate({"encryption_enabled": True}, usage)
    proposed = pricing.estimate({"crawl_enabled": True, "encryption_enabled": False}, usage)
    diff = pricing.diff_estimates(current, proposed)
    rows = {row["service"]: row for row in diff["lines"]}
    crawler = 30 * 10 * (15 / 60) * 0.44
    kms = 1.00 + (5_000_000 - 20_000) / 10_000 * 0.03
    assert rows["glue_crawler"]["sign"] == "+" and rows["glue_crawler"]["delta_usd"] == pytest.approx(crawler, abs=0.01)
    assert rows["kms"]["sign"] == "-" and rows["kms"]["delta_usd"] == pytest.approx(-kms, abs=0.01)
    assert rows["athena"]["sign"] == "=" and rows["athena"]["delta_usd"] == 0
    assert diff["delta_usd"] == pytest.approx(crawler - kms, abs=0.01)
    assert diff["text"][5].startswith("+ glue_crawler")
    assert diff["text"][-1].startswith("+ total")  # 33.00 more for the crawler, 15.94 less for KMS


def test_budget_guard_names_the_biggest_lines():
    result = pricing.estimate({}, pricing.resolve_usage("medium"), scenario="medium")
    pricing.check_budget(result, None)
    pricing.check_budget(result, 10_000)
    with pytest.raises(pricing.BudgetExceeded) as raised:
        pricing.check_budget(result, 100, "datalake_monthly_budget_usd")
    message = str(raised.value)
    # s3_storage 0.023*5170 + 0.0125*10240 + 0.004*20480 = 328.83, then s3_requests 90.00, then athena 47.68
    assert "exceeds the budget of $100.00 (datalake_monthly_budget_usd)" in message
    assert "biggest lines: s3_storage $328.83, s3_requests $90.00, athena $47.68" in message


def test_budget_equal_to_the_total_passes():
    result = pricing.estimate({}, pricing.resolve_usage("light"))
    pricing.check_budget(result, result["total_usd"])


def test_render_table_side_by_side():
    estimates = [pricing.estimate({}, pricing.resolve_usage(name), scenario=name) for name in ("light", "medium")]
    rows = pricing.render_table(estimates)
    assert rows[0].split() == ["service", "light", "medium"]
    assert rows[-2].split()[-2:] == [f"${0.023 * 101 + 0.5 + 0.4 + 1000 * 50 / 1048576 * 5:,.2f}", "$487.51"]
    assert any(row.startswith("glue_crawler") and row.split()[1:] == ["off", "off"] for row in rows)


# ------------------------------------------------------------------ fresh prices from the Price List API (stubbed)


def product(usagetype, *dimensions):
    """A Price List API product (aws_v1 JSON string) with OnDemand dimensions (beginRange, USD)."""
    dims = {
        f"SKU.TERM.{i}": {"beginRange": str(begin), "endRange": "Inf", "pricePerUnit": {"USD": str(usd)}, "unit": "x"}
        for i, (begin, usd) in enumerate(dimensions)
    }
    return json.dumps(
        {
            "product": {"attributes": {"usagetype": usagetype}},
            "terms": {"OnDemand": {"SKU.TERM": {"priceDimensions": dims}}},
        }
    )


FRESH_RESPONSES = {
    "s3_standard": [product("EUC1-TimedStorage-ByteHrs", (0, 0.0246), (51200, 0.0236), (512000, 0.0226))],
    "s3_standard_ia": [product("EUC1-TimedStorage-SIA-ByteHrs", (0, 0.0135))],
    "s3_glacier_ir": [],
    "s3_put": [product("EUC1-Requests-Tier1", (0, 0.0000054))],
    "s3_get": [product("EUC1-Requests-Tier2", (0, 0.00000043))],
    "glue_catalog_storage": [product("EUC1-Catalog-Storage", (0, 0), (1000000, 0.00001))],
    "glue_catalog_requests": [product("EUC1-Catalog-Request", (0, 0), (1000000, 0.000001))],
    "glue_crawler": [product("EUC1-Crawler-DPU-Hour", (0, 0.44))],
    "athena": [product("EUC1-DataScannedInTB", (0, 5.0))],
    "firehose_ingest": [product("EUC1-BilledBytes", (0, 0.031), (512000, 0.027), (2097152, 0.022))],
    "kms_key": [product("eu-central-1-KMS-Keys", (0, 1.0))],
    "kms_requests": [product("eu-central-1-KMS-Requests", (0, 0), (20000, 0.000003))],
    "vpce_hour": [product("EUC1-VpcEndpoint-Hours", (0, 0.012))],
    "vpce_data": [product("EUC1-VpcEndpoint-Bytes", (0, 0.01), (1048576, 0.006), (5242880, 0.004))],
}


@pytest.fixture
def pricing_client():
    return boto3.client("pricing", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")


def stub_fresh_prices(stub, region="eu-central-1"):
    prefix = pricing.REGION_LOCATION_PREFIX[region]
    for key, (service, suffix, _factor) in pricing.FRESH_PRICE_KEYS.items():
        usage_type = f"{region}-{suffix}" if service == "awskms" else f"{prefix}-{suffix}"
        stub.add_response(
            "get_products",
            {"PriceList": FRESH_RESPONSES[key], "FormatVersion": "aws_v1"},
            {
                "ServiceCode": service,
                "Filters": [
                    {"Type": "TERM_MATCH", "Field": "regionCode", "Value": region},
                    {"Type": "ANY_OF", "Field": "usagetype", "Value": usage_type},
                ],
                "FormatVersion": "aws_v1",
                "MaxResults": 10,
            },
        )


def test_fetch_price_list_converts_to_table_units(pricing_client):
    with Stubber(pricing_client) as stub:
        stub_fresh_prices(stub)
        found = pricing.fetch_price_list(pricing_client, "eu-central-1")
        stub.assert_no_pending_responses()
    assert found["s3_standard"] == pytest.approx([0.0246, 0.0236, 0.0226])
    assert found["s3_put"] == pytest.approx([0.0000054 * 1000])
    assert found["glue_catalog_storage"] == pytest.approx([0.00001 * 100_000])  # free tier dimension dropped
    assert found["kms_requests"] == pytest.approx([0.000003 * 10_000])
    assert "s3_glacier_ir" not in found  # not returned -> the static value stays


def test_fresh_price_table_uses_fetched_values_marks_them_and_caches(pricing_client, tmp_path):
    cache = tmp_path / "prices.json"
    with Stubber(pricing_client) as stub:
        stub_fresh_prices(stub)
        table = pricing.fresh_price_table("eu-central-1", str(cache), 24, lambda: pricing_client, now=1_000_000)
        stub.assert_no_pending_responses()
    assert table["firehose_ingest"][0]["value"] == 0.031 and table["firehose_ingest"][0]["status"] == "price-list-api"
    assert table["s3_glacier_ir"]["status"] == "published"  # not fetched: the static value is kept as it was
    assert table["s3_glacier_ir"]["value"] == 0.005
    usage = zero_usage(firehose_gb_ingested_per_month=1000)
    result = pricing.estimate({"ingest_enabled": True}, usage, region="eu-central-1", prices=table)
    assert line(result, "firehose")["monthly_usd"] == pytest.approx(1000 * 0.031, abs=0.005)
    assert "firehose_ingest[0]" in result["price_table"]["fresh_prices"]
    assert any(source["id"] == "aws-price-list-api" for source in result["price_table"]["sources"])
    assert json.loads(cache.read_text())["eu-central-1"]["prices"]["athena"] == [5.0]

    def no_client():
        raise AssertionError("a fresh cache must not call the Price List API")

    cached = pricing.fresh_price_table("eu-central-1", str(cache), 24, no_client, now=1_000_000 + 23 * 3600)
    assert cached["firehose_ingest"][0]["value"] == 0.031

    with Stubber(pricing_client) as stub:  # older than the TTL: fetched again
        stub_fresh_prices(stub)
        pricing.fresh_price_table("eu-central-1", str(cache), 24, lambda: pricing_client, now=1_000_000 + 25 * 3600)
        stub.assert_no_pending_responses()


def test_fresh_prices_for_an_unknown_region_are_an_error(tmp_path):
    with pytest.raises(pricing.PricingError, match="no price table for region 'sa-east-1'"):
        pricing.fresh_price_table("sa-east-1", str(tmp_path / "c.json"), 24, lambda: None)
