"""The Slack adapter: Bolt listeners, Block Kit builders, the notifier and the directory."""
