#!/usr/bin/env python
# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the reliability suite (issue 10) and print one line per area with its figures.

    tests/reliability/run.py            # the full suite (make reliability)
    tests/reliability/run.py --fast     # the slice make test runs (make reliability-fast)

The suite's tests run under pytest (pytest-xdist, ``-n 2`` by default); each test records its area's figures with
the ``figures`` fixture (conftest.py) as JSON lines in a file of this run, and pytest's JUnit report says how each
test ended. An area prints its figures only when its tests ran and all passed; an area whose test file is missing,
whose tests did not run, failed, errored or were skipped (a skip is never a pass), or that recorded no figures,
prints MISSING or FAILED, and the exit status is then 1.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET  # nosec - pytest's own JUnit report

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# (area of the figures fixture, label printed, test file)
AREAS = [
    ("faults", "faults", "test_faults.py"),
    ("crashes", "crashes", "test_crashes.py"),
    ("check-mode", "check mode", "test_checkmode.py"),
    ("readonly", "read-only drift", "test_readonly_drift.py"),
    ("bad-input", "bad input", "test_bad_input.py"),
    ("data-safety", "data safety", "test_data_safety.py"),
    ("secrets", "secrets", "test_secrets.py"),
    ("posture", "posture", "test_posture.py"),
]


def _plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


def _faults(records):
    total = {k: sum(r[k] for r in records) for k in ("requests", "faults", "throttle", "error", "reset")}
    rates = sorted({f"{round(r['rate'] * 100)}%" for r in records})
    ok = sum(1 for r in records if r["deploy"] == "ok" and r["state"] == "equal")
    examples = ",".join(sorted({r["example"] for r in records}))
    return (f"{'/'.join(rates)} injected, {total['faults']} faults ({total['throttle']} throttling, "
            f"{total['error']} 5xx, {total['reset']} resets) in {total['requests']} calls, "
            f"{ok}/{len(records)} deploys ok and equal to a fault-free deploy, "
            f"{sum(r['duplicates'] for r in records)} duplicates (examples/{examples}.yml, seeds "
            f"{', '.join(str(r['seed']) for r in records)})")


def _crashes(records):
    examples = sorted({r["example"] for r in records})
    points = sorted({r["task_index"] for r in records})
    tasks = max(r["tasks"] for r in records)
    converged = sum(1 for r in records if r["converged"] and r["state"] == "equal")
    interrupted = sum(1 for r in records if r["interrupted"])
    return (f"{_plural(len(records), 'SIGKILL trial')} at {len(points)} points (tasks {points[0]}..{points[-1]} of "
            f"{tasks}), {converged} re-runs converged to the clean state, "
            f"{sum(r['duplicates'] for r in records)} duplicates, {interrupted} killed runs in history as "
            f"interrupted (examples/{','.join(examples)}.yml)")


def _readonly(records):
    parts = []
    for r in records:
        parts.append(
            f"policy of {r['actions']} read actions, enforced for {r['enforced_services']} services; drift runs ok "
            f"under it ({r['clean_calls']} + "
            f"{r['drift_calls']} calls, 0 denied, {r['drift_found']} drifts found); deploy under it failed "
            f"(denied: {', '.join(r['denied_operations'])}), {r['succeeded_writes']} writes succeeded, state {r['state']} "
            f"(examples/{r['example']}.yml)")
    return "; ".join(parts)


def _generic(records):
    """Figures of an area without a formatter here: numbers summed over its tests, other values listed."""
    totals = {}
    for record in records:
        for key, value in record.items():
            if key in ("area", "test"):
                continue
            if isinstance(value, bool):
                totals[key] = totals.get(key, 0) + int(value) if isinstance(totals.get(key, 0), int) else value
            elif isinstance(value, (int, float)):
                current = totals.get(key, 0)
                totals[key] = current + value if isinstance(current, (int, float)) else value
            else:
                values = totals.setdefault(key, [])
                if isinstance(values, list):
                    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
                    if text not in values:
                        values.append(text)
    return ", ".join(f"{key.replace('_', ' ')} {','.join(v) if isinstance(v, list) else v}"
                     for key, v in totals.items())


def _bad_input(records):
    parts = ", ".join(f"{r['cases']} {'module options' if r['part'] == 'modules' else 'lake variables'}"
                      for r in records)
    return (f"{sum(r['cases'] for r in records)} invalid inputs ({parts}), {sum(r['named'] for r in records)} "
            f"failed naming the field, {sum(r['aws_calls'] for r in records)} AWS calls")


