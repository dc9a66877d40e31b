# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Monthly cost of a deltalake.aws lake at AWS list prices (controller-only; never imported by modules).

What is here:

- The pricing rules (hours per month, units, tiers, free allowances, minimums) as named constants.
- The price tables of the supported regions. Every value names the source it was read from and the date it was
  read, and carries a status: ``published`` (read from a price list, a pricing page, or a copy of one),
  ``derived`` (computed from a published bill), or ``assumed`` (NOT confirmed for that region: the us-east-1
  price is used and the estimate lists it under ``price_table.unconfirmed``). Nothing is filled in silently.
- The usage scenarios ``light``, ``medium`` and ``heavy``, and the validation of usage overrides.
- ``estimate()``: line items per service with quantity, unit, unit price, monthly USD and the arithmetic.
- ``diff_estimates()``, ``check_budget()``, ``render_table()``.
- Optional fresh prices from the AWS Price List API (``fetch_price_list()``, ``fresh_price_table()``) with a
  local JSON cache; off unless the caller asks for it.
"""

import copy
import datetime
import json
import math
import os
import time

# ---------------------------------------------------------------------------------------------- pricing rules

HOURS_PER_MONTH = 730  # AWS's monthly hours for always-on resources (8,760 h / 12)
BYTES_PER_GB = 2**30  # GB = 2^30 bytes
GB_PER_TB = 1024  # TB = 1,024 GB
TB_PER_PB = 1024  # PB = 1,024 TB
MB_PER_TB = 1024 * 1024
GB_PER_PB = GB_PER_TB * TB_PER_PB

S3_STANDARD_TIERS_GB = (50 * GB_PER_TB, 450 * GB_PER_TB, None)  # first 50 TB, next 450 TB, over 500 TB
S3_STANDARD_TIER_NAMES = ("first 50 TB", "next 450 TB", "over 500 TB")

GLUE_FREE_OBJECTS = 1_000_000  # Data Catalog: first million objects stored free every month
GLUE_FREE_REQUESTS = 1_000_000  # Data Catalog: first million requests free every month
GLUE_OBJECTS_PER_PRICE_UNIT = 100_000  # price is per 100,000 objects per month
GLUE_REQUESTS_PER_PRICE_UNIT = 1_000_000  # price is per million requests
CRAWLER_MINIMUM_SECONDS = 600  # crawlers: billed per second, 10-minute minimum per crawl

ATHENA_MINIMUM_MB = 10  # Athena: each query rounded up to the whole MB, 10 MB minimum

FIREHOSE_RECORD_INCREMENT_BYTES = 5 * 1024  # Direct PUT: each record rounded up to a multiple of 5 KB
FIREHOSE_TIERS_GB = (500 * GB_PER_TB, 1536 * GB_PER_TB, None)  # first 500 TB, next 1.5 PB, next 3 PB and above
FIREHOSE_TIER_NAMES = ("first 500 TB", "next 1.5 PB", "over 2 PB")

KMS_FREE_REQUESTS = 20_000  # KMS: 20,000 requests a month free
KMS_REQUESTS_PER_PRICE_UNIT = 10_000  # price is per 10,000 requests

VPCE_DATA_TIERS_GB = (GB_PER_PB, 4 * GB_PER_PB, None)  # first 1 PB, next 4 PB, over 5 PB (summed per region)
VPCE_DATA_TIER_NAMES = ("first 1 PB", "next 4 PB", "over 5 PB")

S3_REQUESTS_PER_PRICE_UNIT = 1_000  # S3 request and lifecycle-transition prices are per 1,000

# ---------------------------------------------------------------------------------------------- sources

PRICE_TABLE_DATE = "2026-11-26"  # the day every source below was read
READ_ON = PRICE_TABLE_DATE

PUBLISHED = "published"
DERIVED = "derived"
ASSUMED = "assumed"
PRICE_LIST_API = "price-list-api"

# Where each number was read. Entries marked "(search index file N)" are public GitHub files read through the
# project's search index, which shows their text but not their repository; each quotes AWS Price List API
# records, and the official page for the same prices is named in "official".
SOURCES = {
    "s3-us-east-1": {
        "url": "https://github.com/SaimShaikh/Cloud_Computing/blob/main/AWS/AWS_S3/AWS_S3_Pricing.md",
        "official": "https://aws.amazon.com/s3/pricing/",
        "read_on": READ_ON,
        "says": "us-east-1 (author-verified 2025-08-29 against the S3 pricing page): Standard $0.023 / $0.022 / "
        "$0.021 per GB (first 50 TB / next 450 TB / over 500 TB), Standard-IA $0.0125, Glacier Instant "
        "Retrieval $0.004 per GB-month, PUT/COPY/POST/LIST $0.005 and GET $0.0004 per 1,000, lifecycle "
        "transition requests $0.01 per 1,000",
    },
    "s3-us-east-1-tiers": {
        "url": "https://gist.github.com/EverettBerry/a37438006529a55f42da6fdbc44a505c",
        "official": "https://aws.amazon.com/s3/pricing/",
        "read_on": READ_ON,
        "says": "S3 Standard: first 50 TB $0.023, next 450 TB $0.022, over 500 TB $0.021 per GB",
    },
    "s3-gir-transition-us-east-1": {
        "url": "search index file 58192876521 (public GitHub cost note, us-east-1 Price List records)",
        "official": "https://aws.amazon.com/s3/pricing/",
        "read_on": READ_ON,
        "says": "Glacier Instant Retrieval transition $0.02 per 1,000 (Requests-Tier4 / S3-GIRTransition)",
    },
    "s3-eu-central-1": {
        "url": "search index file 69374763719 (public GitHub research note quoting the Price List bulk file "
        "AmazonS3/current/eu-central-1/index.json, publication 2026-08-31)",
        "official": "https://aws.amazon.com/s3/pricing/",
        "read_on": READ_ON,
        "says": "eu-central-1: S3 Standard $0.0245 first 50 TB, $0.0235 next 450 TB, $0.0225 over 500 TB per "
        "GB-month (EUC1-TimedStorage-ByteHrs); PUT $0.0000054 per request = $0.0054 per 1,000 "
        "(EUC1-Requests-Tier1); GET $0.0043 per 10,000 = $0.00043 per 1,000 (EUC1-Requests-Tier2)",
    },
    "s3-eu-price-list": {
        "url": "search index file 68514571388 (public GitHub infrastructure pricing report, research date 2026-08-16, "
        "quoting the Price List bulk offer file AmazonS3, publicationDate 2026-08-07, for us-east-1, eu-west-1 "
        "and eu-central-1)",
        "official": "https://aws.amazon.com/s3/pricing/",
        "read_on": READ_ON,
        "says": "eu-west-1: Standard first 50 TB $0.023, Standard-IA $0.0125 per GB-month, PUT/COPY/POST/LIST "
        "$0.005 and GET $0.0004 per 1,000; eu-central-1: Standard first 50 TB $0.0245, Standard-IA $0.0135 per "
        "GB-month, PUT $0.0054 and GET $0.00043 per 1,000; lifecycle transition to Standard-IA $0.01 and to "
        "Glacier Instant Retrieval $0.02 per 1,000 objects, the same in us-east-1, eu-west-1 and eu-central-1 "
        "(Glacier IR storage not extracted)",
    },
    "s3-gir-eu-central-1": {
        "url": "https://blog.pesky.moe/posts/2025-09-14-s3-class",
        "official": "https://aws.amazon.com/s3/pricing/",
        "read_on": READ_ON,
        "says": "post of 2025-09-14, 'All costs are based on the Frankfurt (eu-central-1) region': S3 Standard $0.0245, "
        "Standard-IA $0.0135, Glacier Instant Retrieval $0.0050 per GB-month (retrieval: Standard-IA $0.01, Glacier "
        "IR $0.03 per GB). Its Standard and Standard-IA prices are the Price List values of s3-eu-central-1 and "
        "s3-eu-price-list",
    },
    "s3-us-west-2": {
        "url": "search index file 69494015032 (public GitHub benchmark script that reads the AWS Price List API "
        "for us-west-2, September 2026)",
        "official": "https://aws.amazon.com/s3/pricing/",
        "read_on": READ_ON,
        "says": "us-west-2 USW2-TimedStorage-ByteHrs is tiered: the first tier is $0.023 per GB-Mo, the 'over 500 "
        "TB' tier $0.021 per GB-Mo (the middle tier's price is not quoted)",
    },
    "aps1-price-list": {
        "url": "search index file 71363509372 (public GitHub price reference for ap-southeast-1, collected "
        "2026-08-12 from the AWS Price List API)",
        "official": "https://aws.amazon.com/pricing/",
        "read_on": READ_ON,
        "says": "ap-southeast-1: S3 Standard first 50 TB $0.025, Standard-IA $0.0138, Glacier IR $0.005 per "
        "GB-month; PUT $0.005 per 1,000; GET $0.004 per 10,000; Glue Catalog storage $0.00001 per "
        "object-month, requests $0.000001 each; crawler $0.44 per DPU-hour; Athena $5.00 per TB; interface "
        "endpoint $0.013 per hour, data processed $0.01 per GB (first tier); KMS key $1.00 per month, "
        "requests $0.000003 each",
    },
    "aps1-s3-tiers": {
        "url": "search index file 58203465884 (public GitHub README, ap-southeast-1 prices from the AWS Price "
        "List API, July 2026)",
        "official": "https://aws.amazon.com/s3/pricing/",
        "read_on": READ_ON,
        "says": "ap-southeast-1: S3 Standard next 450 TB $0.024, over 500 TB $0.023 per GB-month; PUT to "
        "Glacier IR (APS1-Requests-GIR-Tier1) $0.02 per 1,000",
    },
    "usw2-bill-ia": {
        "url": "search index file 56788151084 (public GitHub Cost Explorer extract, us-west-2)",
        "official": "https://aws.amazon.com/s3/pricing/",
        "read_on": READ_ON,
        "says": "USW2-TimedStorage-SIA-ByteHrs $2,403 for 192,288 GB-month, i.e. $0.0125 per GB-month",
    },
    "usw2-bill-s3": {
        "url": "search index file 56788151084 (public GitHub Cost Explorer extract, S3 only, us-west-2, "
        "2026-03-24 to 2026-04-23)",
        "official": "https://aws.amazon.com/s3/pricing/",
        "read_on": READ_ON,
        "says": "USW2-Requests-Tier1 $9,516 for 1.90B and $3,502 for 700M requests; USW2-Requests-Tier2 $1,358 "
        "for 3.40B requests (request counts rounded as printed)",
    },
    "usw2-bill-kms": {
        "url": "search index files 61392940206 and 56935730198 (public GitHub cost reviews, us-west-2 bills, 2026)",
        "official": "https://aws.amazon.com/kms/pricing/",
        "read_on": READ_ON,
        "says": "us-west-2-KMS-Keys 0.048 key-months $0.0484 (August); a second account's us-west-2-KMS-Keys line "
        "$0.556 for ~17 days, 'on track for $1' a month",
    },
    "kms-eu-central-1": {
        "url": "search index file 70887821152 (public GitHub cost baseline, eu-central-1, rate card of 2026-09-09 "
        "checked against CUR)",
        "official": "https://aws.amazon.com/kms/pricing/",
        "read_on": READ_ON,
        "says": "KMS key $1.00 per key-month (rate card); the CUR line eu-central-1-KMS-Keys bills $0.0013889 per "
        "hour, $1.00 prorated over September's 720 hours",
    },
    "glue-aws": {
        "url": "https://aws.amazon.com/jp/glue/pricing/",
        "official": "https://aws.amazon.com/glue/pricing/",
        "read_on": READ_ON,
        "says": "crawlers and jobs billed per second; Data Catalog: first million objects stored and first "
        "million requests free every month; $0.44 per DPU-hour",
    },
    "glue-crawler": {
        "url": "https://awsnegotiations.com/glue-job-cost-optimization.html",
        "official": "https://aws.amazon.com/glue/pricing/",
        "read_on": READ_ON,
        "says": "crawlers $0.44 per DPU-hour, ten-minute minimum per crawl; Data Catalog $1 per 100,000 "
        "objects stored per month and $1 per million requests",
    },
    "glue-catalog": {
        "url": "https://athena.guide/articles/athena-basics-pricing-model",
        "official": "https://aws.amazon.com/glue/pricing/",
        "read_on": READ_ON,
        "says": "Glue Data Catalog: a million objects and a million operations free per month, then $1 per "
        "hundred thousand objects and $1 per million operations; Athena $5 per TB, 10 MB minimum",
    },
    "athena-aws": {
        "url": "https://aws.amazon.com/jp/athena/pricing/",
        "official": "https://aws.amazon.com/athena/pricing/",
        "read_on": READ_ON,
        "says": "$5 per TB scanned; bytes rounded up to the megabyte, queries under 10 MB billed as 10 MB",
    },
    "athena-eu-west-1": {
        "url": "search index file 53501360608 (public GitHub audit quoting Price List API records, 2026-05-01)",
        "official": "https://aws.amazon.com/athena/pricing/",
        "read_on": READ_ON,
        "says": "EU-DataScannedInTB 5.00 USD per TB in EU (Ireland); USE1-DataScannedInTB 5.00 USD per TB",
    },
    "firehose-aws": {
        "url": "https://aws.amazon.com/de/kinesis/data-firehose/pricing/",
        "official": "https://aws.amazon.com/firehose/pricing/",
        "read_on": READ_ON,
        "says": "Direct PUT ingestion is tiered, per GB, each record rounded up to the next 5 KB (5,120 bytes); "
        "format conversion is billed per GB on the ingested GB in 5 KB increments",
    },
    "firehose-tiers": {
        "url": "https://github.com/infracost/infracost/blob/v0.10.36/internal/resources/aws/"
        "kinesis_firehose_delivery_stream.go",
        "official": "https://aws.amazon.com/firehose/pricing/",
        "read_on": READ_ON,
        "says": "ingestion tiers: first 500 TB, next 1.5 PB, next 3 PB",
    },
    "firehose-us-east-1": {
        "url": "search index files 56711026923 and 55407071665 (public GitHub notes, 'Base Pricing (US East)')",
        "official": "https://aws.amazon.com/firehose/pricing/",
        "read_on": READ_ON,
        "says": "ingestion $0.029 (first 500 TB), $0.025 (next 1.5 PB), $0.020 (beyond) per GB; format "
        "conversion $0.018 per GB",
    },
    "kms-aws": {
        "url": "https://aws.amazon.com/kms/pricing/",
        "official": "https://aws.amazon.com/kms/pricing/",
        "read_on": READ_ON,
        "says": "each KMS key $1/month; 20,000 requests a month free",
    },
    "kms-requests": {
        "url": "https://www.wring.co/blog/aws-kms-pricing-guide",
        "official": "https://aws.amazon.com/kms/pricing/",
        "read_on": READ_ON,
        "says": "symmetric key requests $0.03 per 10,000 after the 20,000 free monthly requests",
    },
    "privatelink-aws": {
        "url": "https://aws.amazon.com/jp/privatelink/pricing/",
        "official": "https://aws.amazon.com/privatelink/pricing/",
        "read_on": READ_ON,
        "says": "interface endpoints billed per endpoint per AZ-hour (partial hours as full hours); data "
        "processed, summed over all interface endpoints of a region: first 1 PB $0.01, next 4 PB $0.006, "
        "over 5 PB $0.004 per GB",
    },
    "privatelink-us-east-1": {
        "url": "https://www.factualminds.com/blog/amazon-vpc-pricing-endpoints-peering-transit-gateway/",
        "official": "https://aws.amazon.com/privatelink/pricing/",
        "read_on": READ_ON,
        "says": "interface VPC endpoints $0.01 per hour per AZ (us-east-1)",
    },
    "privatelink-us-west-2": {
        "url": "search index file 71631573162 (public GitHub guide, AWS Pricing API usage type "
        "USW2-VpcEndpoint-Hours, 2026-10-06)",
        "official": "https://aws.amazon.com/privatelink/pricing/",
        "read_on": READ_ON,
        "says": "us-west-2: $0.01 per endpoint-AZ-hour, $0.01 per GB processed",
    },
    "privatelink-eu-central-1": {
        "url": "search index file 71014389131 (public GitHub project log quoting the Price List API, " "2026-09-22)",
        "official": "https://aws.amazon.com/privatelink/pricing/",
        "read_on": READ_ON,
        "says": "eu-central-1: EUC1-VpcEndpoint-Hours $0.012 per hour, EUC1-VpcEndpoint-Bytes $0.01 per GB "
        "(first tier)",
    },
    "privatelink-eu-west-1": {
        "url": "search index file 68514571388 (public GitHub infrastructure pricing report, research date 2026-08-16, "
        "quoting the Price List bulk offer file AmazonVPC, publicationDate 2026-07-24)",
        "official": "https://aws.amazon.com/privatelink/pricing/",
        "read_on": READ_ON,
        "says": "interface endpoint per hour $0.010 (us-east-1), $0.011 (eu-west-1), $0.012 (eu-central-1); data "
        "processing up to 1 PB $0.010 per GB in all three. Consistent with the eu-west-1 bill of search index file "
        "55024172321: EU-VpcEndpoint-Hours $352.42 / 34,824 h = $0.01012 = $0.011 x 0.92, where the same account "
        "pays EU-NatGateway-Hours $525.68 / 11,904 h = $0.04416 = $0.048 (list) x 0.92, i.e. 8% below list",
    },
}

# ---------------------------------------------------------------------------------------------- price tables


def _pub(value, unit, source, note=None):
    """A price read from ``source`` on READ_ON."""
    return {"value": value, "unit": unit, "source": source, "status": PUBLISHED, "note": note}


def _derived(value, unit, source, note):
    """A price computed from a published bill, not read from a price list."""
    return {"value": value, "unit": unit, "source": source, "status": DERIVED, "note": note}


def _assumed(value, unit, source, note="not confirmed for this region; the us-east-1 price is used"):
    """NOT confirmed for the region: the us-east-1 value (whose source is given) is used and the estimate says so."""
    return {"value": value, "unit": unit, "source": source, "status": ASSUMED, "note": note}


GB_MONTH = "USD per GB-month"
PER_1000 = "USD per 1,000 requests"
PER_1000_TRANSITIONS = "USD per 1,000 transitions"
PER_100K_OBJECTS = "USD per 100,000 objects per month"
PER_MILLION_REQUESTS = "USD per 1,000,000 requests"
PER_DPU_HOUR = "USD per DPU-hour"
PER_TB = "USD per TB scanned"
PER_GB = "USD per GB"
PER_KEY_MONTH = "USD per key-month"
PER_10K_REQUESTS = "USD per 10,000 requests"
PER_AZ_HOUR = "USD per endpoint per AZ-hour"

# The keys of every region's table. Tiered prices are lists, one entry per tier.
PRICE_KEYS = (
    "s3_standard",
    "s3_standard_ia",
    "s3_glacier_ir",
    "s3_put",
    "s3_get",
    "s3_transition_ia",
    "s3_transition_glacier_ir",
    "glue_catalog_storage",
    "glue_catalog_requests",
    "glue_crawler",
    "athena",
    "firehose_ingest",
    "firehose_format_conversion",
    "kms_key",
    "kms_requests",
    "vpce_hour",
    "vpce_data",
)

# us-east-1: every value read from a source (published).
_US_EAST_1 = {
    "s3_standard": [
        _pub(0.023, GB_MONTH, "s3-us-east-1"),
        _pub(0.022, GB_MONTH, "s3-us-east-1"),
        _pub(0.021, GB_MONTH, "s3-us-east-1"),
    ],
    "s3_standard_ia": _pub(0.0125, GB_MONTH, "s3-us-east-1"),
    "s3_glacier_ir": _pub(0.004, GB_MONTH, "s3-us-east-1"),
    "s3_put": _pub(0.005, PER_1000, "s3-us-east-1"),
    "s3_get": _pub(0.0004, PER_1000, "s3-us-east-1"),
    "s3_transition_ia": _pub(0.01, PER_1000_TRANSITIONS, "s3-us-east-1"),
    "s3_transition_glacier_ir": _pub(0.02, PER_1000_TRANSITIONS, "s3-gir-transition-us-east-1"),
    "glue_catalog_storage": _pub(1.00, PER_100K_OBJECTS, "glue-crawler"),
    "glue_catalog_requests": _pub(1.00, PER_MILLION_REQUESTS, "glue-crawler"),
    "glue_crawler": _pub(0.44, PER_DPU_HOUR, "glue-crawler"),
    "athena": _pub(5.00, PER_TB, "athena-aws"),
    "firehose_ingest": [
        _pub(0.029, PER_GB, "firehose-us-east-1"),
        _pub(0.025, PER_GB, "firehose-us-east-1"),
        _pub(0.020, PER_GB, "firehose-us-east-1", note="AWS quotes 'next 3 PB' and asks to be contacted above 5 PB"),
    ],
    "firehose_format_conversion": _pub(0.018, PER_GB, "firehose-us-east-1"),
    "kms_key": _pub(1.00, PER_KEY_MONTH, "kms-aws"),
    "kms_requests": _pub(0.03, PER_10K_REQUESTS, "kms-requests"),
    "vpce_hour": _pub(0.01, PER_AZ_HOUR, "privatelink-us-east-1"),
    "vpce_data": [
        _pub(0.01, PER_GB, "privatelink-aws"),
        _pub(0.006, PER_GB, "privatelink-aws"),
        _pub(0.004, PER_GB, "privatelink-aws"),
    ],
}

# us-west-2: S3 Standard first and last tiers, interface endpoint hour and first data tier were confirmed from
# Price List records; Standard-IA, PUT, GET and the KMS key are derived from published bills; the rest is NOT
# confirmed for us-west-2 and uses the us-east-1 price (listed as unconfirmed in every estimate).
_US_WEST_2 = {
    "s3_standard": [
        _pub(0.023, GB_MONTH, "s3-us-west-2"),
        _assumed(0.022, GB_MONTH, "s3-us-east-1"),
        _pub(0.021, GB_MONTH, "s3-us-west-2"),
    ],
    "s3_standard_ia": _derived(0.0125, GB_MONTH, "usw2-bill-ia", "2,403 USD / 192,288 GB-month from a bill"),
    "s3_glacier_ir": _assumed(0.004, GB_MONTH, "s3-us-east-1"),
    "s3_put": _derived(
        0.005,
        PER_1000,
        "usw2-bill-s3",
        "9,516 USD / 1.90B requests x 1,000 = 0.00501 and 3,502 USD / 700M x 1,000 = 0.00500 from a bill",
    ),
    "s3_get": _derived(0.0004, PER_1000, "usw2-bill-s3", "1,358 USD / 3.40B requests x 1,000 = 0.000399 from a bill"),
    "s3_transition_ia": _assumed(0.01, PER_1000_TRANSITIONS, "s3-us-east-1"),
    "s3_transition_glacier_ir": _assumed(0.02, PER_1000_TRANSITIONS, "s3-gir-transition-us-east-1"),
    "glue_catalog_storage": _assumed(1.00, PER_100K_OBJECTS, "glue-crawler"),
    "glue_catalog_requests": _assumed(1.00, PER_MILLION_REQUESTS, "glue-crawler"),
    "glue_crawler": _assumed(0.44, PER_DPU_HOUR, "glue-crawler"),
    "athena": _assumed(5.00, PER_TB, "athena-aws"),
    "firehose_ingest": [
        _assumed(0.029, PER_GB, "firehose-us-east-1"),
        _assumed(0.025, PER_GB, "firehose-us-east-1"),
        _assumed(0.020, PER_GB, "firehose-us-east-1"),
    ],
    "firehose_format_conversion": _assumed(0.018, PER_GB, "firehose-us-east-1"),
    "kms_key": _derived(
        1.00,
        PER_KEY_MONTH,
        "usw2-bill-kms",
        "0.0484 USD / 0.048 key-months = 1.008, the quantity rounded to 3 decimals (0.0475-0.0485 gives "
        "0.998-1.019) from a bill",
    ),
    "kms_requests": _assumed(0.03, PER_10K_REQUESTS, "kms-requests"),
    "vpce_hour": _pub(0.01, PER_AZ_HOUR, "privatelink-us-west-2"),
    "vpce_data": [
        _pub(0.01, PER_GB, "privatelink-us-west-2"),
        _assumed(0.006, PER_GB, "privatelink-aws"),
        _assumed(0.004, PER_GB, "privatelink-aws"),
    ],
}

# eu-west-1: S3 Standard first tier, Standard-IA, requests, lifecycle transitions, Athena, the interface endpoint
# hour ($0.011, above us-east-1's) and first data tier confirmed from Price List records; everything else is NOT
# confirmed for eu-west-1 and uses the us-east-1 price.
_EU_WEST_1 = {
    "s3_standard": [
        _pub(0.023, GB_MONTH, "s3-eu-price-list"),
        _assumed(0.022, GB_MONTH, "s3-us-east-1"),
        _assumed(0.021, GB_MONTH, "s3-us-east-1"),
    ],
    "s3_standard_ia": _pub(0.0125, GB_MONTH, "s3-eu-price-list"),
    "s3_glacier_ir": _assumed(0.004, GB_MONTH, "s3-us-east-1"),
    "s3_put": _pub(0.005, PER_1000, "s3-eu-price-list"),
    "s3_get": _pub(0.0004, PER_1000, "s3-eu-price-list"),
    "s3_transition_ia": _pub(0.01, PER_1000_TRANSITIONS, "s3-eu-price-list"),
    "s3_transition_glacier_ir": _pub(0.02, PER_1000_TRANSITIONS, "s3-eu-price-list"),
    "glue_catalog_storage": _assumed(1.00, PER_100K_OBJECTS, "glue-crawler"),
    "glue_catalog_requests": _assumed(1.00, PER_MILLION_REQUESTS, "glue-crawler"),
    "glue_crawler": _assumed(0.44, PER_DPU_HOUR, "glue-crawler"),
    "athena": _pub(5.00, PER_TB, "athena-eu-west-1"),
    "firehose_ingest": [
        _assumed(0.029, PER_GB, "firehose-us-east-1"),
        _assumed(0.025, PER_GB, "firehose-us-east-1"),
        _assumed(0.020, PER_GB, "firehose-us-east-1"),
    ],
    "firehose_format_conversion": _assumed(0.018, PER_GB, "firehose-us-east-1"),
    "kms_key": _assumed(1.00, PER_KEY_MONTH, "kms-aws"),
    "kms_requests": _assumed(0.03, PER_10K_REQUESTS, "kms-requests"),
    "vpce_hour": _pub(0.011, PER_AZ_HOUR, "privatelink-eu-west-1"),
    "vpce_data": [
        _pub(0.01, PER_GB, "privatelink-eu-west-1"),
        _assumed(0.006, PER_GB, "privatelink-aws"),
        _assumed(0.004, PER_GB, "privatelink-aws"),
    ],
}

# eu-central-1: S3 Standard tiers, Standard-IA, Glacier Instant Retrieval ($0.005, above us-east-1's $0.004),
# requests, lifecycle transitions, the KMS key, interface endpoint hour and first data tier confirmed; everything
# else is NOT confirmed for eu-central-1 and uses the us-east-1 price (so it likely understates: the confirmed
# Frankfurt prices are equal to or above us-east-1's).
_EU_CENTRAL_1 = {
    "s3_standard": [
        _pub(0.0245, GB_MONTH, "s3-eu-central-1"),
        _pub(0.0235, GB_MONTH, "s3-eu-central-1"),
        _pub(0.0225, GB_MONTH, "s3-eu-central-1"),
    ],
    "s3_standard_ia": _pub(0.0135, GB_MONTH, "s3-eu-price-list"),
    "s3_glacier_ir": _pub(0.005, GB_MONTH, "s3-gir-eu-central-1"),
    "s3_put": _pub(0.0054, PER_1000, "s3-eu-central-1"),
    "s3_get": _pub(0.00043, PER_1000, "s3-eu-central-1", note="$0.0043 per 10,000"),
    "s3_transition_ia": _pub(0.01, PER_1000_TRANSITIONS, "s3-eu-price-list"),
    "s3_transition_glacier_ir": _pub(0.02, PER_1000_TRANSITIONS, "s3-eu-price-list"),
    "glue_catalog_storage": _assumed(1.00, PER_100K_OBJECTS, "glue-crawler"),
    "glue_catalog_requests": _assumed(1.00, PER_MILLION_REQUESTS, "glue-crawler"),
    "glue_crawler": _assumed(0.44, PER_DPU_HOUR, "glue-crawler"),
    "athena": _assumed(5.00, PER_TB, "athena-aws"),
    "firehose_ingest": [
        _assumed(0.029, PER_GB, "firehose-us-east-1"),
        _assumed(0.025, PER_GB, "firehose-us-east-1"),
        _assumed(0.020, PER_GB, "firehose-us-east-1"),
    ],
    "firehose_format_conversion": _assumed(0.018, PER_GB, "firehose-us-east-1"),
    "kms_key": _pub(1.00, PER_KEY_MONTH, "kms-eu-central-1", note="CUR: $0.0013889/h x 720 h = $1.00"),
    "kms_requests": _assumed(0.03, PER_10K_REQUESTS, "kms-requests"),
    "vpce_hour": _pub(0.012, PER_AZ_HOUR, "privatelink-eu-central-1"),
    "vpce_data": [
        _pub(0.01, PER_GB, "privatelink-eu-central-1"),
        _assumed(0.006, PER_GB, "privatelink-aws"),
        _assumed(0.004, PER_GB, "privatelink-aws"),
    ],
}

# ap-southeast-1: most values confirmed from Price List records; Firehose, the Standard-IA transition and the
# upper interface-endpoint data tiers are NOT confirmed for ap-southeast-1 and use the us-east-1 price.
_AP_SOUTHEAST_1 = {
    "s3_standard": [
        _pub(0.025, GB_MONTH, "aps1-price-list"),
        _pub(0.024, GB_MONTH, "aps1-s3-tiers"),
        _pub(0.023, GB_MONTH, "aps1-s3-tiers"),
    ],
    "s3_standard_ia": _pub(0.0138, GB_MONTH, "aps1-price-list"),
    "s3_glacier_ir": _pub(0.005, GB_MONTH, "aps1-price-list"),
    "s3_put": _pub(0.005, PER_1000, "aps1-price-list"),
    "s3_get": _pub(0.0004, PER_1000, "aps1-price-list", note="$0.004 per 10,000"),
    "s3_transition_ia": _assumed(0.01, PER_1000_TRANSITIONS, "s3-us-east-1"),
    "s3_transition_glacier_ir": _derived(
        0.02,
        PER_1000_TRANSITIONS,
        "aps1-s3-tiers",
        "the Glacier IR PUT price; in us-east-1 the GIR transition and PUT prices are equal ($0.02)",
    ),
    "glue_catalog_storage": _pub(1.00, PER_100K_OBJECTS, "aps1-price-list", note="$0.00001 per object-month"),
    "glue_catalog_requests": _pub(1.00, PER_MILLION_REQUESTS, "aps1-price-list", note="$0.000001 per request"),
    "glue_crawler": _pub(0.44, PER_DPU_HOUR, "aps1-price-list"),
    "athena": _pub(5.00, PER_TB, "aps1-price-list"),
    "firehose_ingest": [
        _assumed(0.029, PER_GB, "firehose-us-east-1"),
        _assumed(0.025, PER_GB, "firehose-us-east-1"),
        _assumed(0.020, PER_GB, "firehose-us-east-1"),
    ],
    "firehose_format_conversion": _assumed(0.018, PER_GB, "firehose-us-east-1"),
    "kms_key": _pub(1.00, PER_KEY_MONTH, "aps1-price-list"),
    "kms_requests": _pub(0.03, PER_10K_REQUESTS, "aps1-price-list", note="$0.000003 per request"),
    "vpce_hour": _pub(0.013, PER_AZ_HOUR, "aps1-price-list"),
    "vpce_data": [
        _pub(0.01, PER_GB, "aps1-price-list"),
        _assumed(0.006, PER_GB, "privatelink-aws"),
        _assumed(0.004, PER_GB, "privatelink-aws"),
    ],
}

PRICE_TABLES = {
    "us-east-1": _US_EAST_1,
    "us-west-2": _US_WEST_2,
    "eu-west-1": _EU_WEST_1,
    "eu-central-1": _EU_CENTRAL_1,
    "ap-southeast-1": _AP_SOUTHEAST_1,
}
SUPPORTED_REGIONS = tuple(PRICE_TABLES)


class PricingError(ValueError):
    """An input the estimate cannot be computed from (unknown region, unknown usage key, bad value...)."""


class BudgetExceeded(PricingError):
    """The estimate is above the budget."""


def price_table(region):
    """A copy of the price table of ``region``; an unknown region is an error, never a fallback."""
    if region not in PRICE_TABLES:
        raise PricingError(f"no price table for region {region!r}; supported regions: {', '.join(SUPPORTED_REGIONS)}")
    return copy.deepcopy(PRICE_TABLES[region])


# ---------------------------------------------------------------------------------------------- usage

# Every usage key, per month. None means "not given" for the alternative forms (Athena, Firehose) and "follow
# the configuration" for firehose_format_conversion.
USAGE_KEYS = {
    "s3_standard_gb": "GB stored in S3 Standard in the data bucket (average over the month)",
    "s3_access_logs_gb": "GB of server access logs stored in the log bucket (S3 Standard)",
    "s3_standard_ia_gb": "GB in S3 Standard-IA after lifecycle transitions",
    "s3_glacier_ir_gb": "GB in S3 Glacier Instant Retrieval after lifecycle transitions",
    "s3_lifecycle_transitions_ia": "objects transitioned to Standard-IA in the month",
    "s3_lifecycle_transitions_glacier_ir": "objects transitioned to Glacier Instant Retrieval in the month",
    "s3_put_requests": "PUT, COPY, POST and LIST requests",
    "s3_get_requests": "GET and all other requests",
    "glue_catalog_objects": "objects stored in the Glue Data Catalog (databases, tables, partitions, ...)",
    "glue_catalog_requests": "Glue Data Catalog requests",
    "crawler_runs_per_month": "crawler runs",
    "crawler_minutes_per_run": "minutes one crawl runs",
    "crawler_dpus": "DPUs a crawl uses",
    "athena_queries_per_month": "Athena queries",
    "athena_mb_per_query": "MB one query scans (rounded up per query, 10 MB minimum)",
    "athena_tb_scanned_per_month": "TB scanned in the month (instead of queries x MB; no per-query rounding)",
    "firehose_records_per_month": "records put into the delivery stream",
    "firehose_avg_record_bytes": "average record size in bytes (each record billed in 5 KB steps)",
    "firehose_gb_ingested_per_month": "billed GB ingested (instead of records x size; no 5 KB rounding)",
    "firehose_format_conversion": "whether records are converted to Parquet (default: ingest_format_conversion)",
    "kms_requests_per_month": "KMS requests (encrypt, decrypt, generate data key) for the lake's key",
    "vpc_endpoint_gb_processed": "GB processed by all interface endpoints of the region together",
}

ATHENA_PER_QUERY_KEYS = ("athena_queries_per_month", "athena_mb_per_query")
ATHENA_TOTAL_KEY = "athena_tb_scanned_per_month"
FIREHOSE_PER_RECORD_KEYS = ("firehose_records_per_month", "firehose_avg_record_bytes")
FIREHOSE_TOTAL_KEY = "firehose_gb_ingested_per_month"

# The three documented scenarios (per month). docs/cost-estimation.md shows what each costs.
SCENARIOS = {
    # light: a dev/test lake - 100 GB of data, a few people querying, a daily crawl, a trickle of events.
    "light": {
        "s3_standard_gb": 100,
        "s3_access_logs_gb": 1,
        "s3_standard_ia_gb": 0,
        "s3_glacier_ir_gb": 0,
        "s3_lifecycle_transitions_ia": 0,
        "s3_lifecycle_transitions_glacier_ir": 0,
        "s3_put_requests": 100_000,
        "s3_get_requests": 1_000_000,
        "glue_catalog_objects": 1_000,
        "glue_catalog_requests": 100_000,
        "crawler_runs_per_month": 30,
        "crawler_minutes_per_run": 2,
        "crawler_dpus": 2,
        "athena_queries_per_month": 1_000,
        "athena_mb_per_query": 50,
        "athena_tb_scanned_per_month": None,
        "firehose_records_per_month": 1_000_000,
        "firehose_avg_record_bytes": 1_000,
        "firehose_gb_ingested_per_month": None,
        "firehose_format_conversion": None,
        "kms_requests_per_month": 50_000,
        "vpc_endpoint_gb_processed": 5,
    },
    # medium: a small production lake - 5 TB hot, 10 TB infrequent, 20 TB archive, BI queries all day.
    "medium": {
        "s3_standard_gb": 5 * GB_PER_TB,
        "s3_access_logs_gb": 50,
        "s3_standard_ia_gb": 10 * GB_PER_TB,
        "s3_glacier_ir_gb": 20 * GB_PER_TB,
        "s3_lifecycle_transitions_ia": 1_000_000,
        "s3_lifecycle_transitions_glacier_ir": 500_000,
        "s3_put_requests": 10_000_000,
        "s3_get_requests": 100_000_000,
        "glue_catalog_objects": 500_000,
        "glue_catalog_requests": 2_000_000,
        "crawler_runs_per_month": 30,
        "crawler_minutes_per_run": 15,
        "crawler_dpus": 10,
        "athena_queries_per_month": 20_000,
        "athena_mb_per_query": 500,
        "athena_tb_scanned_per_month": None,
        "firehose_records_per_month": 100_000_000,
        "firehose_avg_record_bytes": 2_000,
        "firehose_gb_ingested_per_month": None,
        "firehose_format_conversion": None,
        "kms_requests_per_month": 5_000_000,
        "vpc_endpoint_gb_processed": 500,
    },
    # heavy: a large production lake - 200 TB hot, 500 TB infrequent, 1 PB archive, hourly crawls, billions of
    # events a month.
    "heavy": {
        "s3_standard_gb": 200 * GB_PER_TB,
        "s3_access_logs_gb": 1 * GB_PER_TB,
        "s3_standard_ia_gb": 500 * GB_PER_TB,
        "s3_glacier_ir_gb": 1024 * GB_PER_TB,
        "s3_lifecycle_transitions_ia": 50_000_000,
        "s3_lifecycle_transitions_glacier_ir": 20_000_000,
        "s3_put_requests": 500_000_000,
        "s3_get_requests": 5_000_000_000,
        "glue_catalog_objects": 5_000_000,
        "glue_catalog_requests": 50_000_000,
        "crawler_runs_per_month": 720,
        "crawler_minutes_per_run": 25,
        "crawler_dpus": 10,
        "athena_queries_per_month": 500_000,
        "athena_mb_per_query": 2_048,
        "athena_tb_scanned_per_month": None,
        "firehose_records_per_month": 5_000_000_000,
        "firehose_avg_record_bytes": 3_000,
        "firehose_gb_ingested_per_month": None,
        "firehose_format_conversion": None,
        "kms_requests_per_month": 200_000_000,
        "vpc_endpoint_gb_processed": 20 * GB_PER_TB,
    },
}


def _check_number(key, value):
    if isinstance(value, bool):
        raise PricingError(f"usage key {key!r} must be a number, got {value!r}")
    if not isinstance(value, (int, float)):
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise PricingError(f"usage key {key!r} must be a number, got {value!r}") from None
    if math.isnan(value) or math.isinf(value) or value < 0:
        raise PricingError(f"usage key {key!r} must be a finite number >= 0, got {value!r}")
    return value


def to_bool(name, value):
    """Strict boolean conversion of a configuration or usage value (YAML and string forms)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "1"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "no", "off", "0"):
        return False
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise PricingError(f"{name!r} must be a boolean, got {value!r}")


