"""Function views: reviewer pages, the chair's dashboard and shortlist, curation, invitations."""
