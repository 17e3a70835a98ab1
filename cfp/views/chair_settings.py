"""The chair's settings page: the call itself and its formats, tracks, criteria and questions.

Chairs of the call only (``cfp.access.chair_required``); everyone else gets 404. Each view:
check access → parse → at most one service call → query → render.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cfp import services
from cfp.access import chair_required
from cfp.domain import markdown
from cfp.forms import call_settings as settings_forms
from cfp.forms import deletion as deletion_forms
from cfp.queries import deletion as deletion_queries
from cfp.queries import settings_page as settings_queries
from cfp.queries.membership import CallMembership
from common import htmx
from common.htmx import HtmxHttpRequest
from common.numbers import is_whole_number
from common.render import page, user_id

# --- the settings page ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Section:
    """One list of configuration rows on the settings page and the services that change it."""

    form: type[settings_forms.RowForm]
    rows: Callable[[settings_queries.CallSettings], tuple[Any, ...]]
    save: Callable[..., int]
    delete: Callable[..., None]
    # The keyword the save and delete services take the row's id by.
    id_kw: str


SECTIONS: dict[str, Section] = {
    "formats": Section(
        settings_forms.FormatForm,
        lambda c: c.formats,
        services.save_format,
        services.delete_format,
        "format_id",
    ),
    "tracks": Section(
        settings_forms.TrackForm,
        lambda c: c.tracks,
        services.save_track,
        services.delete_track,
        "track_id",
    ),
    "criteria": Section(
        settings_forms.CriterionForm,
        lambda c: c.criteria,
        services.save_criterion,
        services.delete_criterion,
        "criterion_id",
    ),
    "questions": Section(
        settings_forms.QuestionForm,
        lambda c: c.questions,
        services.save_question,
        services.delete_question,
        "question_id",
    ),
}


@dataclass(frozen=True, slots=True)
class Editing:
    """The row being edited (``row`` None: the "add" form) with its bound or initial form."""

    section: str
    row: int | None
    form: settings_forms.RowForm
    error: str = ""


def _prefix(section: str, row: int | None) -> str:
    return f"{section}-{row if row is not None else 'new'}"


def _edit_form(
    settings: settings_queries.CallSettings, section: str, row_id: int | None
) -> settings_forms.RowForm | None:
    spec = SECTIONS[section]
    for row in spec.rows(settings):
        if row.id == row_id:
            return spec.form(prefix=_prefix(section, row_id), initial=spec.form.initial_for(row))
    return None


def _parse_edit(value: str) -> tuple[str, int] | None:
    section, _sep, raw = value.partition("-")
    if section in SECTIONS and is_whole_number(raw):
        return section, int(raw)
    return None


def _settings_context(
    chair: CallMembership,
    *,
    settings: settings_queries.CallSettings | None = None,
    call_form: settings_forms.CallSettingsForm | None = None,
    preview_html: str | None = None,
    editing: Editing | None = None,
    edit: tuple[str, int] | None = None,
) -> dict[str, Any]:
    settings = settings or settings_queries.call_settings(call_id=chair.id)
    if call_form is None:
        call_form = settings_forms.CallSettingsForm(
            initial=settings_forms.CallSettingsForm.initial_for(settings),
            languages=settings.languages,
            phase=settings.phase,
        )
    if editing is None and edit is not None:
        form = _edit_form(settings, *edit)
        if form is not None:
            editing = Editing(section=edit[0], row=edit[1], form=form)
    add_forms: dict[str, settings_forms.RowForm] = {
        name: spec.form(prefix=_prefix(name, None)) for name, spec in SECTIONS.items()
    }
    if editing is not None and editing.row is None:
        add_forms[editing.section] = editing.form
    return {
        "call": settings,
        "chair": chair,
        "call_form": call_form,
        "preview_html": preview_html
        if preview_html is not None
        else markdown.render_markdown(text=settings.description),
        "add_forms": add_forms,
        "editing": editing,
    }


@require_http_methods(["GET", "HEAD", "POST"])
@chair_required
def settings_page(request: HtmxHttpRequest, chair: CallMembership) -> HttpResponse:
    """The call's name, text, dates, languages and review settings, and the rows below."""
    if request.method != "POST":
        edit = _parse_edit(request.GET.get("edit", ""))
        return page(request, "cfp/chair_settings.html", _settings_context(chair, edit=edit))
    settings = settings_queries.call_settings(call_id=chair.id)
    form = settings_forms.CallSettingsForm(
        request.POST, languages=settings.languages, phase=settings.phase
    )
    if request.POST.get("action") == "preview":
        # Render what was typed without saving; htmx gets the preview box only.
        preview = markdown.render_markdown(text=request.POST.get("description", "")[:20000])
        context = _settings_context(chair, settings=settings, call_form=form, preview_html=preview)
        return page(request, "cfp/chair_settings.html", context, partial="preview")
    if form.is_valid():
        try:
            changed = services.update_call_settings(
                call_slug=chair.slug,
                data=form.data_object(),
                actor_id=user_id(request),
                now=timezone.now(),
            )
        except services.UnableToConfigure as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(
                request,
                _("Saved: %(fields)s.") % {"fields": ", ".join(changed)}
                if changed
                else _("Nothing changed."),
            )
            return redirect("callsettings:settings", slug=chair.slug)
    context = _settings_context(chair, settings=settings, call_form=form)
    return page(request, "cfp/chair_settings.html", context, status=400)