def merge_usage(base, extra):
    """``base`` usage overrides with ``extra`` applied; a form of Athena or Firehose usage given in ``extra``
    replaces the other form in ``base``."""
    merged = dict(base or {})
    extra = dict(extra or {})
    for total_key, per_keys in (
        (ATHENA_TOTAL_KEY, ATHENA_PER_QUERY_KEYS),
        (FIREHOSE_TOTAL_KEY, FIREHOSE_PER_RECORD_KEYS),
    ):
        if extra.get(total_key) is not None:
            for key in per_keys:
                merged.pop(key, None)
        if any(extra.get(key) is not None for key in per_keys):
            merged.pop(total_key, None)
    merged.update(extra)
    return merged


def resolve_usage(scenario, overrides=None):
    """The usage of ``scenario`` with ``overrides`` applied; unknown keys are an error naming the key.

    ``scenario`` may be None or ``"none"``: then every key not in ``overrides`` is 0 (a lake with no usage).
    Giving the total form of Athena or Firehose usage in ``overrides`` replaces the scenario's per-query or
    per-record form (and the other way round); giving both forms in ``overrides`` is an error.
    """
    overrides = dict(overrides or {})
    unknown = sorted(key for key in overrides if key not in USAGE_KEYS)
    if unknown:
        raise PricingError(
            f"unknown usage key {unknown[0]!r}"
            + (f" (and {', '.join(repr(k) for k in unknown[1:])})" if len(unknown) > 1 else "")
            + f"; valid keys: {', '.join(USAGE_KEYS)}"
        )
    if scenario is None or scenario == "none":
        usage = {key: None for key in USAGE_KEYS}
    elif scenario in SCENARIOS:
        usage = dict(SCENARIOS[scenario])
    else:
        raise PricingError(f"unknown usage scenario {scenario!r}; scenarios: {', '.join(SCENARIOS)}, none")

    for total_key, per_keys in (
        (ATHENA_TOTAL_KEY, ATHENA_PER_QUERY_KEYS),
        (FIREHOSE_TOTAL_KEY, FIREHOSE_PER_RECORD_KEYS),
    ):
        given_total = overrides.get(total_key) is not None
        given_per = any(overrides.get(key) is not None for key in per_keys)
        if given_total and given_per:
            raise PricingError(f"give either {total_key!r} or {' and '.join(repr(k) for k in per_keys)}, not both")
        if given_total:
            for key in per_keys:
                usage[key] = None
        if given_per:
            usage[total_key] = None
    usage.update(overrides)

    resolved = {}
    for key in USAGE_KEYS:
        value = usage.get(key)
        if key == "firehose_format_conversion":
            resolved[key] = None if value is None else to_bool(key, value)
        elif value is None:
            resolved[key] = (
                None
                if key in (ATHENA_TOTAL_KEY, FIREHOSE_TOTAL_KEY) + ATHENA_PER_QUERY_KEYS + FIREHOSE_PER_RECORD_KEYS
                else 0
            )
        else:
            resolved[key] = _check_number(key, value)
    return resolved


