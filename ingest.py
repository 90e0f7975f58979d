#!/usr/bin/env python3
"""Ingest interview pages: `python ingest.py PATH... [--index DIR]` (see --help)."""

import sys

from searchsvc.cli import main

if __name__ == "__main__":
    sys.exit(main(["ingest", *sys.argv[1:]]))
