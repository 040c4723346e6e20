"""`python -m rightssearch`: see rightssearch.cli."""

from rightssearch.cli import main

raise SystemExit(main())
