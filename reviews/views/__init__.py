"""Function views: reviewer pages, the chair's dashboard and shortlist, curation, invitations.

Pages behind ``cfp.access`` get the request typed as the decorator passes it (``HttpRequest``);
every view asks ``common.htmx`` (``is_htmx``, ``wants_fragment`` through ``common.render.page``)
whether htmx sent it, never ``request.htmx`` itself.
"""
