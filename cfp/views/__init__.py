"""cfp's pages, one module per audience and task: public, speaker, cospeakers, profile, accounts,
chair_settings, chair_moderation. URL maps import the module they route to."""
