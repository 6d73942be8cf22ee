"""The two-step bulk import page shared by the FAQ and catalog imports: upload → the dry run's
report (each bad row by its line) → confirm the staged file: all rows or none. Each app passes
its own use-cases; the page flow is one."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kazan.core.errors import KazanError


def import_page(
    request: HttpRequest,
    *,
    page: str,
    context: dict[str, Any],
    form_class: type[forms.Form],
    max_bytes: int,
    run: Callable[[str, bytes, bool], Any],
    stage: Callable[[str, bytes], str],
    staged: Callable[[str], tuple[str, bytes]],
    unstage: Callable[[str], None],
    done: Callable[[Any], HttpResponse],
) -> HttpResponse:
    """`run(file_name, content, dry_run)` checks (and without dry_run saves) a file; `done`
    answers a saved import (a message and a redirect)."""
    context = {"form": form_class(), **context}
    if request.method == "GET":
        return render(request, page, context)
    token = request.POST.get("token", "")
    try:
        if token:  # the confirmation of a checked file
            name, content = staged(token)
            report = run(name, content, False)
            if report.saved:
                unstage(token)
                return done(report)
        else:
            form = form_class(request.POST, request.FILES)
            context["form"] = form
            if not form.is_valid():
                return render(request, page, context, status=400)
            upload = form.cleaned_data["file"]
            content = upload.read(max_bytes + 1)
            report = run(upload.name, content, True)
            if report.ok:
                token = stage(upload.name, content)
    except KazanError as error:
        context["error"] = str(error.message)
        return render(request, page, context, status=error.status)
    context.update(report=report, token=token if report.ok else "")
    return render(request, page, context, status=200 if report.ok else 400)
