# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""deltalake.aws.glue_table: validation messages, the optional libraries, and Hive tables reconciled in-process
against moto with every AWS operation counted (Iceberg and Delta need the HTTP emulator: tests/e2e/test_tables.py
and the glue_table integration target)."""

import json
import os
import subprocess
import sys
from unittest.mock import MagicMock

import boto3
import pytest

from moto import mock_aws

from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.deltalake.aws.plugins.module_utils.base import aws_retry
from ansible_collections.deltalake.aws.plugins.modules import glue_table

READ_PREFIXES = ("Get", "List", "Head")


class ModuleFailed(Exception):
    def __init__(self, kwargs):
        super().__init__(kwargs.get("msg"))
        self.kwargs = kwargs


class FakeModule:
    """What glue_table uses of DeltaLakeAWSModule; its clients record every operation in ``calls``."""

    def __init__(self, argument_spec, params, check_mode=False):
        self.params = {name: spec.get("default") for name, spec in argument_spec.items()}
        self.params.update(params)
        self.check_mode = check_mode
        self._diff = True
        self.region = "us-east-1"
        self.calls = []
        self.clients = {}  # one per service, as DeltaLakeAWSModule.client() keeps them

    def client(self, service):
        if service not in self.clients:
            raw = boto3.client(service, region_name=self.region)
            raw.meta.events.register("before-call.*.*", lambda model, **kwargs: self.calls.append(model.name))
            self.clients[service] = RetryingBotoClientWrapper(raw, aws_retry(delay=0, max_delay=0))
        return self.clients[service]

    @property
    def mutating(self):
        return [c for c in self.calls if not c.startswith(READ_PREFIXES)]

    def fail_json(self, **kwargs):
        raise ModuleFailed(kwargs)

    def fail_on_errors(self, errors):
        if errors:
            self.fail_json(msg="; ".join(errors), errors=errors)


def table(**values):
    """One item of ``tables`` with the suboption defaults Ansible fills in."""
    item = {key: spec.get("default") for key, spec in glue_table.TABLE_OPTIONS.items()}
    item.update(values)
    item["columns"] = [dict({k: s.get("default") for k, s in glue_table.COLUMN_OPTIONS.items()}, **c)
                       for c in item["columns"]] if item["columns"] is not None else None
    return item


def fake_module(tables, check_mode=False, **params):
    values = dict(database="sales", bucket="lake", tables=tables)
    values.update(params)
    return FakeModule(glue_table.ARGUMENT_SPEC, values, check_mode=check_mode)


def run(module):
    specs = glue_table.validate_params(module)
    glue_table.check_libraries(module, specs)
    catalog = glue_table.TableCatalog(module, module.client("glue"), MagicMock())
    return catalog.run(specs)


HIVE_TABLES = [
    table(name="clicks", format="json", columns=[{"name": "user_id", "type": "string"}, {"name": "dt", "type": "string"}],
          partition_by=["dt"]),
    table(name="lines", format="csv", columns=[{"name": "a", "type": "int"}, {"name": "b", "type": "string"}],
          properties={"skip.header.line.count": 1}, serde_parameters={"field.delim": "|"}),
    table(name="facts", format="parquet", description="Facts",
          columns=[{"name": "id", "type": "long"}, {"name": "amount", "type": "decimal(10, 2)", "comment": "EUR"}]),
]


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize("tables, field, rule", [
    ([table(name="Bad-Name", format="csv")], "tables[0].name", "lowercase letters, digits or underscores"),
    ([table(name="a")], "tables[0].format", "is required with state present"),
    ([table(name="a", format="csv"), table(name="a", format="csv")], "tables", "listed more than once"),
    ([table(name="a", format="iceberg", columns=[{"name": "x", "type": "strng"}])], "tables[0].columns[0].type",
     "is not a type of this table format"),
    ([table(name="a", format="csv", columns=[{"name": "X", "type": "int"}])], "tables[0].columns[0].name",
     "lowercase letters"),
    ([table(name="a", format="csv", columns=[{"name": "x", "type": "int", "required": True}])],
     "tables[0].columns[0].required", "only Iceberg and Delta"),
    ([table(name="a", format="delta", columns=[{"name": "x", "type": "int"}, {"name": "x", "type": "long"}])],
     "tables[0].columns", "listed more than once"),
    ([table(name="a", format="iceberg", columns=[{"name": "x", "type": "long"}], partition_by=["day(x)"])],
     "tables[0].partition_by[0]", "day applies to columns of type date, timestamp, timestamptz"),
    ([table(name="a", format="iceberg", columns=[{"name": "x", "type": "long"}], partition_by=["y"])],
     "tables[0].partition_by[0]", "is not in columns"),
    ([table(name="a", format="delta", columns=[{"name": "x", "type": "long"}], partition_by=["bucket[4](x)"])],
     "tables[0].partition_by[0]", "transforms are for Iceberg tables"),
    ([table(name="a", format="iceberg", columns=[{"name": "x", "type": "list<int"}], partition_by=["x"])],
     "tables[0].columns[0].type", "ends early"),
    ([table(name="a", format="iceberg", properties={"format-version": 1})], "tables[0].properties.format-version",
     "is not a table property"),
    ([table(name="a", format="delta", serde_parameters={"a": "b"})], "tables[0].serde_parameters",
     "only parquet, json and csv"),
    ([table(name="a", format="iceberg", columns=[{"name": "y", "type": "int"}], rename_columns={"x": "z"})],
     "tables[0].rename_columns.x", "must be in columns"),
    ([table(name="a", format="csv", location="s3://lake/")], "tables[0].location", "with a key prefix"),
    ([table(name="a", format="csv", location="s3://Lake/t/")], "tables[0].location", "lowercase letters"),
])
def test_invalid_input_names_the_field_and_the_rule(tables, field, rule):
    module = fake_module(tables)
    with pytest.raises(ModuleFailed) as failed:
        glue_table.validate_params(module)
    assert any(message.startswith(field) and rule in message for message in failed.value.kwargs["errors"]), \
        failed.value.kwargs["errors"]
    assert module.calls == []


def test_location_needs_a_bucket_or_a_location():
    module = FakeModule(glue_table.ARGUMENT_SPEC, dict(database="sales", tables=[table(name="a", format="csv")]))
    with pytest.raises(ModuleFailed, match=r"tables\[0\].location: is required when the module option bucket"):
        glue_table.validate_params(module)


def test_default_location_and_normalized_spec():
    module = fake_module([table(name="orders", format="iceberg", columns=[{"name": "x", "type": "bigint"}],
                                partition_by=["identity(x)"], properties={"flag": True})], prefix="")
    spec = glue_table.validate_params(module)[0]
    assert spec["location"] == "s3://lake/sales/orders/"
    assert spec["columns"][0]["type"] == "long" and spec["partition_by"] == ["x"]
    assert spec["properties"] == {"flag": "true"}


# ------------------------------------------------------------------ optional libraries


def test_libraries_are_checked_only_for_the_formats_listed(monkeypatch):
    checked = []
    monkeypatch.setattr(glue_table.iceberg, "check_library", lambda: checked.append("pyiceberg"))
    monkeypatch.setattr(glue_table.delta, "check_library", lambda: checked.append("deltalake"))
    glue_table.check_libraries(fake_module([]), glue_table.validate_params(fake_module(HIVE_TABLES)))
    assert checked == []
    specs = glue_table.validate_params(fake_module([table(name="a", format="delta"), table(name="b", state="absent")]))
    glue_table.check_libraries(fake_module([]), specs)
    assert checked == ["deltalake"]


def test_a_missing_library_is_named(monkeypatch):
    def missing():
        raise ImportError("No module named 'pyiceberg'")

    monkeypatch.setattr(glue_table.iceberg, "check_library", missing)
    module = fake_module([table(name="a", format="iceberg")])
    with pytest.raises(ModuleFailed, match=r"pyiceberg>=0.9 and pyarrow.*for iceberg tables"):
        glue_table.check_libraries(module, glue_table.validate_params(module))


@pytest.mark.parametrize("missing", ["pyiceberg", "pyarrow"])
def test_iceberg_check_finds_a_missing_package_without_importing(monkeypatch, missing):
    found = glue_table.iceberg.importlib.util.find_spec
    monkeypatch.setattr(glue_table.iceberg.importlib.util, "find_spec",
                        lambda name: None if name == missing else found(name))
    with pytest.raises(ImportError, match=missing):
        glue_table.iceberg.check_library()


def test_a_library_that_fails_to_import_at_the_first_write_is_named(monkeypatch):
    """An installed but broken pyiceberg passes the check and fails when the first Iceberg table is written,
    before any write, with the same message."""
    def broken():
        raise ImportError("cannot import name 'GlueCatalog'")

    monkeypatch.setattr(glue_table.iceberg, "load_library", broken)
    module = fake_module([table(name="a", format="iceberg", columns=[{"name": "x", "type": "long"}])])
    spec = glue_table.validate_params(module)[0]
    catalog = glue_table.TableCatalog(module, MagicMock(), MagicMock())
    entry = glue_table.Entry("a", spec, None)
    with pytest.raises(ModuleFailed, match=r"pyiceberg>=0.9 and pyarrow.*for iceberg tables"):
        catalog.write(entry)
    assert not catalog.glue.method_calls and not module.calls


def test_an_iceberg_check_imports_nothing():
    """In a fresh interpreter: the check before the first AWS call finds pyiceberg and pyarrow without importing
    them (importing pyiceberg takes about 0.7 s, and a run that changes no Iceberg table never needs it)."""
    code = (
        "import json, sys\n"
        "from ansible_collections.deltalake.aws.plugins.module_utils import iceberg\n"
        "iceberg.check_library()\n"
        "print(json.dumps(sorted(m for m in ('pyiceberg', 'pyarrow') if m in sys.modules)))\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    completed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == []


def test_a_hive_only_run_never_imports_the_table_libraries():
    """In a fresh interpreter: importing the module and planning Hive tables leaves pyiceberg, deltalake and
    pyarrow unimported."""
    code = (
        "import json, sys\n"
        "from ansible_collections.deltalake.aws.plugins.modules import glue_table\n"
        "from unittest.mock import MagicMock\n"
        "module = MagicMock(params={'database': 'sales', 'catalog_id': None, 'bucket': 'lake', 'prefix': '',"
        " 'allow_destructive': False, 'tables': json.loads(sys.argv[1])}, region='us-east-1')\n"
        "module.fail_on_errors.side_effect = lambda errors: sys.exit(str(errors)) if errors else None\n"
        "glue_table.check_libraries(module, glue_table.validate_params(module))\n"
        "print(json.dumps(sorted(m for m in ('pyiceberg', 'deltalake', 'pyarrow') if m in sys.modules)))\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    completed = subprocess.run([sys.executable, "-c", code, json.dumps(HIVE_TABLES)], env=env, capture_output=True,
                               text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == []


# ------------------------------------------------------------------ Hive tables against moto


@pytest.fixture
def catalog():
    with mock_aws():
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        boto3.client("glue", region_name="us-east-1").create_database(DatabaseInput={"Name": "sales"})
        yield boto3.client("glue", region_name="us-east-1")


def test_check_mode_create_then_create_then_rerun(catalog):
    planned = run(fake_module(HIVE_TABLES, check_mode=True))
    assert planned["changed"] and sorted(planned["tables"]) == ["clicks", "facts", "lines"]
    assert [d["before_header"] for d in planned["diff"]] == ["sales.clicks", "sales.lines", "sales.facts"]
    assert catalog.get_tables(DatabaseName="sales")["TableList"] == []

    module = fake_module(HIVE_TABLES)
    created = run(module)
    assert created["tables"] == planned["tables"] and created["changes"] == planned["changes"]
    assert module.mutating == ["CreateTable"] * 3
    glue_lines = catalog.get_table(DatabaseName="sales", Name="lines")["Table"]
    assert glue_lines["Parameters"]["skip.header.line.count"] == "1"
    assert glue_lines["StorageDescriptor"]["SerdeInfo"]["Parameters"]["field.delim"] == "|"
    assert glue_lines["StorageDescriptor"]["Location"] == "s3://lake/processed/sales/lines/"

    for check_mode in (False, True):
        module = fake_module(HIVE_TABLES, check_mode=check_mode)
        again = run(module)
        assert not again["changed"] and again["tables"] == created["tables"] and again["diff"] == []
        assert module.calls == ["GetTables"]
        assert list(module.clients) == ["glue"]  # Hive tables only: no S3 client is made


def test_update_purge_and_delete(catalog):
    run(fake_module(HIVE_TABLES))
    catalog.create_table(DatabaseName="sales", TableInput={"Name": "stray", "StorageDescriptor": {
        "Location": "s3://lake/other/stray/"}})
    changed = [dict(HIVE_TABLES[0], columns=HIVE_TABLES[0]["columns"] + [
        {"name": "url", "type": "string", "required": False, "comment": None}])] + HIVE_TABLES[1:]

    module = fake_module(changed, purge_tables=True)
    result = run(module)
    assert result["changes"] == {"clicks": ["add column url string"], "stray": ["delete table (data kept)"]}
    assert result["changed_fields"] == ["clicks.columns", "stray"]
    assert module.mutating == ["UpdateTable", "BatchDeleteTable"]
    clicks = catalog.get_table(DatabaseName="sales", Name="clicks")["Table"]
    assert [c["Name"] for c in clicks["StorageDescriptor"]["Columns"]] == ["user_id", "url"]
    assert [c["Name"] for c in clicks["PartitionKeys"]] == ["dt"]

    module = fake_module([table(name="facts", state="absent"), table(name="nothing", state="absent")])
    result = run(module)
    assert result["changes"] == {"facts": ["delete table (data kept)"]} and module.mutating == ["BatchDeleteTable"]
    assert sorted(t["Name"] for t in catalog.get_tables(DatabaseName="sales")["TableList"]) == ["clicks", "lines"]


def test_unsafe_changes_fail_before_any_write(catalog):
    run(fake_module(HIVE_TABLES))
    narrowed = [dict(HIVE_TABLES[1], columns=[{"name": "a", "type": "string", "required": False, "comment": None}])]
    module = fake_module(narrowed + [dict(HIVE_TABLES[0], description="changed")])
    with pytest.raises(ModuleFailed) as failed:
        run(module)
    assert failed.value.kwargs["errors"] == [
        "tables[0] (lines): change type of a int -> string; drop column b: this loses data or breaks readers;"
        " set allow_destructive: true to do it"]
    assert module.mutating == []
    module = fake_module(narrowed, allow_destructive=True)
    assert run(module)["changes"]["lines"] == ["change type of a int -> string", "drop column b"]
    assert module.mutating == ["UpdateTable"]


def test_data_of_a_location_shared_with_another_table_is_never_deleted(catalog):
    run(fake_module(HIVE_TABLES + [table(name="inner", format="csv", location="s3://lake/processed/sales/lines/x/",
                                         columns=[{"name": "a", "type": "int"}])]))
    module = fake_module([table(name="lines", state="absent")], delete_data=True)
    with pytest.raises(ModuleFailed, match="also holds table inner"):
        run(module)
    assert module.mutating == []


def test_missing_database(catalog):
    planned = run(fake_module(HIVE_TABLES, check_mode=True, database="nodb"))
    assert planned["changed"] and len(planned["tables"]) == 3
    with pytest.raises(ModuleFailed, match="database: Glue database nodb does not exist"):
        run(fake_module(HIVE_TABLES, database="nodb"))