# ---------------------------------------------------------------------------------------------- configuration

# The lake variables (docs/lake-configuration.md) the estimate reads, with their documented defaults.
LAKE_DEFAULTS = {
    "datalake_name": None,
    "datalake_region": "us-east-1",
    "network_enabled": False,
    "network_vpc_id": "",
    "network_subnet_ids": [],
    "network_default_vpc_azs": 2,
    "network_gateway_services": ["s3"],
    "network_interface_services": ["glue", "athena", "kms", "firehose", "sts"],
    "encryption_enabled": False,
    "storage_access_logging": True,
    "storage_lifecycle_preset": "data_lake",
    "crawl_enabled": False,
    "ingest_enabled": False,
    "ingest_format_conversion": False,
    "query_enabled": True,
    "governance_enabled": False,
}
LAKE_VARIABLES = tuple(LAKE_DEFAULTS)
_BOOL_VARIABLES = (
    "network_enabled",
    "encryption_enabled",
    "storage_access_logging",
    "crawl_enabled",
    "ingest_enabled",
    "ingest_format_conversion",
    "query_enabled",
    "governance_enabled",
)
_LIST_VARIABLES = ("network_subnet_ids", "network_gateway_services", "network_interface_services")


def normalize_config(config):
    """The lake configuration with documented defaults filled in and values type-checked."""
    config = dict(config or {})
    lake = {}
    for name, default in LAKE_DEFAULTS.items():
        value = config.get(name)
        if value is None:
            value = copy.deepcopy(default)
        if name in _BOOL_VARIABLES:
            value = to_bool(name, value)
        elif name in _LIST_VARIABLES:
            if isinstance(value, str) or not isinstance(value, (list, tuple)):
                raise PricingError(f"{name!r} must be a list, got {value!r}")
            value = list(value)
        elif name in ("datalake_region", "storage_lifecycle_preset") and not isinstance(value, str):
            raise PricingError(f"{name!r} must be a string, got {value!r}")
        lake[name] = value
    return lake


