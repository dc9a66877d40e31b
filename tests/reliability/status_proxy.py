# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A recording proxy on 127.0.0.1 in front of the emulator that keeps each call's HTTP status.

The emulator's recorder names and counts calls but cannot see how they ended; a read-only identity's denied
writes reach it as calls too. This proxy forwards every request unchanged and records (service, operation,
mutating, status), named the way the recorder names them, so a test can count the mutating calls that
SUCCEEDED. It runs in the test's own process (a thread): ``with StatusProxy(target) as proxy: ... proxy.calls``.
"""

import http.server
import threading
import urllib.parse

from faults import forward
from faults import send
from recorder import describe_request
from recorder import is_mutating

HOST = "127.0.0.1"


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    proxy = None  # set on the server's handler class

    def log_message(self, *args):  # quiet
        pass

    def _forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urllib.parse.urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        service, dummy, operation = describe_request(self.command, split.path, split.query, headers, lambda: body)
        status, headers, data = forward(self, self.proxy.target, body)
        if not split.path.startswith(("/_emulator/", "/moto-api")):
            self.proxy.record(service, operation, is_mutating(service, self.command, operation), status)
        send(self, status, headers, data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = _forward


class StatusProxy:
    def __init__(self, target):
        self.target = urllib.parse.urlsplit(target)
        self.lock = threading.Lock()
        self.calls = []
        handler = type("Handler", (_Handler,), {"proxy": self})
        self.server = http.server.ThreadingHTTPServer((HOST, 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://{HOST}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def record(self, service, operation, mutating, status):
        with self.lock:
            self.calls.append({"service": service, "operation": operation, "mutating": mutating, "status": status})

    def clear(self):
        with self.lock:
            self.calls = []

    def succeeded_mutating(self):
        """Mutating calls answered with a 2xx status."""
        with self.lock:
            return [c for c in self.calls if c["mutating"] and 200 <= c["status"] < 300]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)
