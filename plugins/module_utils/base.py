# -*- coding: utf-8 -*-

# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The pattern every deltalake.aws module follows.

- ``DeltaLakeAWSModule``: amazon.aws ``AnsibleAWSModule`` that names this collection in the user agent and hands
  out one retrying client per service.
- ``DeltaLakeAWSError``: what module_utils raise; ``main()`` catches it once and calls ``fail_json_aws_error``.
- ``Reconciler``: the one place that turns desired versus current state into ``changed``, the field-level
  ``diff`` and check-mode behaviour, so that every module predicts in check mode exactly what it then does.
"""

import copy

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError

try:
    from botocore.exceptions import ClientError
    from botocore.exceptions import ConnectionError as BotoCoreConnectionError
    from botocore.exceptions import HTTPClientError
    from botocore.exceptions import WaiterError

    RETRIED_EXCEPTIONS = (ClientError, BotoCoreConnectionError, HTTPClientError, WaiterError)
except ImportError:
    RETRIED_EXCEPTIONS = type(None)  # AnsibleAWSModule reports a missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.common import set_collection_info
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.deltalake.aws.plugins.module_utils.validators import partition_for_region
from ansible_collections.deltalake.aws.plugins.module_utils.validators import validate_account_id

COLLECTION_NAME = "deltalake.aws"
COLLECTION_VERSION = "0.1.0"  # kept equal to galaxy.yml by a unit test

# Throttling and transient error codes that AWS services answer but AWSRetry does not retry by default
# (it knows Throttling, TooManyRequestsException, RequestLimitExceeded and a few 5xx codes). botocore's own
# retries come first; these make the module's retrying client keep going with jittered backoff beyond them.
RETRYABLE_ERROR_CODES = [
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
    "ProvisionedThroughputExceededException",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    "BandwidthLimitExceeded",
    "ServiceUnavailableException",
    "InternalServerException",
    "InternalServiceException",
    # A failed HEAD request (HeadBucket, HeadObject) has no body: its code is the bare status.
    "500",
    "502",
    "503",
    "504",
]


# Deployment tags that record how a resource was created. A resource keeps the value it was created with, so that
# upgrading the collection alone is never reported as a change (drift).
CREATE_ONLY_TAG_KEYS = ("deltalake:version",)


def desired_tags(current, wanted, purge):
    """The tag set after the run, shared by every module that has ``tags``/``purge_tags``.

    compare_aws_tags decides what to set and what to purge (it never purges ``aws:`` keys); values are compared as
    strings, as AWS stores them; keys in CREATE_ONLY_TAG_KEYS keep the value the resource already has.
    """
    current = current or {}
    wanted = {str(k): str(v) for k, v in wanted.items()}
    wanted.update({k: current[k] for k in CREATE_ONLY_TAG_KEYS if k in wanted and k in current})
    to_set, to_unset = compare_aws_tags(current, wanted, purge)
    tags = {k: v for k, v in current.items() if k not in to_unset}
    tags.update(to_set)
    return tags


# The code DeltaLakeRetry gives a connection that failed (reset, closed, timed out) once botocore gave up on it.
CONNECTION_ERROR = "ConnectionError"


class DeltaLakeRetry(AWSRetry):
    """AWSRetry that also retries what botocore's own retries give up on without an AWS error code: a connection
    reset, closed or timed out (botocore ``ConnectionError``/``HTTPClientError``, code CONNECTION_ERROR), and a
    waiter stopped by a transient error (``WaiterError`` whose last response is a retryable error: the wait starts
    again). Like botocore's own retries, it retries any operation after a connection error."""

    base_class = RETRIED_EXCEPTIONS

    @staticmethod
    def status_code_from_exception(error):
        if isinstance(error, ClientError):
            return error.response["Error"]["Code"]
        if isinstance(error, WaiterError):
            return ((error.last_response or {}).get("Error") or {}).get("Code")
        return CONNECTION_ERROR


def aws_retry(**kwargs):
    """The retry decorator of every client and helper this collection creates (see RETRYABLE_ERROR_CODES and
    DeltaLakeRetry)."""
    kwargs.setdefault("retries", 10)
    codes = RETRYABLE_ERROR_CODES + [CONNECTION_ERROR]
    return DeltaLakeRetry.jittered_backoff(catch_extra_error_codes=codes, **kwargs)


class DeltaLakeAWSError(AnsibleAWSError):
    """An AWS call made by this collection failed; the message says what was being done."""


