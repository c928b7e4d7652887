"""`python -m imsclinic.anatomy segments ...`"""

from __future__ import annotations

from .cli import main

raise SystemExit(main())
