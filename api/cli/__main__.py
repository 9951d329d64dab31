"""``python -m api.cli``: the ``gongshi`` command without the console script."""

from api.cli import main

raise SystemExit(main())
