"""onebox: the umbrella command that runs and inspects the whole stack."""
