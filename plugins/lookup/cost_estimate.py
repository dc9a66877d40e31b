# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: cost_estimate
short_description: Monthly cost of a data lake at AWS list prices, by service and usage scenario
version_added: 0.1.0
description:
  - Estimates what a lake deployed by this collection costs per month at AWS list prices, as infracost does for
    Terraform, from the lake configuration (the variables of the roles, see C(docs/lake-configuration.md)), the
    region and a usage scenario (V(light), V(medium), V(heavy)) with optional usage overrides.
  - Returns one estimate per term (scenario name) with line items C(s3_storage), C(s3_requests), C(s3_lifecycle),
    C(glue_catalog_storage), C(glue_catalog_requests), C(glue_crawler), C(athena), C(firehose), C(kms) and
    C(vpc_endpoints); each has its quantity, unit, unit price, monthly USD and its arithmetic as text.
  - Prices come from tables shipped with the collection (plugin_utils C(pricing.py)); every value names its
    source and the date it was read, and prices not confirmed for a region are listed in
    C(price_table.unconfirmed). An unknown region is an error, never a fallback.
  - Makes no network call unless O(fresh_prices=true).
  - With O(budget_usd) the lookup fails when an estimate is above it, naming the biggest lines; the C(datalake)
    role runs it as its first task so that a run over budget stops before any AWS change.
  - With O(proposed) every estimate also carries C(diff), the estimate of the configuration with O(proposed)
    applied, line by line with C(+) (more), C(-) (less) or C(=) (same).
author:
  - deltalake.aws developers (@deltalake-aws)
options:
  _terms:
    description:
      - Usage scenarios to estimate, one estimate per term. V(light) is a dev/test lake, V(medium) a small
        production lake, V(heavy) a large production lake (their usage numbers are in C(docs/cost-estimation.md)).
      - V(none) starts from zero usage, so that only O(usage) counts.
      - Without terms, O(scenario) is estimated.
    type: list
    elements: str
    required: false
  scenario:
    description:
      - The scenario estimated when no term is given.
    type: str
    default: medium
    choices: [light, medium, heavy, none]
  config:
    description:
      - The lake configuration, a dictionary of the lake variables (C(datalake_region), C(network_enabled),
        C(network_subnet_ids), C(network_gateway_services), C(network_interface_services),
        C(encryption_enabled), C(storage_access_logging), C(storage_lifecycle_preset), C(crawl_enabled),
        C(ingest_enabled), C(ingest_format_conversion), C(query_enabled), C(governance_enabled)).
      - When not given, these variables are read from the play's variables; unset ones take their documented
        defaults.
    type: dict
  region:
    description:
      - Region whose prices are used. Defaults to C(datalake_region) of the configuration, then V(us-east-1).
      - Supported regions are V(us-east-1), V(us-west-2), V(eu-west-1), V(eu-central-1) and V(ap-southeast-1).
    type: str
  usage:
    description:
      - 'Usage overrides (per month) applied on top of each scenario, for example C({s3_standard_gb: 2048}).'
      - An unknown key is an error naming the key. The keys are listed in C(docs/cost-estimation.md).
    type: dict
    default: {}
  budget_usd:
    description:
      - Monthly budget in USD. When an estimate is above it the lookup fails, naming the total, the budget and the
        biggest lines. Not set means no budget.
    type: float
  proposed:
    description:
      - Lake variables of a proposed configuration, applied over the current one. Each estimate then has a
        C(diff) against the estimate of the proposed configuration.
    type: dict
  proposed_usage:
    description:
      - Usage overrides for the proposed side of the diff, applied over O(usage). Implies a diff.
    type: dict
  fresh_prices:
    description:
      - Fetch current prices from the AWS Price List API (boto3 C(pricing) client, endpoint us-east-1, needs AWS
        credentials) instead of using the shipped tables only; results are cached in O(price_cache).
      - Prices the API does not return keep their table value.
    type: bool
    default: false
    env:
      - name: DELTALAKE_COST_FRESH_PRICES
    ini:
      - section: deltalake_cost_estimate
        key: fresh_prices
  price_cache:
    description:
      - JSON file caching fetched prices per region.
    type: path
    default: ~/.cache/deltalake.aws/prices.json
    env:
      - name: DELTALAKE_COST_PRICE_CACHE
    ini:
      - section: deltalake_cost_estimate
        key: price_cache
  price_cache_ttl_hours:
    description:
      - Age in hours after which cached prices are fetched again.
    type: float
    default: 24
    env:
      - name: DELTALAKE_COST_PRICE_CACHE_TTL_HOURS
    ini:
      - section: deltalake_cost_estimate
        key: price_cache_ttl_hours