class DeltaLakeAWSModule(AnsibleAWSModule):
    """AnsibleAWSModule for this collection: user agent ``deltalake.aws/<version>`` and retrying clients."""

    def __init__(self, **kwargs):
        # account_id (doc fragment deltalake.aws.modules): every module takes it, see account_info()
        kwargs["argument_spec"] = {**kwargs.get("argument_spec", {}), "account_id": {"type": "str"}}
        self._batch = None  # see converge_each()
        self._account_info = None
        self._clients = {}
        super().__init__(**kwargs)
        set_collection_info(collection_name=COLLECTION_NAME, collection_version=COLLECTION_VERSION)
        self.fail_on_errors(validate_account_id(self.params["account_id"], "account_id"))

    def account_info(self):
        """(account id, partition) of the credentials: the account_id option when given, otherwise asked once
        per module run (amazon.aws get_aws_account_info: sts:GetCallerIdentity)."""
        if self._account_info is None:
            if self.params["account_id"]:
                self._account_info = (self.params["account_id"], partition_for_region(self.region))
            else:
                # Imported here, not at the top: the roles give every module account_id, and importing this
                # module_utils (with the two it imports) took 13-21 ms of each module start (python -X importtime).
                from ansible_collections.amazon.aws.plugins.module_utils.iam import get_aws_account_info

                self._account_info = tuple(get_aws_account_info(self))
        return self._account_info

    def client(self, service, retry_decorator=None, **extra_params):
        """Return the module's client for ``service`` (one per service and parameters, reused for every resource
        of the run); calls made with ``aws_retry=True`` are retried with jittered backoff on throttling and
        transient errors."""
        if retry_decorator is not None:
            return super().client(service, retry_decorator=retry_decorator, **extra_params)
        key = (service, tuple(sorted((k, repr(v)) for k, v in extra_params.items())))
        if key not in self._clients:
            self._clients[key] = super().client(service, retry_decorator=aws_retry(), **extra_params)
        return self._clients[key]

    def fail_on_errors(self, errors):
        """Fail before any AWS call when validation found problems; each message names the field and the rule."""
        batch = self._batch
        if batch is not None and batch["errors"] is not None:  # validating the items of a list: collect
            batch["errors"].extend(f"{batch['label']}: {error}" for error in errors)
            return
        if errors:
            self.fail_json(msg="; ".join(errors), errors=errors)

    # ------------------------------------------------------------------------------------------ several resources

    def fail_json(self, *args, **kwargs):
        batch = self._batch
        if batch is not None and batch["label"]:
            # a failure while converging one item of a list: name the item, report what the others did
            kwargs["msg"] = f"{batch['label']}: {kwargs.get('msg', '')}"
            if "errors" in kwargs:
                kwargs["errors"] = [f"{batch['label']}: {error}" for error in kwargs["errors"]]
            kwargs["results"] = list(batch["results"])
            kwargs["changed"] = any(result.get("changed") for result in batch["results"])
        super().fail_json(*args, **kwargs)

    def converge_each(self, option, argument_spec, validate, converge, label="name", unique=True, required=None):
        """Converge one resource, or every resource listed in ``option``, in this module run.

        Without ``option``, ``validate(module)`` then ``converge(module)`` run once with the module's params.
        With it, each item takes the module's own options (``argument_spec``; ``label`` is required) and an option
        an item does not set (or sets to null: an item cannot unset a top-level option) takes the top-level
        value. Every item is type-checked and validated before the first AWS call, then converged in list order
        with ``module.params`` set to that item's options.
        ``unique``: the same ``label`` may not be listed twice. ``required``: the options every item must set
        (default: ``label``).

        ``converge`` returns one resource's result (see Reconciler.result). With a list the result is shaped like
        a loop's registered result: ``results`` (one per item, in order), ``changed`` if any item changed, and
        in diff mode ``diff`` as a list with one entry per item, headed by its label.
        """
        items = self.params.get(option)
        if items is None:
            validate(self)
            return converge(self)
        spec = {
            name: dict({k: v for k, v in opt.items() if k not in ("default", "required", "apply_defaults")},
                       required=name in (required if required is not None else (label,)))
            for name, opt in argument_spec.items()
            if name != option
        }
        known = set(spec) | {alias for opt in spec.values() for alias in opt.get("aliases", [])}
        top = self.params
        merged_items, errors = [], []
        for index, item in enumerate(items):
            where = f"{option}[{index}] ({item[label]})" if item.get(label) else f"{option}[{index}]"
            item_errors = []
            unknown = sorted(set(item) - known)
            if unknown:
                item_errors.append(f"{where}: unsupported options {', '.join(unknown)} (an item takes the module's"
                                   f" options: {', '.join(sorted(spec))})")
            checked = ArgumentSpecValidator(spec).validate({k: v for k, v in item.items() if k in known})
            item_errors.extend(f"{where}: {e}" for e in checked.errors if not isinstance(e, UnsupportedError))
            values = {k: v for k, v in checked.validated_parameters.items() if v is not None}
            merged_items.append((where, {**top, **values, option: None}, not item_errors))
            errors.extend(item_errors)
        names = [params[label] for _where, params, _valid in merged_items if params.get(label) is not None]
        duplicates = sorted({str(name) for name in names if names.count(name) > 1}) if unique else []
        if duplicates:
            errors.append(f"{option}: {label} {', '.join(duplicates)} is listed more than once")
        results = []
        self._batch = {"label": None, "results": results, "errors": errors}
        try:
            for where, params, valid in merged_items:  # every item is validated before the first AWS call
                if valid:
                    self._batch["label"] = where
                    self._module.params = params
                    validate(self)
            self._batch.update(label=None, errors=None)
            self._module.params = top
            self.fail_on_errors(errors)
            for where, params, _valid in merged_items:
                self._batch["label"] = where
                self._module.params = params
                results.append(dict(converge(self), **{label: params[label]}))
        finally:
            self._module.params = top
            self._batch = None
        result = {"changed": any(r["changed"] for r in results), "results": results}
        if self._diff:
            result["diff"] = [
                dict(r["diff"], before_header=where, after_header=where)
                for (where, _params, _valid), r in zip(merged_items, results)
                if "diff" in r
            ]
        return result