# ---------------------------------------------------------------------------------------------- formatting


def fmt_number(value):
    """1234567.5 -> '1,234,567.5'; integers without decimals; at most 6 significant decimals."""
    if float(value).is_integer():
        return f"{int(value):,}"
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    return text


def fmt_usd(value):
    return f"${value:,.2f}"


def fmt_price(value):
    """A unit price with every significant decimal and at least two: 0.0125 -> '$0.0125', 1 -> '$1.00'."""
    text = f"{value:.10f}".rstrip("0")
    decimals = len(text.split(".")[1])
    if decimals < 2:
        text = f"{value:.2f}"
    return "$" + text


# ---------------------------------------------------------------------------------------------- the estimate

LINE_ORDER = (
    "s3_storage",
    "s3_requests",
    "s3_lifecycle",
    "glue_catalog_storage",
    "glue_catalog_requests",
    "glue_crawler",
    "athena",
    "firehose",
    "kms",
    "vpc_endpoints",
)


def _value(price):
    return price["value"]


def tiered(quantity, tiers, prices, names):
    """Split ``quantity`` over tier sizes (None = unbounded) -> [(name, amount, price entry)] of the used tiers."""
    parts = []
    remaining = quantity
    for size, price, name in zip(tiers, prices, names):
        amount = remaining if size is None else min(remaining, size)
        if amount > 0 or not parts:
            parts.append((name, amount, price))
        remaining -= amount
        if remaining <= 0:
            break
    return parts


