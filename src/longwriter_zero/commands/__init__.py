"""CLI subcommands. Each module exposes ``register(subparsers)``, which adds its parser(s) and
sets ``func`` (called with the parsed args; returns an exit code or None). Modules import heavy
dependencies (torch, transformers) inside their functions so ``lwz --help`` stays fast."""
