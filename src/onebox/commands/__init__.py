"""The ``onebox`` subcommands: one module each, each exposing ``register(subparsers)``."""