def _equal(have, want):
    return have == want


class Reconciler:
    """Converge one resource from its current state to the desired one, or predict doing so in check mode.

    ``before`` is the resource's normalized current state (a dict in the module's return shape), or None when
    the resource does not exist. The module then calls, in the order in which AWS must see the writes:

    - ``create(initial, write)`` when the resource is absent: ``initial`` is the state AWS gives a new resource;
    - ``converge(key, want, write)`` for each managed setting (``want=None``: not managed, the current value is
      kept and nothing is compared), or ``converge_group(wants, write)`` for settings that one API call writes.
      ``write(target, have)`` makes the change; it is called only when the values differ, and never in check
      mode;
    - ``delete(write)`` for ``state=absent``.

    ``result(key)`` gives ``changed``, ``created`` (this run created the resource, or would: what a rollback may
    remove), ``changed_fields`` (the settings that changed or, in check mode, would: the drift), the resource under
    ``key`` (its predicted state in check mode) and, when diff mode is on,
    ``diff: {before, after}``.
    """

    def __init__(self, module, before):
        self.module = module
        self.before = copy.deepcopy(before)
        self.after = copy.deepcopy(before)
        self.changed = False
        self.changed_fields = []

    @property
    def exists(self):
        return self.after is not None

    def _write(self, write, *args):
        if not self.module.check_mode:
            write(*args)

    def create(self, initial, write):
        self.changed = True
        self.after = copy.deepcopy(initial)
        self._write(write)

    def delete(self, write):
        self.changed = True
        self.after = None
        self._write(write)

    def converge_group(self, wants, write, equal=None):
        """Converge settings that AWS writes with one call; every key in ``wants`` is managed (None is a value
        here). ``write(target, have)`` gets both groups as dicts. Returns True when they changed (or would)."""
        if not wants:
            return False
        have = {key: self.after.get(key) for key in wants}
        target = dict(wants)
        if (equal or _equal)(have, target):
            return False
        self._write(write, target, have)
        self.changed = True
        self.changed_fields.extend(key for key in wants if have[key] != target[key])
        self.after.update(copy.deepcopy(target))
        return True

    def converge(self, key, want, write, equal=None):
        """Converge one setting; ``want=None`` leaves it unmanaged. ``write(target, have)`` runs when
        ``equal(have, want)`` (default ``==``) is false."""
        if want is None:
            return False
        return self.converge_group(
            {key: want},
            lambda target, have: write(target[key], have[key]),
            equal=(lambda have, target: equal(have[key], target[key])) if equal else None,
        )

    def result(self, key):
        result = {
            "changed": self.changed,
            "created": self.before is None and self.after is not None,
            "changed_fields": list(self.changed_fields),
            key: self.after if self.after is not None else {},
        }
        if self.module._diff:
            result["diff"] = {
                "before": self.before if self.before is not None else {},
                "after": result[key],
            }
        return result
