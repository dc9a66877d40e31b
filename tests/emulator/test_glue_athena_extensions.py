# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Glue and Athena extensions answer as the API reference says, over HTTP (extensions/glue.py, athena.py)."""

import json

import botocore
import pytest

ROLE = "arn:aws:iam::123456789012:role/crawler"


@pytest.fixture
def glue(aws):
    client = aws.client("glue")
    client.create_crawler(Name="c", Role=ROLE, DatabaseName="raw", Targets={"S3Targets": [{"Path": "s3://lake/raw/"}]})
    return client


def error_code(call):
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"]


def test_get_crawler_reports_the_defaults_aws_fills_in(glue):
    crawler = glue.get_crawler(Name="c")["Crawler"]
    assert crawler["Targets"]["S3Targets"] == [{"Path": "s3://lake/raw/", "Exclusions": []}]
    assert crawler["Targets"]["DeltaTargets"] == [] and crawler["Targets"]["HudiTargets"] == []
    assert crawler["SchemaChangePolicy"] == {
        "UpdateBehavior": "UPDATE_IN_DATABASE",
        "DeleteBehavior": "DEPRECATE_IN_DATABASE",
    }
    assert crawler["RecrawlPolicy"] == {"RecrawlBehavior": "CRAWL_EVERYTHING"}
    assert crawler["LakeFormationConfiguration"] == {"UseLakeFormationCredentials": False, "AccountId": ""}
    assert glue.get_crawlers()["Crawlers"][0]["Targets"] == crawler["Targets"]


def test_update_crawler_changes_only_what_it_names(glue):
    glue.update_crawler(
        Name="c",
        Description="d",
        LakeFormationConfiguration={"UseLakeFormationCredentials": True},
        Configuration='{"Version": 1.0, "Grouping": {"TableGroupingPolicy": "CombineCompatibleSchemas"}}',
    )
    crawler = glue.get_crawler(Name="c")["Crawler"]
    assert crawler["Description"] == "d" and crawler["Role"] == ROLE and crawler["Version"] == 2
    assert crawler["LakeFormationConfiguration"]["UseLakeFormationCredentials"] is True
    assert json.loads(crawler["Configuration"]) == {
        "Version": 1.0,
        "Grouping": {"TableGroupingPolicy": "CombineCompatibleSchemas"},
    }
    assert error_code(lambda: glue.update_crawler(Name="missing", Description="d")) == "EntityNotFoundException"


def test_schedule_is_set_and_removed(glue):
    glue.update_crawler_schedule(CrawlerName="c", Schedule="cron(15 2 * * ? *)")
    assert glue.get_crawler(Name="c")["Crawler"]["Schedule"]["ScheduleExpression"] == "cron(15 2 * * ? *)"
    glue.update_crawler_schedule(CrawlerName="c", Schedule="")
    assert "Schedule" not in glue.get_crawler(Name="c")["Crawler"]
    assert (
        error_code(lambda: glue.update_crawler_schedule(CrawlerName="missing", Schedule=""))
        == "EntityNotFoundException"
    )


def test_running_crawler_is_neither_updated_nor_deleted(glue):
    glue.start_crawler(Name="c")
    assert error_code(lambda: glue.update_crawler(Name="c", Description="d")) == "CrawlerRunningException"
    assert error_code(lambda: glue.delete_crawler(Name="c")) == "CrawlerRunningException"
    glue.list_crawls(CrawlerName="c")  # completes the crawl in the emulator
    glue.delete_crawler(Name="c")


def test_update_work_group_applies_updates_and_removals(aws):
    athena = aws.client("athena")
    athena.create_work_group(
        Name="wg",
        Configuration={
            "ResultConfiguration": {
                "OutputLocation": "s3://lake/results/",
                "EncryptionConfiguration": {"EncryptionOption": "SSE_S3"},
            },
            "BytesScannedCutoffPerQuery": 10000000,
        },
    )
    athena.update_work_group(
        WorkGroup="wg",
        Description="d",
        ConfigurationUpdates={
            "ResultConfigurationUpdates": {
                "RemoveOutputLocation": True,
                "EncryptionConfiguration": {"EncryptionOption": "CSE_KMS", "KmsKey": "k"},
            },
            "RemoveBytesScannedCutoffPerQuery": True,
            "RequesterPaysEnabled": True,
            "EngineVersion": {"SelectedEngineVersion": "AUTO"},
        },
    )
    workgroup = athena.get_work_group(WorkGroup="wg")["WorkGroup"]
    config = workgroup["Configuration"]
    assert workgroup["Description"] == "d"
    assert config["ResultConfiguration"] == {"EncryptionConfiguration": {"EncryptionOption": "CSE_KMS", "KmsKey": "k"}}
    assert "BytesScannedCutoffPerQuery" not in config and config["RequesterPaysEnabled"] is True
    assert config["EngineVersion"] == {
        "SelectedEngineVersion": "AUTO",
        "EffectiveEngineVersion": "Athena engine version 3",
    }
    assert (
        error_code(lambda: athena.update_work_group(WorkGroup="missing", Description="d")) == "InvalidRequestException"
    )


def test_untagged_workgroup_has_an_empty_tag_list(aws):
    athena = aws.client("athena")
    athena.create_work_group(Name="wg")
    arn = "arn:aws:athena:us-east-1:123456789012:workgroup/wg"
    assert athena.list_tags_for_resource(ResourceARN=arn)["Tags"] == []
    athena.tag_resource(ResourceARN=arn, Tags=[{"Key": "a", "Value": "1"}])
    assert athena.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "a", "Value": "1"}]
    other = "arn:aws:athena:us-east-1:123456789012:workgroup/missing"
    assert error_code(lambda: athena.list_tags_for_resource(ResourceARN=other)) == "InvalidRequestException"
