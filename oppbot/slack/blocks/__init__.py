"""Pure Block Kit builders: they return dicts and never send."""