notes:
  - Usage numbers are per month. GB means 2^30 bytes, TB 1,024 GB; a month has 730 hours.
  - The estimate covers the services the collection deploys. Data transfer out of AWS, S3 retrievals, Glue ETL
    jobs and CloudWatch are not included.
seealso:
  - name: Cost estimation
    description: Scenarios, usage keys, pricing rules, budget guard, diff and price sources.
    link: https://github.com/deltalake-aws/deltalake.aws/blob/main/docs/cost-estimation.md
"""

EXAMPLES = r"""
# No credentials are needed: the lookup reads the shipped price tables and makes no AWS call by default.

- name: Estimate the lake of this play for the medium scenario
  ansible.builtin.debug:
    msg: "{{ lookup('deltalake.aws.cost_estimate', 'medium').total_usd }}"

- name: Estimate the three scenarios of a given configuration in eu-west-1
  ansible.builtin.set_fact:
    lake_costs: >-
      {{ query('deltalake.aws.cost_estimate', 'light', 'medium', 'heavy',
               config={'crawl_enabled': true, 'ingest_enabled': true}, region='eu-west-1') }}

- name: Print them side by side
  ansible.builtin.debug:
    msg: "{{ lake_costs | deltalake.aws.cost_table }}"

- name: Estimate with more data than the scenario assumes
  ansible.builtin.debug:
    msg: "{{ lookup('deltalake.aws.cost_estimate', 'medium', usage={'s3_standard_gb': 20480}).lines }}"

- name: Fail before deploying when the estimate is above the budget
  ansible.builtin.set_fact:
    datalake_cost_estimate: >-
      {{ lookup('deltalake.aws.cost_estimate', 'medium', budget_usd=datalake_monthly_budget_usd) }}
  when: datalake_monthly_budget_usd is defined

- name: Show what turning on ingestion with Parquet conversion would change
  ansible.builtin.debug:
    msg: >-
      {{ lookup('deltalake.aws.cost_estimate', 'medium',
                proposed={'ingest_enabled': true, 'ingest_format_conversion': true}).diff.text }}