def _component(item, quantity, unit, price, price_per, billed_quantity, cost, arithmetic):
    return {
        "item": item,
        "quantity": quantity,
        "unit": unit,
        "unit_price_usd": price["value"],
        "price_unit": price["unit"],
        "price_per": price_per,
        "billed_quantity": billed_quantity,
        "monthly_usd": cost,
        "arithmetic": arithmetic,
        "price_source": price["source"],
        "price_status": price["status"],
    }


def _line(service, components, notes=None, enabled=True, reason=None, main_price=None, main_unit=None):
    cost = sum(component["monthly_usd"] for component in components)
    if components:
        first = components[0]
        quantity, unit, unit_price, price_unit = (
            first["quantity"],
            first["unit"],
            first["unit_price_usd"],
            first["price_unit"],
        )
        arithmetic = "; ".join(component["arithmetic"] for component in components)
        if len(components) > 1:
            arithmetic += f"; total {fmt_usd(cost)}"
    else:
        quantity, unit = 0, main_unit
        unit_price, price_unit = main_price["value"], main_price["unit"]
        arithmetic = f"not deployed: {reason} -> $0.00"
    return {
        "service": service,
        "enabled": enabled,
        "quantity": quantity,
        "unit": unit,
        "unit_price_usd": unit_price,
        "price_unit": price_unit,
        "monthly_usd": round(cost, 2),
        "exact_monthly_usd": cost,
        "arithmetic": arithmetic,
        "components": components,
        "notes": list(notes or []),
    }


