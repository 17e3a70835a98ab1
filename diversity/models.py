"""Self-identification lives here, in its own tables, apart from review data."""
