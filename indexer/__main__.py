"""`python -m indexer`: see indexer.cli."""

from indexer.cli import main

raise SystemExit(main())
