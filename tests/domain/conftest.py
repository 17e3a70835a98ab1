"""Domain tests are plain Python: no database, no Django settings needed."""