def _s3_storage(lake, usage, prices):
    notes = []
    data_gb = usage["s3_standard_gb"]
    logs_gb = usage["s3_access_logs_gb"] if lake["storage_access_logging"] else 0
    ia_gb, gir_gb = usage["s3_standard_ia_gb"], usage["s3_glacier_ir_gb"]
    parts = [f"data {fmt_number(data_gb)}"]
    if lake["storage_access_logging"]:
        parts.append(f"access logs {fmt_number(logs_gb)}")
        notes.append("access-log delivery is free; the logs' storage is counted in S3 Standard")
    else:
        notes.append("storage_access_logging is false: no access-log storage")
    if lake["storage_lifecycle_preset"] == "none" and (ia_gb or gir_gb):
        parts.append(f"not transitioned (lifecycle preset none) {fmt_number(ia_gb + gir_gb)}")
        notes.append("storage_lifecycle_preset is none: the Standard-IA and Glacier IR GB stay in S3 Standard")
        data_gb += ia_gb + gir_gb
        ia_gb = gir_gb = 0
    total = data_gb + logs_gb
    components = []
    tiers = tiered(total, S3_STANDARD_TIERS_GB, prices["s3_standard"], S3_STANDARD_TIER_NAMES)
    for index, (name, amount, price) in enumerate(tiers):
        cost = amount * _value(price)
        prefix = f"S3 Standard {fmt_number(total)} GB ({' + '.join(parts)}) on the lake's total; " if index == 0 else ""
        components.append(
            _component(
                f"S3 Standard, {name}",
                amount,
                "GB-month",
                price,
                1,
                amount,
                cost,
                f"{prefix}{name}: {fmt_number(amount)} GB x {fmt_price(_value(price))} = {fmt_usd(cost)}",
            )
        )
    for item, amount, key in (
        ("S3 Standard-IA", ia_gb, "s3_standard_ia"),
        ("S3 Glacier Instant Retrieval", gir_gb, "s3_glacier_ir"),
    ):
        if amount:
            price = prices[key]
            cost = amount * _value(price)
            components.append(
                _component(
                    item,
                    amount,
                    "GB-month",
                    price,
                    1,
                    amount,
                    cost,
                    f"{item} {fmt_number(amount)} GB x {fmt_price(_value(price))} = {fmt_usd(cost)}",
                )
            )
    return _line("s3_storage", components, notes)


def _per_unit(item, quantity, unit, price, per, free=0, free_label="free"):
    billable = max(0, quantity - free)
    cost = billable / per * _value(price)
    if free:
        text = (
            f"{item}: ({fmt_number(quantity)} - {fmt_number(free)} {free_label}) = {fmt_number(billable)} / "
            f"{fmt_number(per)} x {fmt_price(_value(price))} = {fmt_usd(cost)}"
        )
    elif per == 1:
        text = f"{item}: {fmt_number(quantity)} {unit} x {fmt_price(_value(price))} = {fmt_usd(cost)}"
    else:
        text = f"{item}: {fmt_number(quantity)} / {fmt_number(per)} x {fmt_price(_value(price))} = {fmt_usd(cost)}"
    return _component(item, quantity, unit, price, per, billable, cost, text)


def _s3_requests(lake, usage, prices):
    components = [
        _per_unit(
            "PUT, COPY, POST, LIST requests",
            usage["s3_put_requests"],
            "requests",
            prices["s3_put"],
            S3_REQUESTS_PER_PRICE_UNIT,
        ),
        _per_unit(
            "GET and other requests", usage["s3_get_requests"], "requests", prices["s3_get"], S3_REQUESTS_PER_PRICE_UNIT
        ),
    ]
    return _line("s3_requests", components)


def _s3_lifecycle(lake, usage, prices):
    if lake["storage_lifecycle_preset"] == "none":
        return _line(
            "s3_lifecycle",
            [],
            enabled=False,
            reason="storage_lifecycle_preset is none",
            main_price=prices["s3_transition_ia"],
            main_unit="transitions",
        )
    components = [
        _per_unit(
            "Transitions to Standard-IA",
            usage["s3_lifecycle_transitions_ia"],
            "transitions",
            prices["s3_transition_ia"],
            S3_REQUESTS_PER_PRICE_UNIT,
        ),
        _per_unit(
            "Transitions to Glacier Instant Retrieval",
            usage["s3_lifecycle_transitions_glacier_ir"],
            "transitions",
            prices["s3_transition_glacier_ir"],
            S3_REQUESTS_PER_PRICE_UNIT,
        ),
    ]
    return _line("s3_lifecycle", components, [f"lifecycle preset {lake['storage_lifecycle_preset']}"])


def _glue_catalog_storage(lake, usage, prices):
    component = _per_unit(
        "Data Catalog objects",
        usage["glue_catalog_objects"],
        "objects",
        prices["glue_catalog_storage"],
        GLUE_OBJECTS_PER_PRICE_UNIT,
        free=GLUE_FREE_OBJECTS,
        free_label="free",
    )
    return _line("glue_catalog_storage", [component])


def _glue_catalog_requests(lake, usage, prices):
    component = _per_unit(
        "Data Catalog requests",
        usage["glue_catalog_requests"],
        "requests",
        prices["glue_catalog_requests"],
        GLUE_REQUESTS_PER_PRICE_UNIT,
        free=GLUE_FREE_REQUESTS,
        free_label="free",
    )
    return _line("glue_catalog_requests", [component])


def _glue_crawler(lake, usage, prices):
    price = prices["glue_crawler"]
    if not lake["crawl_enabled"]:
        return _line(
            "glue_crawler", [], enabled=False, reason="crawl_enabled is false", main_price=price, main_unit="DPU-hours"
        )
    runs, minutes, dpus = usage["crawler_runs_per_month"], usage["crawler_minutes_per_run"], usage["crawler_dpus"]
    seconds = math.ceil(minutes * 60)
    billed_seconds = max(seconds, CRAWLER_MINIMUM_SECONDS) if runs else 0
    dpu_hours = runs * dpus * billed_seconds / 3600
    cost = dpu_hours * _value(price)
    text = (
        f"{fmt_number(runs)} crawls x {fmt_number(dpus)} DPU x {fmt_number(billed_seconds)} s billed per crawl "
        f"({fmt_number(seconds)} s run, 600 s minimum) = {fmt_number(dpu_hours)} DPU-hours x "
        f"{fmt_price(_value(price))} = {fmt_usd(cost)}"
    )
    return _line(
        "glue_crawler", [_component("Crawler DPU-hours", dpu_hours, "DPU-hours", price, 1, dpu_hours, cost, text)]
    )


def _athena(lake, usage, prices):
    price = prices["athena"]
    if not lake["query_enabled"]:
        return _line(
            "athena", [], enabled=False, reason="query_enabled is false", main_price=price, main_unit="TB scanned"
        )
    if usage[ATHENA_TOTAL_KEY] is not None:
        tb = usage[ATHENA_TOTAL_KEY]
        cost = tb * _value(price)
        text = (
            f"{fmt_number(tb)} TB scanned (given as a monthly total: per-query rounding not applied) x "
            f"{fmt_price(_value(price))} = {fmt_usd(cost)}"
        )
        return _line("athena", [_component("Data scanned", tb, "TB", price, 1, tb, cost, text)])
    queries = usage["athena_queries_per_month"] or 0
    mb = usage["athena_mb_per_query"] or 0
    billed_mb = max(math.ceil(mb), ATHENA_MINIMUM_MB) if queries else 0
    tb = queries * billed_mb / MB_PER_TB
    cost = tb * _value(price)
    text = (
        f"{fmt_number(queries)} queries x {fmt_number(billed_mb)} MB billed per query ({fmt_number(mb)} MB rounded up "
        f"to the MB, 10 MB minimum) = {fmt_number(queries * billed_mb)} MB = {fmt_number(tb)} TB x "
        f"{fmt_price(_value(price))} = {fmt_usd(cost)}"
    )
    return _line("athena", [_component("Data scanned", tb, "TB", price, 1, tb, cost, text)])


