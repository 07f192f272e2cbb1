"""Pure rules of the opportunity pipeline: no Slack, no database, no I/O."""
