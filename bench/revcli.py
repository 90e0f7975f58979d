"""Run ``searchsvc`` from another source tree (``bench/run.py --before REV`` / ``--tree REV``).

    python bench/revcli.py TREE ingest ...
    python bench/revcli.py TREE serve ...

The package is installed editable, and its import hook would win over PYTHONPATH;
this drops the hook and puts TREE first, so the older code really is what runs.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import use_tree  # noqa: E402

tree = os.path.abspath(sys.argv.pop(1))
use_tree(tree)

import searchsvc.cli  # noqa: E402

assert searchsvc.cli.__file__.startswith(tree), searchsvc.cli.__file__
sys.exit(searchsvc.cli.main())
