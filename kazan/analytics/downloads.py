"""Handing an export's file to the person who may have it, for the console's and the business
team's export pages alike (the views decide who may; this decides how the file leaves)."""

from collections.abc import Callable

from django.http import FileResponse, Http404

from kazan.analytics.exports import CONTENT_TYPES
from kazan.analytics.models import ExportJob
from kazan.analytics.services import export_file_path


def export_file_response(job: ExportJob, *, record: Callable[[], object]) -> FileResponse:
    """The finished export as a private attachment. `record` logs the download once the file
    is open, so a file that is gone is a 404 and logs nothing; if `record` refuses, the file is
    closed again and the refusal propagates."""
    path = export_file_path(job)
    if path is None:
        raise Http404
    try:
        handle = open(path, "rb")  # noqa: SIM115 (FileResponse closes it)
    except OSError:
        raise Http404 from None
    try:
        record()
    except BaseException:
        handle.close()
        raise
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=job.download_name,
        content_type=CONTENT_TYPES[job.format],
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
