"""oppbot: a self-hosted Slack app that runs a sales team's opportunity pipeline."""

__version__ = "0.1.0"
