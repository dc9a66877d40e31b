# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""deltalake.aws.glue_crawler end to end in-process against moto (whose GetCrawler reports only what the crawler
was created with, unlike AWS and the HTTP emulator, so both shapes are covered): create, identical re-run, check
mode, validation, the recrawl default. Updates need UpdateCrawler, which only the HTTP emulator's extension
provides: the glue_crawler integration target tests them."""

import boto3
import pytest

from ansible_collections.deltalake.aws.plugins.modules import glue_crawler

# pylint: disable-next=unused-import
from ansible_collections.deltalake.aws.tests.unit.plugins.modules.catalog_runner import aws  # the fixture
from ansible_collections.deltalake.aws.tests.unit.plugins.modules.catalog_runner import run_module

ARGS = {
    "name": "raw-events",
    "role": "glue-crawler",
    "database": "raw",
    "targets": {"s3_targets": [{"path": "s3://lake/raw/events/", "exclusions": ["**.crc"]}]},
    "schedule": "15 2 * * ? *",
    "schema_change_policy": {"update_behavior": "LOG", "delete_behavior": "LOG"},
    "configuration": '{"Version": 1.0}',
    "tags": {"lake": "test"},
}


def run(capsys, args, check_mode=False):
    return run_module(glue_crawler, capsys, args, check_mode)


def test_check_mode_create_predicts_and_writes_nothing(aws, capsys):  # pylint: disable=redefined-outer-name
    planned = run(capsys, ARGS, check_mode=True)
    assert planned["changed"] and aws.mutating == []
    crawler = planned["crawler"]
    assert crawler["role"] == "arn:aws:iam::123456789012:role/glue-crawler"
    assert crawler["schedule"] == "cron(15 2 * * ? *)"
    assert crawler["recrawl_policy"] == {"recrawl_behavior": "CRAWL_NEW_FOLDERS_ONLY"}
    assert boto3.client("glue").get_crawlers()["Crawlers"] == []


def test_create_then_identical_rerun_reads_only(aws, capsys):  # pylint: disable=redefined-outer-name
    created = run(capsys, ARGS)
    assert created["changed"] and aws.mutating == ["CreateCrawler"]
    crawler = boto3.client("glue").get_crawler(Name="raw-events")["Crawler"]
    assert crawler["Role"] == "arn:aws:iam::123456789012:role/glue-crawler"
    assert crawler["RecrawlPolicy"] == {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"}
    del aws[:]
    again = run(capsys, dict(ARGS, configuration={"Version": 1}))
    assert not again["changed"] and again["crawler"] == created["crawler"]
    assert aws == ["GetCrawler", "GetCallerIdentity", "GetTags"]


def test_recrawl_default_follows_what_aws_allows(aws, capsys):  # pylint: disable=redefined-outer-name
    everything = run(capsys, dict(ARGS, schema_change_policy=None), check_mode=True)
    assert everything["crawler"]["recrawl_policy"] == {"recrawl_behavior": "CRAWL_EVERYTHING"}
    with_delta = dict(
        ARGS,
        targets={
            "s3_targets": ARGS["targets"]["s3_targets"],
            "delta_targets": [{"delta_tables": ["s3://lake/processed/orders/"]}],
        },
    )
    assert (
        run(capsys, with_delta, check_mode=True)["crawler"]["recrawl_policy"]["recrawl_behavior"] == "CRAWL_EVERYTHING"
    )
    assert aws.mutating == []


@pytest.mark.parametrize(
    "change, message",
    [
        ({"schedule": "cron(0 1 * * *)"}, "schedule: 'cron(0 1 * * *)' must have 6 fields"),
        ({"role": "bad role"}, "role: 'bad role' is not an IAM role name"),
        (
            {"schema_change_policy": None, "recrawl_policy": {"recrawl_behavior": "CRAWL_NEW_FOLDERS_ONLY"}},
            "recrawl_policy.recrawl_behavior: CRAWL_NEW_FOLDERS_ONLY needs schema_change_policy",
        ),
        ({"targets": {}}, "targets: needs at least one of"),
        ({"configuration": "{x"}, "configuration: is not valid JSON"),
    ],
)
def test_invalid_input_makes_no_call(aws, capsys, change, message):  # pylint: disable=redefined-outer-name
    args = {k: v for k, v in dict(ARGS, **change).items() if v is not None}
    result = run(capsys, args)
    assert result["failed"] and message in result["msg"]
    assert aws == []


def test_delete(aws, capsys):  # pylint: disable=redefined-outer-name
    run(capsys, ARGS)
    del aws[:]
    planned = run(capsys, {"name": "raw-events", "state": "absent"}, check_mode=True)
    assert planned["changed"] and planned["diff"]["after"] == {} and aws.mutating == []
    deleted = run(capsys, {"name": "raw-events", "state": "absent"})
    assert deleted["changed"] and aws.mutating == ["DeleteCrawler"]
    assert not run(capsys, {"name": "raw-events", "state": "absent"})["changed"]