def _firehose(lake, usage, prices):
    if not lake["ingest_enabled"]:
        return _line(
            "firehose",
            [],
            enabled=False,
            reason="ingest_enabled is false",
            main_price=prices["firehose_ingest"][0],
            main_unit="GB ingested",
        )
    if usage[FIREHOSE_TOTAL_KEY] is not None:
        billed_gb = usage[FIREHOSE_TOTAL_KEY]
        basis = f"{fmt_number(billed_gb)} GB (given as billed GB: 5 KB rounding not applied)"
    else:
        records = usage["firehose_records_per_month"] or 0
        size = usage["firehose_avg_record_bytes"] or 0
        billed_bytes = math.ceil(size / FIREHOSE_RECORD_INCREMENT_BYTES) * FIREHOSE_RECORD_INCREMENT_BYTES
        billed_gb = records * billed_bytes / BYTES_PER_GB
        basis = (
            f"{fmt_number(records)} records x {fmt_number(billed_bytes)} bytes billed each ({fmt_number(size)} bytes "
            f"rounded up to a multiple of 5 KB = 5,120 bytes) / 2^30 = {fmt_number(billed_gb)} GB"
        )
    components = []
    for index, (name, amount, price) in enumerate(
        tiered(billed_gb, FIREHOSE_TIERS_GB, prices["firehose_ingest"], FIREHOSE_TIER_NAMES)
    ):
        cost = amount * _value(price)
        prefix = f"Direct PUT ingestion {basis}; " if index == 0 else ""
        components.append(
            _component(
                f"Ingestion, {name}",
                amount,
                "GB",
                price,
                1,
                amount,
                cost,
                f"{prefix}{name}: {fmt_number(amount)} GB x {fmt_price(_value(price))} = {fmt_usd(cost)}",
            )
        )
    conversion = usage["firehose_format_conversion"]
    if conversion is None:
        conversion = lake["ingest_format_conversion"]
    if conversion:
        price = prices["firehose_format_conversion"]
        cost = billed_gb * _value(price)
        components.append(
            _component(
                "Format conversion",
                billed_gb,
                "GB",
                price,
                1,
                billed_gb,
                cost,
                f"format conversion on the same billed {fmt_number(billed_gb)} GB x {fmt_price(_value(price))} = "
                f"{fmt_usd(cost)}",
            )
        )
    return _line("firehose", components)


def _kms(lake, usage, prices):
    if not lake["encryption_enabled"]:
        return _line(
            "kms",
            [],
            enabled=False,
            reason="encryption_enabled is false (SSE-S3, no customer key)",
            main_price=prices["kms_key"],
            main_unit="key-months",
        )
    key_price = prices["kms_key"]
    keys = 1
    key_cost = keys * _value(key_price)
    components = [
        _component(
            "Customer-managed key",
            keys,
            "key-months",
            key_price,
            1,
            keys,
            key_cost,
            f"{keys} key x {fmt_price(_value(key_price))} per key-month = {fmt_usd(key_cost)}",
        ),
        _per_unit(
            "Requests",
            usage["kms_requests_per_month"],
            "requests",
            prices["kms_requests"],
            KMS_REQUESTS_PER_PRICE_UNIT,
            free=KMS_FREE_REQUESTS,
            free_label="free",
        ),
    ]
    return _line(
        "kms", components, ["the 20,000 free requests are per account across regions; counted here for the lake"]
    )


def _vpc_endpoints(lake, usage, prices):
    hour_price = prices["vpce_hour"]
    if not lake["network_enabled"]:
        return _line(
            "vpc_endpoints",
            [],
            enabled=False,
            reason="network_enabled is false",
            main_price=hour_price,
            main_unit="endpoint-AZ-hours",
        )
    interface = lake["network_interface_services"]
    gateway = lake["network_gateway_services"]
    azs = len(lake["network_subnet_ids"])
    if not azs and lake["network_vpc_id"] == "default":
        # The network role puts the endpoints into the default VPC's first network_default_vpc_azs subnets.
        azs = int(lake["network_default_vpc_azs"])
    if interface and not azs:
        raise PricingError(
            "network_enabled is true but network_subnet_ids is empty: interface endpoints need "
            "one subnet per Availability Zone"
        )
    hours = len(interface) * azs * HOURS_PER_MONTH
    hour_cost = hours * _value(hour_price)
    components = [
        _component(
            "Interface endpoint hours",
            hours,
            "endpoint-AZ-hours",
            hour_price,
            1,
            hours,
            hour_cost,
            f"{len(interface)} interface endpoints ({', '.join(interface) or 'none'}) x {azs} AZs x "
            f"{HOURS_PER_MONTH} h = {fmt_number(hours)} endpoint-AZ-hours x {fmt_price(_value(hour_price))} = "
            f"{fmt_usd(hour_cost)}",
        )
    ]
    gb = usage["vpc_endpoint_gb_processed"] if interface else 0
    for index, (name, amount, price) in enumerate(
        tiered(gb, VPCE_DATA_TIERS_GB, prices["vpce_data"], VPCE_DATA_TIER_NAMES)
    ):
        cost = amount * _value(price)
        prefix = (
            f"data processed by the region's interface endpoints together {fmt_number(gb)} GB; " if index == 0 else ""
        )
        components.append(
            _component(
                f"Data processed, {name}",
                amount,
                "GB",
                price,
                1,
                amount,
                cost,
                f"{prefix}{name}: {fmt_number(amount)} GB x {fmt_price(_value(price))} = {fmt_usd(cost)}",
            )
        )
    notes = []
    if gateway:
        notes.append(f"gateway endpoints ({', '.join(gateway)}) are free")
    return _line("vpc_endpoints", components, notes)


_LINE_BUILDERS = {
    "s3_storage": _s3_storage,
    "s3_requests": _s3_requests,
    "s3_lifecycle": _s3_lifecycle,
    "glue_catalog_storage": _glue_catalog_storage,
    "glue_catalog_requests": _glue_catalog_requests,
    "glue_crawler": _glue_crawler,
    "athena": _athena,
    "firehose": _firehose,
    "kms": _kms,
    "vpc_endpoints": _vpc_endpoints,
}


def _flatten(prices):
    for key in PRICE_KEYS:
        entry = prices[key]
        if isinstance(entry, list):
            for index, price in enumerate(entry):
                yield f"{key}[{index}]", price
        else:
            yield key, entry


def price_table_summary(region, prices):
    """Date, sources (URL and read date) and every price that is not confirmed for the region."""
    used = sorted({price["source"] for _key, price in _flatten(prices)})
    sources = []
    for source_id in used:
        if source_id == "aws-price-list-api":
            read_on = sorted({price["read_on"] for _key, price in _flatten(prices) if price["source"] == source_id})
            sources.append(
                {
                    "id": source_id,
                    "url": "AWS Price List API (pricing:GetProducts)",
                    "official": "https://aws.amazon.com/pricing/",
                    "read_on": ", ".join(read_on),
                    "says": f"prices of {region} fetched from the Price List API",
                }
            )
            continue
        source = SOURCES[source_id]
        sources.append(
            {
                "id": source_id,
                "url": source["url"],
                "official": source["official"],
                "read_on": source["read_on"],
                "says": source["says"],
            }
        )
    unconfirmed = [
        f"{key} {fmt_price(price['value'])} ({price['unit']}): {price['status']} - {price['note']}"
        for key, price in _flatten(prices)
        if price["status"] in (ASSUMED, DERIVED)
    ]
    fresh = [key for key, price in _flatten(prices) if price["status"] == PRICE_LIST_API]
    return {
        "region": region,
        "date": PRICE_TABLE_DATE,
        "sources": sources,
        "unconfirmed": unconfirmed,
        "fresh_prices": fresh,
    }


def estimate(config, usage, region=None, prices=None, scenario=None):
    """The monthly estimate of a lake: ``config`` (lake variables), resolved ``usage``, region and price table."""
    lake = normalize_config(config)
    region = region or lake["datalake_region"]
    if prices is None:
        prices = price_table(region)
    lines = [_LINE_BUILDERS[name](lake, usage, prices) for name in LINE_ORDER]
    exact_total = sum(line["exact_monthly_usd"] for line in lines)
    notes = []
    for line in lines:
        notes.extend(f"{line['service']}: {note}" for note in line["notes"])
    if lake["governance_enabled"]:
        notes.append("Lake Formation permissions, settings and LF-tags are free")
    return {
        "scenario": scenario,
        "region": region,
        "currency": "USD",
        "hours_per_month": HOURS_PER_MONTH,
        "lines": lines,
        "total_usd": round(exact_total, 2),
        "exact_total_usd": exact_total,
        "usage": dict(usage),
        "config": lake,
        "price_table": price_table_summary(region, prices),
        "notes": notes,
    }


# ---------------------------------------------------------------------------------------------- diff and budget


