"""Pure Block Kit builders: dicts in, dicts out, no I/O."""
