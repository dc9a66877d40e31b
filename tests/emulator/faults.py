#!/usr/bin/env python
# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fault-injecting proxy on 127.0.0.1 in front of the emulator.

It forwards every AWS request to the emulator, except a configurable share that it answers itself, BEFORE the
request reaches the emulator, the way AWS throttles or fails a request it has not processed:

- ``throttle``: the service's throttling error in its own protocol (``ThrottlingException`` / ``TooManyRequestsException``
  for JSON services, ``Throttling`` for query services, ``RequestLimitExceeded`` for EC2, ``SlowDown`` 503 for S3);
- ``error``: HTTP 500 ``InternalFailure`` or 503 ``ServiceUnavailable`` in the same protocol;
- ``reset``: the connection is closed with a TCP reset and no answer;
- ``latency``: the request is forwarded after a delay (every request, when ``latency_ms`` is set).

The share is kept exactly, not only on average: each block of 10 requests holds ``round(10 * rate)`` faults at
positions the seeded random generator picks, so that a short run (a small lake makes ~50 calls) is not let off
with far fewer faults than asked by chance.

Faults happen before the emulator sees the request, so a retried call never acts twice (as with AWS, where
throttled requests are not processed). ``/_faults/stats`` reports the counts; ``/_emulator/*`` control requests
pass through untouched.

Command line: ``faults.py serve --target URL --rate 0.3 [--seed N] [--latency-ms N] --state-file F`` (foreground);
from Python: ``FaultProxy.start(target_url, rate=0.3, state_file=...)``.
"""

import argparse
import http.client
import http.server
import json
import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

HOST = "127.0.0.1"
HERE = os.path.dirname(os.path.abspath(__file__))
KINDS = ("throttle", "error", "reset")
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


def fault_response(service, protocol, kind, rng):
    """(status, headers, body) of an AWS error for ``service`` in its wire protocol."""
    if kind == "throttle":
        status = 503 if service == "s3" else 400
        code = {
            "s3": "SlowDown",
            "ec2": "RequestLimitExceeded",
            "query": "Throttling",
            "json": rng.choice(["ThrottlingException", "TooManyRequestsException"]),
        }[service if service in ("s3", "ec2") else protocol]
        message = "Rate exceeded" if code != "SlowDown" else "Please reduce your request rate."
    else:
        status = rng.choice([500, 503])
        code = "InternalFailure" if status == 500 else "ServiceUnavailable"
        if service == "s3":
            code = "InternalError" if status == 500 else "ServiceUnavailable"
        message = "injected server error"
    request_id = "%016x" % rng.getrandbits(64)
    if service == "s3":
        body = f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{request_id}</RequestId></Error>"
        return status, {"Content-Type": "application/xml"}, body.encode()
    if service == "ec2":
        body = (f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
                f"<RequestID>{request_id}</RequestID></Response>")
        return status, {"Content-Type": "text/xml"}, body.encode()
    if protocol == "query":
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
                f"<RequestId>{request_id}</RequestId></ErrorResponse>")
        return status, {"Content-Type": "text/xml"}, body.encode()
    body = json.dumps({"__type": code, "message": message, "Message": message}).encode()
    return status, {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": code,
                    "x-amzn-RequestId": request_id}, body


class FaultState:
    def __init__(self, target, rate, seed=None, latency_ms=0, kinds=KINDS):
        self.target = urllib.parse.urlsplit(target)
        self.rate = rate
        self.latency_ms = latency_ms
        self.kinds = tuple(kinds)
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.stats = {"requests": 0, "faults": 0, **{k: 0 for k in self.kinds}}
        self.block = []  # whether each of the next requests of the current block of BLOCK gets a fault

    BLOCK = 10

    def set_rate(self, rate):
        """A new share starts a new block (call with the lock held)."""
        self.rate = rate
        self.block = []

    def decide(self):
        with self.lock:
            self.stats["requests"] += 1
            if not self.block:
                faults = round(self.BLOCK * self.rate)
                self.block = [True] * faults + [False] * (self.BLOCK - faults)
                self.rng.shuffle(self.block)
            if self.block.pop():
                kind = self.rng.choice(self.kinds)
                self.stats["faults"] += 1
                self.stats[kind] += 1
                return kind
            return None


def forward(handler, target, body):
    """Send the request ``handler`` received to ``target`` (a split URL) unchanged but for hop-by-hop headers;
    (status, header pairs, body) of the answer. Shared with tests/reliability/status_proxy.py."""
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=300)
    try:
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in _HOP_BY_HOP}
        connection.request(handler.command, handler.path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        pairs = [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP | {"content-length"}]
        return response.status, pairs, data
    finally:
        connection.close()


def send(handler, status, header_pairs, body):
    """Answer the request ``handler`` received (no body for HEAD)."""
    handler.send_response(status)
    for key, value in header_pairs:
        handler.send_header(key, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None  # set on the server's handler class

    def log_message(self, *args):  # quiet
        pass

    def _service(self):
        auth = self.headers.get("Authorization", "")
        match = _SCOPE.search(auth)
        service = match.group(1) if match else "unknown"
        if self.headers.get("X-Amz-Target") or service not in ("s3", "ec2", "iam", "sts", "sns", "sqs"):
            protocol = "json"
        else:
            protocol = "query"
        return service, protocol

    def _send(self, status, headers, body):
        send(self, status, headers.items(), body)

    def _reset(self):
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.startswith("/_faults/"):
            if self.command == "POST" and self.path.startswith("/_faults/config"):
                config = json.loads(body or b"{}")
                with self.state.lock:
                    self.state.set_rate(float(config.get("rate", self.state.rate)))
                    self.state.latency_ms = int(config.get("latency_ms", self.state.latency_ms))
            with self.state.lock:
                payload = dict(self.state.stats, rate=self.state.rate, latency_ms=self.state.latency_ms)
            return self._send(200, {"Content-Type": "application/json"}, json.dumps(payload).encode())
        if not self.path.startswith(("/_emulator/", "/moto-api")):
            kind = self.state.decide()
            if kind == "reset":
                return self._reset()
            if kind:
                service, protocol = self._service()
                return self._send(*fault_response(service, protocol, kind, self.state.rng))
            if self.state.latency_ms:
                time.sleep(self.state.latency_ms / 1000.0)
        send(self, *forward(self, self.state.target, body))

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = _handle


def serve(target, rate, seed=None, latency_ms=0, state_file=None):
    state = FaultState(target, rate, seed, latency_ms)
    handler = type("Handler", (ProxyHandler,), {"state": state})
    server = http.server.ThreadingHTTPServer((HOST, 0), handler)
    server.daemon_threads = True
    url = f"http://{HOST}:{server.server_port}"

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    if state_file:
        with open(state_file + ".tmp", "w", encoding="utf-8") as handle:
            json.dump({"url": url, "pid": os.getpid()}, handle)
        os.replace(state_file + ".tmp", state_file)
    print(url, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if state_file and os.path.exists(state_file):
            os.unlink(state_file)


class FaultProxy:
    """A running proxy process; a context manager that stops it."""

    def __init__(self, url, process):
        self.url = url
        self.process = process

    @classmethod
    def start(cls, target, rate, state_file, seed=None, latency_ms=0):
        command = [sys.executable, os.path.abspath(__file__), "serve", "--target", target, "--rate", str(rate),
                   "--latency-ms", str(latency_ms), "--state-file", state_file]
        if seed is not None:
            command += ["--seed", str(seed)]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)  # pylint: disable=consider-using-with
        deadline = time.monotonic() + 30
        while not os.path.exists(state_file):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("fault proxy did not start")
            time.sleep(0.05)
        with open(state_file, encoding="utf-8") as handle:
            return cls(json.load(handle)["url"], process)

    def stats(self):
        with urllib.request.urlopen(self.url + "/_faults/stats", timeout=30) as response:  # nosec - 127.0.0.1
            return json.loads(response.read())

    def configure(self, **config):
        request = urllib.request.Request(self.url + "/_faults/config", data=json.dumps(config).encode(), method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:  # nosec - 127.0.0.1
            return json.loads(response.read())

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("--target", required=True)
    parser.add_argument("--rate", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--state-file", default=None)
    args = parser.parse_args(argv)
    serve(args.target, args.rate, args.seed, args.latency_ms, args.state_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
