"""Run ``searchsvc`` from another source tree (``bench/run.py --before REV``).

    python bench/revcli.py TREE ingest ...

The package is installed editable, and its import hook would win over PYTHONPATH;
this drops the hook and puts TREE first, so the older code really is what runs.
"""

import os
import sys

tree = os.path.abspath(sys.argv.pop(1))
sys.meta_path[:] = [f for f in sys.meta_path if "__editable__" not in getattr(f, "__module__", "") + repr(f)]
sys.path.insert(0, tree)

import searchsvc.cli  # noqa: E402

assert searchsvc.cli.__file__.startswith(tree), searchsvc.cli.__file__
sys.exit(searchsvc.cli.main())
