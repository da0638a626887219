"""``python -m onebox_orchestrator``: the same as the ``onebox-orchestrator`` script."""

from onebox_orchestrator.main import main

main()
