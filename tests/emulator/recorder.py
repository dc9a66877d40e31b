# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Count the AWS calls that reach the emulator, split into read and mutating.

A WSGI middleware in front of moto sees every request from every process (ansible-playbook forks, pyiceberg,
boto3 in a test). It names each request by its API operation, folds botocore's retries of one call into one
(they repeat the ``amz-sdk-invocation-id`` header) and answers ``/_emulator/*`` for tests:

- ``GET /_emulator/calls``     the calls recorded since the last reset, with read/mutating totals
- ``DELETE /_emulator/calls``  forget them (start counting); ``GET /_emulator/calls?clear=1`` does the same for
  clients that can only GET (the ``ansible.builtin.url`` lookup, which counts without forking a module)
- ``POST /_emulator/reset``    clear every service's state and the calls
- ``GET /_emulator/health``    200 once the server answers
"""

import io
import json
import re
import threading
from urllib.parse import parse_qs

# Operations that read or compute without changing state. Everything else is mutating: a conservative split,
# so an unknown operation can only make a "no mutating call" assertion fail, never pass wrongly.
READ_PREFIXES = ("Get", "List", "Describe", "Head", "Search", "BatchGet", "Query", "Scan", "Lookup")
READ_OPERATIONS = {
    "AssumeRole",
    "Decrypt",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
    "SimulatePrincipalPolicy",
}

# S3 sub-resources (query keys) and the operation each names, per HTTP method, at bucket level.
_S3_BUCKET_SUBRESOURCES = {
    "accelerate": "BucketAccelerateConfiguration",
    "acl": "BucketAcl",
    "cors": "BucketCors",
    "encryption": "BucketEncryption",
    "intelligent-tiering": "BucketIntelligentTieringConfiguration",
    "inventory": "BucketInventoryConfiguration",
    "lifecycle": "BucketLifecycleConfiguration",
    "location": "BucketLocation",
    "logging": "BucketLogging",
    "metrics": "BucketMetricsConfiguration",
    "notification": "BucketNotificationConfiguration",
    "object-lock": "ObjectLockConfiguration",
    "ownershipControls": "BucketOwnershipControls",
    "policy": "BucketPolicy",
    "policyStatus": "BucketPolicyStatus",
    "publicAccessBlock": "PublicAccessBlock",
    "replication": "BucketReplication",
    "requestPayment": "BucketRequestPayment",
    "tagging": "BucketTagging",
    "versioning": "BucketVersioning",
    "website": "BucketWebsite",
}
_S3_DELETE_NAMES = {"lifecycle": "DeleteBucketLifecycle"}
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")


def is_mutating(service, method, operation):
    if service == "s3":
        return method not in ("GET", "HEAD")
    if operation in READ_OPERATIONS:
        return False
    return not operation.startswith(READ_PREFIXES)


def s3_operation(method, path, query):
    """Name an S3 REST request (path-style addressing, as botocore uses for an IP endpoint)."""
    parts = path.lstrip("/").split("/", 1)
    has_key = len(parts) == 2 and parts[1] != ""
    keys = set(query)
    if has_key:
        if method == "GET":
            return "GetObjectTagging" if "tagging" in keys else "GetObject"
        if method == "HEAD":
            return "HeadObject"
        if method == "PUT":
            if "tagging" in keys:
                return "PutObjectTagging"
            return "UploadPart" if "uploadId" in keys else "PutObject"
        if method == "DELETE":
            return "AbortMultipartUpload" if "uploadId" in keys else "DeleteObject"
        if method == "POST":
            return "CompleteMultipartUpload" if "uploadId" in keys else "CreateMultipartUpload"
    if not parts[0]:
        return "ListBuckets"
    if method == "HEAD":
        return "HeadBucket"
    if method == "POST" and "delete" in keys:
        return "DeleteObjects"
    if method == "GET" and "versions" in keys:
        return "ListObjectVersions"
    if method == "GET" and "uploads" in keys:
        return "ListMultipartUploads"
    for sub in sorted(keys):
        if sub in _S3_BUCKET_SUBRESOURCES:
            if method == "DELETE":
                return _S3_DELETE_NAMES.get(sub, "Delete" + _S3_BUCKET_SUBRESOURCES[sub])
            verb = "Get" if method == "GET" else "Put"
            return verb + _S3_BUCKET_SUBRESOURCES[sub]
    if method == "GET":
        return "ListObjectsV2" if query.get("list-type") == ["2"] else "ListObjects"
    return {"PUT": "CreateBucket", "DELETE": "DeleteBucket"}.get(method, method + "Bucket")


def describe_request(method, path, query_string, headers, read_body):
    """Return (service, region, operation) of one AWS request; ``read_body()`` is called only when needed."""
    query = parse_qs(query_string, keep_blank_values=True)
    auth = headers.get("authorization", "") or query.get("X-Amz-Credential", [""])[0]
    scope = _SCOPE.search(auth) or re.search(r"[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request", auth)
    region, service = scope.groups() if scope else ("", "unknown")
    target = headers.get("x-amz-target")
    if target:
        return service, region, target.rsplit(".", 1)[-1]
    if service == "s3":
        return service, region, s3_operation(method, path, query)
    action = query.get("Action", [None])[0]
    if action is None and "x-www-form-urlencoded" in headers.get("content-type", ""):
        action = parse_qs(read_body().decode("utf-8", "replace")).get("Action", [None])[0]
    if action:
        return service, region, action
    # REST-JSON services such as Lake Formation name the operation in the first path segment.
    return service, region, path.strip("/").split("/", 1)[0] or method


class CallRecorder:
    """WSGI middleware that records every AWS call and serves the ``/_emulator`` control endpoints."""

    def __init__(self, app, reset_backends):
        self.app = app
        self.reset_backends = reset_backends
        self.lock = threading.Lock()
        self.calls = []
        self.by_invocation = {}

    def clear(self):
        with self.lock:
            self.calls = []
            self.by_invocation = {}

    def summary(self):
        with self.lock:
            calls = [dict(c) for c in self.calls]
        mutating = [c for c in calls if c["mutating"]]
        return {
            "total": len(calls),
            "read": len(calls) - len(mutating),
            "mutating": len(mutating),
            "mutating_operations": sorted({f"{c['service']}:{c['operation']}" for c in mutating}),
            "calls": calls,
        }

    def record(self, environ):
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        body = {}

        def read_body():
            if "data" not in body:
                length = int(environ.get("CONTENT_LENGTH") or 0)
                body["data"] = environ["wsgi.input"].read(length) if length else b""
                environ["wsgi.input"] = io.BytesIO(body["data"])
            return body["data"]

        method = environ["REQUEST_METHOD"]
        service, region, operation = describe_request(
            method, environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""), headers, read_body
        )
        invocation = headers.get("amz-sdk-invocation-id")
        with self.lock:
            if invocation and invocation in self.by_invocation:
                self.by_invocation[invocation]["attempts"] += 1
                return
            call = {
                "service": service,
                "region": region,
                "operation": operation,
                "mutating": is_mutating(service, method, operation),
                "attempts": 1,
            }
            self.calls.append(call)
            if invocation:
                self.by_invocation[invocation] = call

    def respond(self, start_response, status, payload):
        data = json.dumps(payload).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    def control(self, environ, start_response):
        route = (environ["REQUEST_METHOD"], environ["PATH_INFO"].rstrip("/"))
        if route == ("GET", "/_emulator/calls") and "clear=1" in environ.get("QUERY_STRING", ""):
            route = ("DELETE", "/_emulator/calls")
        if route == ("GET", "/_emulator/health"):
            return self.respond(start_response, "200 OK", {"status": "ok"})
        if route == ("GET", "/_emulator/calls"):
            return self.respond(start_response, "200 OK", self.summary())
        if route == ("DELETE", "/_emulator/calls"):
            self.clear()
            return self.respond(start_response, "200 OK", {"status": "cleared"})
        if route == ("POST", "/_emulator/reset"):
            self.reset_backends()
            self.clear()
            return self.respond(start_response, "200 OK", {"status": "reset"})
        return self.respond(start_response, "404 Not Found", {"error": f"no such control endpoint {route}"})

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_emulator/"):
            return self.control(environ, start_response)
        if not path.startswith("/moto-api"):
            self.record(environ)
        return self.app(environ, start_response)