@require_http_methods(["GET", "HEAD", "POST"])
@chair_required
def rows(request: HtmxHttpRequest, chair: CallMembership, section: str) -> HttpResponse:
    """GET: a row in edit mode (htmx); POST: save or delete one row of ``section`` (the URL map
    names the section of each address)."""
    spec = SECTIONS[section]
    settings_url = reverse("callsettings:settings", args=[chair.slug])
    if request.method != "POST":
        edit = _parse_edit(f"{section}-{request.GET.get('edit', '')}")
        if not htmx.wants_fragment(request):
            query = f"?edit={edit[0]}-{edit[1]}" if edit else ""
            return redirect(f"{settings_url}{query}#{section}")
        return page(
            request,
            "cfp/chair_settings.html",
            _settings_context(chair, edit=edit),
            partial=section,
        )
    action = settings_forms.RowActionForm(request.POST)
    action.is_valid()
    row_id = action.cleaned_data.get("row")
    now = timezone.now()
    bad = 200 if htmx.wants_fragment(request) else 400
    if action.cleaned_data.get("action") == "delete" and row_id is not None:
        try:
            spec.delete(
                call_slug=chair.slug, actor_id=user_id(request), now=now, **{spec.id_kw: row_id}
            )
        except services.UnableToConfigure as exc:
            blank = spec.form(prefix=_prefix(section, None))
            editing = Editing(section=section, row=None, form=blank, error=str(exc))
            context = _settings_context(chair, editing=editing)
            return page(request, "cfp/chair_settings.html", context, partial=section, status=bad)
        return _row_saved(request, chair, section, _("Deleted."))
    form = spec.form(request.POST, prefix=_prefix(section, row_id))
    if form.is_valid():
        try:
            spec.save(
                call_slug=chair.slug,
                data=form.data_object(),
                actor_id=user_id(request),
                now=now,
                **{spec.id_kw: row_id},
            )
        except services.UnableToConfigure as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            return _row_saved(request, chair, section, _("Saved."))
    context = _settings_context(chair, editing=Editing(section=section, row=row_id, form=form))
    return page(request, "cfp/chair_settings.html", context, partial=section, status=bad)


def _row_saved(
    request: HtmxHttpRequest, chair: CallMembership, section: str, message: str
) -> HttpResponse:
    if htmx.wants_fragment(request):
        context = {**_settings_context(chair), "section_message": message}
        return page(request, "cfp/chair_settings.html", context, partial=section)
    messages.success(request, message)
    return redirect(reverse("callsettings:settings", args=[chair.slug]) + f"#{section}")


# --- deleting a row: what it will do, where its proposals go -----------------------------------


def _impact_or_404(chair: CallMembership, section: str, row_id: int) -> Any:
    impact = deletion_queries.deletion_impact(call_id=chair.call_id, section=section, row_id=row_id)
    if impact is None:
        raise Http404(_("This row does not exist any more."))
    return impact


@require_http_methods(["GET", "HEAD", "POST"])
@chair_required
def delete_row(
    request: HtmxHttpRequest, chair: CallMembership, section: str, row_id: int
) -> HttpResponse:
    """GET: say what deleting the row will do (and ask where its proposals go);
    POST: move them and delete the row in one transaction, or show why not, choice kept."""
    spec = SECTIONS[section]
    impact = _impact_or_404(chair, section, row_id)
    status = 200
    form = deletion_forms.MoveForm(impact=impact)
    if request.method == "POST":
        form = deletion_forms.MoveForm(request.POST, impact=impact)
        if form.is_valid() and not impact.refused:
            try:
                spec.delete(
                    call_slug=chair.slug,
                    actor_id=user_id(request),
                    now=timezone.now(),
                    **{spec.id_kw: row_id},
                    **form.delete_kwargs(),
                )
            except services.UnableToConfigure as exc:
                form.add_error("move_to" if exc.field == "move_to" else None, str(exc))
            else:
                messages.success(request, _("Deleted “%(name)s”.") % {"name": impact.name})
                return redirect(reverse("callsettings:settings", args=[chair.slug]) + f"#{section}")
        status = 400
    return page(
        request,
        "cfp/chair_delete_row.html",
        {"call": chair, "impact": impact, "form": form, "section": section},
        status=status,
    )
