"""The use cases' own helpers: what the service and the deliverer share, built before either."""
