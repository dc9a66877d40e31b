# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Area 5, bad input: every case of the corpus (tests/reliability/bad_input.yml: module options of the 13 modules
and lake variables of the deltalake.aws.site playbook) fails with a message naming the wrong field, and the
emulator's recorder sees no AWS call at all.

Cheap by construction: the module cases run as one playbook (one looped task per module, ``ignore_errors``,
results read from the JSON callback), the lake cases as one run of deltalake.aws.site over an inventory with one
host per case (each host is a lake with its own variables; the play fails each host on its own)."""

import json
import os

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "bad_input.yml")


def load_corpus():
    with open(CORPUS, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def module_cases(corpus, every=1):
    """{module: [(field, args), ...]}: the base options with the case's overrides (a null value removes one);
    ``every``: only every n-th case of each module (the fast slice: each module invocation costs ~0.5 s of CPU,
    mostly importing boto3)."""
    cases = {}
    for module, spec in corpus["modules"].items():
        for case in spec["cases"][::every]:
            args = dict(spec["base"], **case["set"])
            cases.setdefault(module, []).append((case["field"], {k: v for k, v in args.items() if v is not None}))
    return cases


def item_results(run, task_prefix):
    for play in run.output["plays"]:
        for task in play["tasks"]:
            if task["task"]["name"].startswith(task_prefix):
                for result in task["hosts"].values():
                    yield task["task"]["name"][len(task_prefix):], result


def test_bad_module_options_fail_naming_the_field_without_aws_calls(aws, run_playbook, tmp_path, fast, figures):
    cases = module_cases(load_corpus(), every=4 if fast else 1)
    assert sorted(cases) == sorted(os.path.splitext(f)[0] for f in os.listdir(os.path.join(ROOT, "plugins", "modules"))
                                   if f.endswith(".py") and not f.startswith("_")), "every module has cases"
    playbook = [{
        "name": "Bad module options",
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
        "module_defaults": {"group/deltalake.aws.aws": {"region": "us-east-1"}},
        "tasks": [{
            "name": f"bad {module}",
            f"deltalake.aws.{module}": "{{ item[1] }}",
            "loop": [[field, args] for field, args in module_cases_list],
            "loop_control": {"label": "{{ item[0] }}"},
            "ignore_errors": True,
        } for module, module_cases_list in cases.items()],
    }]
    path = tmp_path / "bad_modules.yml"
    path.write_text(yaml.safe_dump(playbook))
    run = run_playbook(str(path))
    assert run.output, run.stdout[-3000:] + run.stderr[-3000:]

    total = named = 0
    problems = []
    seen = set()
    for module, result in item_results(run, "bad "):
        seen.add(module)
        items = result.get("results")
        assert isinstance(items, list) and len(items) == len(cases[module]), (module, result)
        for (field, args), item in zip(cases[module], items):
            total += 1
            message = str(item.get("msg", ""))
            if not item.get("failed"):
                problems.append(f"{module} {field}: {args} did not fail")
            elif field not in message:
                problems.append(f"{module} {field}: message does not name the field: {message}")
            else:
                named += 1
    calls = aws.calls()
    assert seen == set(cases)
    assert problems == [], "\n".join(problems)
    assert calls["total"] == 0, [(c["service"], c["operation"]) for c in calls["calls"]]
    assert fast or total >= 100
    figures("bad-input", part="modules", cases=total, named=named, aws_calls=calls["total"])


def test_bad_lake_variables_fail_naming_the_variable_without_aws_calls(aws, run_playbook, tmp_path, figures):
    corpus = load_corpus()["role"]
    with open(os.path.join(ROOT, "examples", "basic.yml"), encoding="utf-8") as handle:
        basic = yaml.safe_load(handle)
    # one lake per case, each with a name of its own unless the case is about the name
    hosts = {f"case{index:03d}": dict(basic, **dict({"datalake_name": f"case-{index:03d}"}, **case["vars"]))
             for index, case in enumerate(corpus)}
    inventory = tmp_path / "lakes.yml"
    inventory.write_text(yaml.safe_dump({"all": {"children": {"lakes": {"hosts": hosts}}}}))

    run = run_playbook("deltalake.aws.site", "-i", str(inventory), "-e", "datalake_hosts=lakes", "--forks", "4")
    assert run.output, run.stdout[-3000:] + run.stderr[-3000:]
    failures = {}
    for play in run.output["plays"]:
        for task in play["tasks"]:
            for host, result in task["hosts"].items():
                if result.get("failed"):
                    failures.setdefault(host, str(result.get("msg", "")) + json.dumps(result.get("argument_errors", "")))
    problems = []
    named = 0
    for index, case in enumerate(corpus):
        host = f"case{index:03d}"
        if host not in failures:
            problems.append(f"{case['vars']} did not fail")
        elif case["field"] not in failures[host]:
            problems.append(f"{case['vars']}: the message does not name {case['field']}: {failures[host]}")
        else:
            named += 1
    calls = aws.calls()
    assert run.rc != 0
    assert problems == [], "\n".join(problems)
    assert calls["total"] == 0, [(c["service"], c["operation"]) for c in calls["calls"]]
    figures("bad-input", part="role", cases=len(corpus), named=named, aws_calls=calls["total"])
