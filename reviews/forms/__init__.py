"""Input parsing (plain Forms): reviewing, invitations, the chair's pages, curation."""
