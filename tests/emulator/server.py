#!/usr/bin/env python
# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The local AWS emulator: moto server on 127.0.0.1 with this project's test extensions and call recorder.

Command line (used by the Makefile and CI scripts)::

    server.py start --state-file build/emulator.json   # background server on a free port; prints its URL
    server.py calls --state-file build/emulator.json   # JSON summary of the calls recorded so far
    server.py stop  --state-file build/emulator.json   # stop it and remove the state file
    server.py serve [--port N]                          # foreground

From Python (pytest fixtures, benchmarks)::

    with Emulator() as emulator:
        emulator.url; emulator.reset(); emulator.clear_calls(); emulator.calls()
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

HOST = "127.0.0.1"  # never any other address
HERE = os.path.dirname(os.path.abspath(__file__))
START_TIMEOUT = 30


def list_moto_modules_once():
    """moto's dispatcher lists the moto package's directory (``os.listdir`` and an ``isdir`` per entry) on every
    request to see whether the Host header names a service; for a request to 127.0.0.1 that never matches, and the
    listing was a fifth of the emulator's CPU time per request in a py-spy profile. The package cannot change
    while the server runs: list it once. Speed only; which backend answers a request is unchanged."""
    from moto import backends

    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules


def serve(port, state_file=None, verbose=False):
    """Run the emulator in this process until SIGTERM/SIGINT."""
    sys.path.insert(0, HERE)
    os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "false")
    from werkzeug.serving import make_server

    from moto.moto_api._internal.models import moto_api_backend
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from moto.moto_server.werkzeug_app import create_backend_app

    import extensions
    from recorder import CallRecorder

    extensions.apply_all()
    list_moto_modules_once()

    class QuietHandler(MotoRequestHandler):
        def log_request(self, *args, **kwargs):
            if verbose:
                super().log_request(*args, **kwargs)

    app = CallRecorder(DomainDispatcherApplication(create_backend_app), moto_api_backend.reset)
    server = make_server(HOST, port, app, threaded=True, request_handler=QuietHandler)
    url = f"http://{HOST}:{server.server_port}"

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    if state_file:
        tmp = state_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump({"url": url, "pid": os.getpid()}, handle)
        os.replace(tmp, state_file)
    print(url, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if state_file and os.path.exists(state_file):
            os.unlink(state_file)


def _request(url, method="GET"):
    req = urllib.request.Request(url, method=method, data=b"" if method in ("POST", "DELETE") else None)
    with urllib.request.urlopen(req, timeout=30) as response:  # nosec - 127.0.0.1 only
        return json.loads(response.read() or b"{}")


class Emulator:
    """A running emulator: either one this object started (``start()``) or one found through a state file."""

    def __init__(self, url=None, pid=None, process=None):
        self.url = url
        self.pid = pid
        self.process = process

    @classmethod
    def start(cls, state_file, log_file=None, detach=False):
        if os.path.exists(state_file):
            os.unlink(state_file)
        log = open(log_file or os.devnull, "ab")  # pylint: disable=consider-using-with
        command = [sys.executable, os.path.join(HERE, "server.py"), "serve", "--port", "0", "--state-file", state_file]
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=detach
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"emulator exited with status {process.returncode}; see {log_file}")
            if os.path.exists(state_file):
                with open(state_file, encoding="utf-8") as handle:
                    state = json.load(handle)
                emulator = cls(state["url"], state["pid"], process)
                emulator.wait_ready()
                return emulator
            time.sleep(0.05)
        process.kill()
        process.wait()
        raise RuntimeError(f"emulator did not start within {START_TIMEOUT} s")

    @classmethod
    def from_state_file(cls, state_file):
        with open(state_file, encoding="utf-8") as handle:
            state = json.load(handle)
        return cls(state["url"], state["pid"])

    def wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                return _request(self.url + "/_emulator/health")
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def client(self, service, region="us-east-1"):
        """A boto3 client for ``service`` pointed at this emulator, with the test credentials."""
        import boto3

        return boto3.client(service, endpoint_url=self.url, region_name=region, aws_access_key_id="testing",
                            aws_secret_access_key="testing")

    def reset(self):
        """Clear every service's state and the recorded calls."""
        _request(self.url + "/_emulator/reset", "POST")

    def clear_calls(self):
        _request(self.url + "/_emulator/calls", "DELETE")

    def calls(self):
        """{'total', 'read', 'mutating', 'mutating_operations', 'calls': [{service, operation, mutating, ...}]}"""
        return _request(self.url + "/_emulator/calls")

    def stop(self):
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            return
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                return
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    os.kill(self.pid, 0)
                except ProcessLookupError:
                    return
                time.sleep(0.05)
            os.kill(self.pid, signal.SIGKILL)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["serve", "start", "stop", "calls", "reset", "url"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--state-file", default=os.path.join("build", "emulator.json"))
    parser.add_argument("--log-file", default=None)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "serve":
        serve(args.port, args.state_file, args.verbose)
    elif args.command == "start":
        emulator = Emulator.start(args.state_file, args.log_file or args.state_file + ".log", detach=True)
        print(emulator.url)
    else:
        if not os.path.exists(args.state_file):
            if args.command == "stop":
                return 0
            sys.exit(f"no emulator running (no {args.state_file})")
        emulator = Emulator.from_state_file(args.state_file)
        if args.command == "stop":
            emulator.stop()
        elif args.command == "calls":
            print(json.dumps(emulator.calls(), indent=2))
        elif args.command == "reset":
            emulator.reset()
        else:
            print(emulator.url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
