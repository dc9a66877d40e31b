# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small, documented corrections and additions to moto where it departs from the AWS API reference.

One module per AWS service (``s3.py``, ``glue.py``, ...), each with an ``EXTENSIONS`` tuple of functions that patch
moto in the emulator process only (never the code under test). Each function's docstring says which AWS behaviour
it restores, with a link to the API reference, and the function keeps to exactly that. ``apply_all()`` runs every
extension before the server starts.
"""

import importlib
import pkgutil


def apply_all():
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for extension in module.EXTENSIONS:
            extension()