def diff_estimates(current, proposed):
    """Line-by-line difference of two estimates: sign '+' (more), '-' (less) or '=' (same), in cents."""
    proposed_lines = {line["service"]: line for line in proposed["lines"]}
    rows = []
    text = []
    for line in current["lines"]:
        before = line["monthly_usd"]
        after = proposed_lines[line["service"]]["monthly_usd"]
        delta = round(after - before, 2)
        sign = "+" if delta > 0 else "-" if delta < 0 else "="
        rows.append(
            {"service": line["service"], "sign": sign, "current_usd": before, "proposed_usd": after, "delta_usd": delta}
        )
        change = ("+" if delta >= 0 else "-") + fmt_usd(abs(delta))
        text.append(f"{sign} {line['service']:<22} {fmt_usd(before):>14} -> {fmt_usd(after):>14}  ({change})")
    delta_total = round(proposed["total_usd"] - current["total_usd"], 2)
    sign = "+" if delta_total > 0 else "-" if delta_total < 0 else "="
    text.append(
        f"{sign} {'total':<22} {fmt_usd(current['total_usd']):>14} -> {fmt_usd(proposed['total_usd']):>14}  "
        f"({'+' if delta_total >= 0 else '-'}{fmt_usd(abs(delta_total))})"
    )
    return {
        "lines": rows,
        "current_total_usd": current["total_usd"],
        "proposed_total_usd": proposed["total_usd"],
        "delta_usd": delta_total,
        "text": text,
    }


def biggest_lines(estimate_result, count=3):
    lines = [line for line in estimate_result["lines"] if line["monthly_usd"] > 0]
    lines.sort(key=lambda line: line["exact_monthly_usd"], reverse=True)
    return lines[:count]


def check_budget(estimate_result, budget_usd, budget_name="budget_usd"):
    """Raise BudgetExceeded, naming the biggest lines, when the estimate is above ``budget_usd`` (None = no budget)."""
    if budget_usd is None:
        return
    budget = _check_number(budget_name, budget_usd)
    total = estimate_result["total_usd"]
    if total > budget:
        top = ", ".join(f"{line['service']} {fmt_usd(line['monthly_usd'])}" for line in biggest_lines(estimate_result))
        scenario = estimate_result.get("scenario")
        raise BudgetExceeded(
            f"estimated monthly cost {fmt_usd(total)} (scenario {scenario or 'custom'}, region "
            f"{estimate_result['region']}) exceeds the budget of {fmt_usd(budget)} ({budget_name}) by "
            f"{fmt_usd(total - budget)}; biggest lines: {top}"
        )


# ---------------------------------------------------------------------------------------------- table


def render_table(estimates):
    """The estimates side by side, one column per estimate, one row per line item plus the total."""
    if not estimates:
        return []
    headers = [est.get("scenario") or "custom" for est in estimates]
    width = 22
    col = max(14, max(len(h) for h in headers) + 2)
    rows = [f"{'service':<{width}}" + "".join(f"{h:>{col}}" for h in headers)]
    rows.append("-" * (width + col * len(headers)))
    by_service = [{line["service"]: line for line in est["lines"]} for est in estimates]
    for service in LINE_ORDER:
        cells = []
        for lines in by_service:
            line = lines[service]
            cells.append(fmt_usd(line["monthly_usd"]) if line["enabled"] else "off")
        rows.append(f"{service:<{width}}" + "".join(f"{c:>{col}}" for c in cells))
    rows.append("-" * (width + col * len(headers)))
    rows.append(f"{'total per month':<{width}}" + "".join(f"{fmt_usd(est['total_usd']):>{col}}" for est in estimates))
    first = estimates[0]["price_table"]
    regions = sorted({est["region"] for est in estimates})
    rows.append(
        f"region {', '.join(regions)}; prices read {first['date']}; "
        f"{len(first['unconfirmed'])} prices not confirmed for the region (see price_table.unconfirmed)"
    )
    return rows


# ---------------------------------------------------------------------------------------------- fresh prices

REGION_LOCATION_PREFIX = {
    "us-east-1": "USE1",
    "us-west-2": "USW2",
    "eu-west-1": "EU",
    "eu-central-1": "EUC1",
    "ap-southeast-1": "APS1",
}

# price key -> (ServiceCode, usage type without the region prefix, factor from the API's per-unit price to the
# table's unit). Keys not listed (lifecycle transitions, format conversion) keep their static value and the
# estimate says so. S3 in us-east-1 uses usage types both with and without the USE1- prefix; both are asked.
FRESH_PRICE_KEYS = {
    "s3_standard": ("AmazonS3", "TimedStorage-ByteHrs", 1),
    "s3_standard_ia": ("AmazonS3", "TimedStorage-SIA-ByteHrs", 1),
    "s3_glacier_ir": ("AmazonS3", "TimedStorage-GIR-ByteHrs", 1),
    "s3_put": ("AmazonS3", "Requests-Tier1", S3_REQUESTS_PER_PRICE_UNIT),
    "s3_get": ("AmazonS3", "Requests-Tier2", S3_REQUESTS_PER_PRICE_UNIT),
    "glue_catalog_storage": ("AWSGlue", "Catalog-Storage", GLUE_OBJECTS_PER_PRICE_UNIT),
    "glue_catalog_requests": ("AWSGlue", "Catalog-Request", GLUE_REQUESTS_PER_PRICE_UNIT),
    "glue_crawler": ("AWSGlue", "Crawler-DPU-Hour", 1),
    "athena": ("AmazonAthena", "DataScannedInTB", 1),
    "firehose_ingest": ("AmazonKinesisFirehose", "BilledBytes", 1),
    "kms_key": ("awskms", "KMS-Keys", 1),
    "kms_requests": ("awskms", "KMS-Requests", KMS_REQUESTS_PER_PRICE_UNIT),
    "vpce_hour": ("AmazonVPC", "VpcEndpoint-Hours", 1),
    "vpce_data": ("AmazonVPC", "VpcEndpoint-Bytes", 1),
}


def _usage_types(region, suffix, service):
    prefix = REGION_LOCATION_PREFIX[region]
    if service == "awskms":  # KMS usage types are prefixed with the region code: us-east-1-KMS-Keys
        return [f"{region}-{suffix}"]
    names = [f"{prefix}-{suffix}"]
    if region == "us-east-1":
        names.append(suffix)
    return names


def _paid_dimensions(product):
    """The OnDemand price dimensions of one Price List product, sorted by beginRange, free tiers dropped."""
    dimensions = []
    for term in product.get("terms", {}).get("OnDemand", {}).values():
        for dimension in term.get("priceDimensions", {}).values():
            usd = float(dimension.get("pricePerUnit", {}).get("USD", "0"))
            begin = float(dimension.get("beginRange", "0"))
            dimensions.append((begin, usd))
    dimensions.sort()
    return [usd for _begin, usd in dimensions if usd > 0]


def fetch_price_list(client, region):
    """Prices of ``region`` from the AWS Price List API (``pricing`` client, endpoint us-east-1).

    Returns {price key: [USD per table unit, one per paid tier]} for the keys it found; keys it did not find
    are left out (the caller keeps the static value and says so).
    """
    if region not in PRICE_TABLES:
        raise PricingError(f"no price table for region {region!r}; supported regions: {', '.join(SUPPORTED_REGIONS)}")
    found = {}
    for key, (service, suffix, factor) in FRESH_PRICE_KEYS.items():
        usage_types = _usage_types(region, suffix, service)
        filters = [
            {"Type": "TERM_MATCH", "Field": "regionCode", "Value": region},
            {"Type": "ANY_OF", "Field": "usagetype", "Value": ",".join(usage_types)},
        ]
        response = client.get_products(ServiceCode=service, Filters=filters, FormatVersion="aws_v1", MaxResults=10)
        for raw in response.get("PriceList", []):
            product = json.loads(raw) if isinstance(raw, str) else raw
            paid = _paid_dimensions(product)
            if paid:
                found[key] = [usd * factor for usd in paid]
                break
    return found


def apply_fresh_prices(region, fetched, fetched_at):
    """The static table of ``region`` with the fetched values put in, each marked as from the Price List API."""
    prices = price_table(region)
    for key, values in fetched.items():
        entry = prices[key]
        if isinstance(entry, list):
            for index, value in enumerate(values[: len(entry)]):
                entry[index] = _fresh(value, entry[index]["unit"], fetched_at)
        else:
            prices[key] = _fresh(values[0], entry["unit"], fetched_at)
    return prices


def _fresh(value, unit, fetched_at):
    return {
        "value": value,
        "unit": unit,
        "source": "aws-price-list-api",
        "status": PRICE_LIST_API,
        "note": f"fetched {fetched_at}",
        "read_on": fetched_at,
    }


def fresh_price_table(region, cache_path, ttl_hours, client_factory, now=None):
    """The price table of ``region`` refreshed from the Price List API, cached in the JSON file ``cache_path``.

    A cache entry younger than ``ttl_hours`` is used without any API call. ``client_factory()`` returns a
    ``pricing`` client; it is only called when the cache is missing or stale.
    """
    if region not in PRICE_TABLES:
        raise PricingError(f"no price table for region {region!r}; supported regions: {', '.join(SUPPORTED_REGIONS)}")
    now = time.time() if now is None else now
    cache = {}
    if cache_path and os.path.exists(cache_path):
        try:
            with open(cache_path, encoding="utf-8") as handle:
                cache = json.load(handle)
        except (OSError, ValueError):
            cache = {}
    entry = cache.get(region)
    if entry and now - entry.get("fetched_epoch", 0) < ttl_hours * 3600:
        return apply_fresh_prices(region, entry["prices"], entry["fetched_at"])
    fetched = fetch_price_list(client_factory(), region)
    fetched_at = datetime.datetime.fromtimestamp(now, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    cache[region] = {"fetched_epoch": now, "fetched_at": fetched_at, "prices": fetched}
    if cache_path:
        directory = os.path.dirname(cache_path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        tmp = cache_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(cache, handle, indent=2, sort_keys=True)
        os.replace(tmp, cache_path)
    return apply_fresh_prices(region, fetched, fetched_at)
