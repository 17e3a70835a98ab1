"""/chair/<slug>/settings/translations/: the call's texts in each language it accepts (issue 24).

Chairs of the call only (``cfp.access.chair_required``); everyone else gets 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cfp.access import chair_required
from cfp.domain.languages import language_name
from cfp.forms import call_translations as forms
from cfp.queries import call_translations as queries
from cfp.queries.membership import CallMembership
from cfp.services import call_translations as services
from common.htmx import HtmxHttpRequest
from common.render import page, user_id

TEMPLATE = "cfp/chair_translations.html"


@require_http_methods(["GET", "HEAD", "POST"])
@chair_required
def translations_page(request: HtmxHttpRequest, chair: CallMembership) -> HttpResponse:
    editor = queries.editor(call_id=chair.id)
    status = 200
    if request.method == "POST":
        form = forms.TranslationsForm(request.POST, editor=editor)
        if form.is_valid():
            try:
                services.save_translations(
                    call_slug=chair.slug,
                    main_language=form.cleaned_data["main_language"],
                    typed=form.translations(),
                    actor_id=user_id(request),
                    now=timezone.now(),
                )
            except services.UnableToSaveTranslations as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Translations saved."))
                return redirect("callsettings:translations", slug=chair.slug)
        # The chair's typing stays on the page with the reason.
        status = 400
    else:
        form = forms.TranslationsForm(editor=editor)
    sections = tuple(
        (code, language_name(code), form.fields_for(code)) for code in editor.languages
    )
    return page(
        request,
        TEMPLATE,
        {"call": chair, "form": form, "editor": editor, "sections": sections},
        status=status,
    )
