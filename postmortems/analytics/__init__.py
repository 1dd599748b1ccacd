"""Analytics: the organization's metrics, their charts and tables, and recurring patterns."""