"""

RETURN = r"""
_raw:
  description:
    - One estimate per term.
  type: list
  elements: dict
  contains:
    scenario:
      description: The scenario (term) of the estimate.
      type: str
      sample: medium
    region:
      description: Region whose prices were used.
      type: str
      sample: us-east-1
    currency:
      description: Always C(USD).
      type: str
    hours_per_month:
      description: Hours in a month for hourly prices (730).
      type: int
    total_usd:
      description: Monthly total in USD, rounded to the cent.
      type: float
      sample: 487.51
    lines:
      description: One line per service, always in the same order, with C(enabled=false) and 0 USD for parts
        the configuration does not deploy.
      type: list
      elements: dict
      contains:
        service:
          description: C(s3_storage), C(s3_requests), C(s3_lifecycle), C(glue_catalog_storage),
            C(glue_catalog_requests), C(glue_crawler), C(athena), C(firehose), C(kms) or C(vpc_endpoints).
          type: str
        enabled:
          description: Whether the configuration deploys this part.
          type: bool
        quantity:
          description: Quantity of the line's main charge (its first component).
          type: float
        unit:
          description: Unit of RV(_raw.lines.quantity).
          type: str
          sample: GB-month
        unit_price_usd:
          description: Unit price of the main charge.
          type: float
          sample: 0.023
        price_unit:
          description: What the unit price is per.
          type: str
          sample: USD per GB-month
        monthly_usd:
          description: Monthly USD of the line, rounded to the cent.
          type: float
        arithmetic:
          description: The computation as text.
          type: str
          sample: "first 50 TB: 5,170 GB x $0.023 = $118.91"
        components:
          description: Every charge of the line (tiers, request types...) with quantity, unit price, source
            and status of the price.
          type: list
          elements: dict
        notes:
          description: Free parts and assumptions of the line.
          type: list
          elements: str
    usage:
      description: The usage the estimate used (scenario plus overrides).
      type: dict
    config:
      description: The lake configuration the estimate used, defaults filled in.
      type: dict
    price_table:
      description: Date of the price table, its sources (URL, official page, date read) and the prices not
        confirmed for the region.
      type: dict
      contains:
        date:
          description: Date the prices were read.
          type: str
          sample: "2026-11-26"
        sources:
          description: Sources of the prices used.
          type: list
          elements: dict
        unconfirmed:
          description: Prices not confirmed for the region (assumed equal to us-east-1, or derived from bills).
          type: list
          elements: str
        fresh_prices:
          description: Price keys taken from the AWS Price List API.
          type: list
          elements: str
    notes:
      description: Free services and assumptions (gateway endpoints, Lake Formation, access-log delivery...).
      type: list
      elements: str
    diff:
      description: Only with O(proposed) or O(proposed_usage). Current against proposed estimate.
      type: dict
      returned: when proposed or proposed_usage is given
      contains:
        lines:
          description: Per service C(sign), C(current_usd), C(proposed_usd), C(delta_usd).
          type: list
          elements: dict
        delta_usd:
          description: Proposed total minus current total.
          type: float
        text:
          description: The diff as lines of text, one per service and the total.
          type: list
          elements: str
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.deltalake.aws.plugins.plugin_utils import pricing


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)

        scenarios = list(terms) if terms else [self.get_option("scenario")]
        config = self.get_option("config")
        if config is None:
            config = self._lake_variables(variables or {})
        usage_overrides = self.get_option("usage") or {}
        proposed = self.get_option("proposed")
        proposed_usage = self.get_option("proposed_usage")
        budget = self.get_option("budget_usd")

        try:
            lake = pricing.normalize_config(config)
            region = self.get_option("region") or lake["datalake_region"]
            prices = self._prices(region)
            results = []
            for scenario in scenarios:
                usage = pricing.resolve_usage(scenario, usage_overrides)
                current = pricing.estimate(lake, usage, region=region, prices=prices, scenario=scenario)
                if proposed is not None or proposed_usage is not None:
                    other_lake = pricing.normalize_config({**lake, **(proposed or {})})
                    other_usage = pricing.resolve_usage(scenario, pricing.merge_usage(usage_overrides, proposed_usage))
                    other = pricing.estimate(other_lake, other_usage, region=region, prices=prices, scenario=scenario)
                    current["diff"] = pricing.diff_estimates(current, other)
                pricing.check_budget(current, budget)
                results.append(current)
        except pricing.BudgetExceeded as e:
            raise AnsibleLookupError(f"deltalake.aws.cost_estimate: over budget: {e}") from e
        except pricing.PricingError as e:
            raise AnsibleLookupError(f"deltalake.aws.cost_estimate: {e}") from e
        return results

    def _lake_variables(self, variables):
        """The lake variables of the play, templated; unset ones are left to their documented defaults."""
        config = {}
        for name in pricing.LAKE_VARIABLES:
            if name in variables:
                config[name] = self._templar.template(variables[name])
        return config

    def _prices(self, region):
        if not self.get_option("fresh_prices"):
            return pricing.price_table(region)
        try:
            import boto3
            import botocore.exceptions
        except ImportError as e:
            raise AnsibleLookupError("deltalake.aws.cost_estimate: fresh_prices=true needs boto3") from e

        def client_factory():
            return boto3.client("pricing", region_name="us-east-1")

        try:
            return pricing.fresh_price_table(
                region, self.get_option("price_cache"), self.get_option("price_cache_ttl_hours"), client_factory
            )
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            raise AnsibleLookupError(
                f"deltalake.aws.cost_estimate: fetching prices from the AWS Price List API failed: {e}"
            ) from e
        except OSError as e:
            raise AnsibleLookupError(f"deltalake.aws.cost_estimate: price cache: {e}") from e
