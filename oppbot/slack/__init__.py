"""The Slack surface: Bolt app, listeners, Block Kit builders, parsing and text formatting."""