def _check_mode(records):
    parts = ", ".join(f"{r['modules']} modules" if r["part"] == "modules" else f"the role on examples/{r['example']}.yml"
                      for r in records)
    return (f"{parts}: {sum(r['runs'] for r in records)} check runs (absent, present, drifted), "
            f"{sum(r['calls'] for r in records)} calls, {sum(r['mutating'] for r in records)} mutating")


FORMATTERS = {"faults": _faults, "crashes": _crashes, "readonly": _readonly, "bad-input": _bad_input,
              "check-mode": _check_mode}


def describe(area, records):
    """The figures of an area as one line; the generic form when its records lack a figure the formatter reads."""
    try:
        return FORMATTERS.get(area, _generic)(records)
    except (KeyError, TypeError, ValueError):
        return _generic(records)


def outcomes(junit):
    """{test file name: [(test name, 'passed'|'failed'|'skipped', seconds)]} from pytest's JUnit report."""
    found = {}
    if not os.path.exists(junit):
        return found
    for case in ET.parse(junit).getroot().iter("testcase"):  # nosec - our own pytest's report
        module = case.get("classname", "").rsplit(".", 1)[-1] or case.get("name", "")
        name = case.get("name", "")
        if case.find("failure") is not None or case.find("error") is not None:
            outcome = "failed"
        elif case.find("skipped") is not None:
            outcome = "skipped"
        else:
            outcome = "passed"
        found.setdefault(module.rsplit(".", 1)[-1] + ".py", []).append((name, outcome, float(case.get("time") or 0)))
    return found


def figures(path):
    records = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    record = json.loads(line)
                    records.setdefault(record["area"], []).append(record)
    return records


def summarize(results, records, fast=False):
    """(lines, every area passed); in the fast slice, an area whose tests are all full-suite only (deselected, not
    skipped) says so and is not counted either way."""
    lines, ok = [], True
    for area, label, filename in AREAS:
        tests = results.get(filename, [])
        failed = [n for n, o, dummy in tests if o == "failed"]
        skipped = [n for n, o, dummy in tests if o == "skipped"]
        if not os.path.exists(os.path.join(HERE, filename)):
            line = f"MISSING (no tests/reliability/{filename})"
        elif not tests and fast:
            lines.append(f"{label}: not in the fast slice (make reliability runs it)")
            continue
        elif not tests:
            line = f"MISSING (no test of {filename} ran)"
        elif failed:
            line = f"FAILED ({len(failed)} of {len(tests)} tests failed: {', '.join(failed[:5])})"
        elif skipped:
            line = f"FAILED ({len(skipped)} of {len(tests)} tests skipped; a skip is not a pass)"
        elif not records.get(area):
            line = f"FAILED ({len(tests)} tests passed but recorded no figures)"
        else:
            line = describe(area, records[area])
            line += f" [{_plural(len(tests), 'test')} passed, {sum(t for dummy, o, t in tests):.0f} s]"
            lines.append(f"{label}: {line}")
            continue
        ok = False
        lines.append(f"{label}: {line}")
    return lines, ok


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast", action="store_true", help="the slice make test runs (small lake, fewer trials)")
    parser.add_argument("-n", "--workers", default="2", help="pytest-xdist workers (0: none); default 2")
    parser.add_argument("pytest_args", nargs="*", help="more pytest arguments (after --), e.g. -k faults")
    args = parser.parse_args(argv)

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="reliability-") as work:
        figures_file = os.path.join(work, "figures.jsonl")
        junit = os.path.join(work, "junit.xml")
        command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rfEs",
                   f"--junitxml={junit}", "-o", "junit_family=xunit2"]
        if args.workers not in ("0", ""):
            command += ["-n", args.workers, "--dist", "load"]
        if args.fast:
            command.append("--reliability-fast")
        command += [HERE, *args.pytest_args]
        status = subprocess.call(command, cwd=ROOT, env=dict(os.environ, RELIABILITY_FIGURES=figures_file))
        lines, ok = summarize(outcomes(junit), figures(figures_file), fast=args.fast)
    elapsed = time.monotonic() - started

    print(f"\nreliability{' (fast slice)' if args.fast else ''}: {elapsed / 60:.1f} min, pytest exit status {status}")
    for line in lines:
        print(line)
    return 0 if ok and status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
