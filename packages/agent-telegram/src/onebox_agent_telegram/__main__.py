"""``python -m onebox_agent_telegram``: the same as the ``onebox-telegram`` command."""

import sys

from .main import main

sys.exit(main())
