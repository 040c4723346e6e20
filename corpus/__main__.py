"""`python -m corpus`: see corpus.cli."""

from corpus.cli import main

raise SystemExit(main())
