#!/usr/bin/env bash
# Lay out the collection the way ansible-test needs it: a real copy (not a symlink) of this checkout at
# $TREE_BASE/ansible_collections/deltalake/aws, with amazon.aws (from the installed ansible bundle) beside it,
# and the pip bootstrap shim in ansible-test's cache (its get-pip download is not reachable from CI).
# The copy lives outside the git work tree: inside it, ansible-test would list only files git tracks.
# Prints the path of the copy.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=.venv/bin/python
TREE_BASE=${TREE_BASE:-${TMPDIR:-/tmp}/deltalake.aws-tree-$(pwd | cksum | cut -d' ' -f1)}
TREE=$TREE_BASE/ansible_collections
rm -rf "$TREE/deltalake"
mkdir -p "$TREE/deltalake/aws"
tar --exclude=./.git --exclude=./.venv --exclude=./build --exclude=./tests/output --exclude=./.ansible \
    --exclude='__pycache__' --exclude=./.pytest_cache -cf - . | tar -C "$TREE/deltalake/aws" -xf -
if [ ! -d "$TREE/amazon/aws" ]; then
  AWS_DIR=$($PY -c 'import ansible_collections.amazon.aws as m; print(list(m.__path__)[0])')
  mkdir -p "$TREE/amazon"
  cp -r "$AWS_DIR" "$TREE/amazon/aws"
fi
PIP_VERSION=$($PY -c 'import re, ansible_test._internal.python_requirements as r, inspect; print(re.search(r"pip=.(\d+\.\d+)", inspect.getsource(r.get_venv_packages)).group(1))')
mkdir -p "$HOME/.ansible/test/cache"
cp tests/ci/get_pip_shim.py "$HOME/.ansible/test/cache/get_pip_${PIP_VERSION//./_}.py"
echo "$TREE/deltalake/aws"
