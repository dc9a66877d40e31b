# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Glue extensions of the emulator (crawlers); see extensions/__init__.py.

moto 5.2.5 lacks UpdateCrawler and UpdateCrawlerSchedule, drops a crawler's LakeFormationConfiguration, answers
GetCrawler with only the fields the crawler was created with, where AWS also reports its defaults, and deletes a
crawler while it runs, which AWS refuses.
"""

import json

# The defaults GetCrawler reports on AWS for settings a crawler was created without
# (https://docs.aws.amazon.com/glue/latest/webapi/API_Crawler.html; community.aws glue_crawler trims the same ones).
_TARGET_KINDS = (
    "S3Targets",
    "JdbcTargets",
    "MongoDBTargets",
    "DynamoDBTargets",
    "CatalogTargets",
    "DeltaTargets",
    "IcebergTargets",
    "HudiTargets",
)
_DEFAULTS = {
    "Classifiers": [],
    "SchemaChangePolicy": {"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "DEPRECATE_IN_DATABASE"},
    "RecrawlPolicy": {"RecrawlBehavior": "CRAWL_EVERYTHING"},
    "LineageConfiguration": {"CrawlerLineageSettings": "DISABLE"},
    "LakeFormationConfiguration": {"UseLakeFormationCredentials": False, "AccountId": ""},
}
# UpdateCrawler request members -> FakeCrawler attributes.
_UPDATABLE = {
    "Role": "role",
    "DatabaseName": "database_name",
    "Description": "description",
    "Targets": "targets",
    "Schedule": "schedule",
    "Classifiers": "classifiers",
    "TablePrefix": "table_prefix",
    "SchemaChangePolicy": "schema_change_policy",
    "RecrawlPolicy": "recrawl_policy",
    "LineageConfiguration": "lineage_configuration",
    "LakeFormationConfiguration": "lake_formation_configuration",
    "Configuration": "configuration",
    "CrawlerSecurityConfiguration": "crawler_security_configuration",
}


def crawler_lake_formation_configuration():
    """Keep the LakeFormationConfiguration that CreateCrawler receives and report it in GetCrawler, as the Crawler
    structure does (https://docs.aws.amazon.com/glue/latest/webapi/API_CreateCrawler.html)."""
    from moto.glue.responses import GlueResponse

    original = GlueResponse.create_crawler

    def create_crawler(self):
        result = original(self)
        crawler = self.glue_backend.get_crawler(self.parameters["Name"])
        crawler.lake_formation_configuration = self.parameters.get("LakeFormationConfiguration")
        return result

    GlueResponse.create_crawler = create_crawler


def crawler_reports_aws_defaults():
    """GetCrawler, GetCrawlers and BatchGetCrawlers report what AWS reports for a crawler created without some
    settings: every target list (empty when unused), ``Exclusions: []`` on S3 targets, the default schema change,
    recrawl, lineage and Lake Formation settings, and an empty classifier list. The JSON ``Configuration`` comes back
    re-serialized (compact), so that tests prove it is compared as JSON, not as text."""
    from moto.glue.models import FakeCrawler

    original = FakeCrawler.as_dict

    def as_dict(self):
        data = original(self)
        for key, default in _DEFAULTS.items():
            if not data.get(key):
                data[key] = json.loads(json.dumps(default))
        if getattr(self, "lake_formation_configuration", None):
            data["LakeFormationConfiguration"] = dict(
                _DEFAULTS["LakeFormationConfiguration"], **self.lake_formation_configuration
            )
        targets = {kind: json.loads(json.dumps((data.get("Targets") or {}).get(kind) or [])) for kind in _TARGET_KINDS}
        for target in targets["S3Targets"]:
            target.setdefault("Exclusions", [])
        data["Targets"] = targets
        if data.get("Configuration"):
            data["Configuration"] = json.dumps(json.loads(data["Configuration"]), separators=(",", ":"))
        return {k: v for k, v in data.items() if v is not None}

    FakeCrawler.as_dict = as_dict


def update_crawler():
    """UpdateCrawler (https://docs.aws.amazon.com/glue/latest/webapi/API_UpdateCrawler.html): changes the settings
    the request names and leaves the others; EntityNotFoundException for an unknown crawler,
    CrawlerRunningException while it runs. Each update raises the crawler's Version by one."""
    from moto.core.utils import utcnow
    from moto.glue.exceptions import CrawlerRunningException
    from moto.glue.responses import GlueResponse

    def update(self):
        crawler = self.glue_backend.get_crawler(self.parameters.get("Name"))
        if crawler.status == "RUNNING":
            raise CrawlerRunningException(f"Crawler with name {crawler.name} has already started")
        for member, attribute in _UPDATABLE.items():
            if member in self.parameters:
                setattr(crawler, attribute, self.parameters[member])
        crawler.version += 1
        crawler.last_updated = utcnow()
        return "{}"

    GlueResponse.update_crawler = update


def update_crawler_schedule():
    """UpdateCrawlerSchedule (https://docs.aws.amazon.com/glue/latest/webapi/API_UpdateCrawlerSchedule.html):
    replaces the crawler's cron schedule; an empty schedule leaves the crawler on demand. EntityNotFoundException
    for an unknown crawler."""
    from moto.glue.responses import GlueResponse

    def update(self):
        crawler = self.glue_backend.get_crawler(self.parameters.get("CrawlerName"))
        crawler.schedule = self.parameters.get("Schedule") or None
        return "{}"

    GlueResponse.update_crawler_schedule = update


def delete_crawler_refused_while_running():
    """DeleteCrawler (https://docs.aws.amazon.com/glue/latest/webapi/API_DeleteCrawler.html) removes a crawler
    "unless the crawler state is RUNNING": CrawlerRunningException then."""
    from moto.glue.exceptions import CrawlerRunningException
    from moto.glue.responses import GlueResponse

    original = GlueResponse.delete_crawler

    def delete(self):
        crawler = self.glue_backend.crawlers.get(self.parameters.get("Name"))
        if crawler is not None and crawler.status == "RUNNING":
            raise CrawlerRunningException(f"Crawler with name {crawler.name} is running")
        return original(self)

    GlueResponse.delete_crawler = delete


EXTENSIONS = (
    crawler_lake_formation_configuration,
    crawler_reports_aws_defaults,
    update_crawler,
    update_crawler_schedule,
    delete_crawler_refused_while_running,
)
