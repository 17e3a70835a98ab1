"""cfp's input parsing and validation, one module per page family (proposals, profile,
accounts, cospeakers, call_settings, moderation; shared pieces in fields).

Views import the module they need; no other app uses cfp's forms, so nothing is re-exported."""
