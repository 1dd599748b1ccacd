"""The HTTP response carrying an exported file, shared by the export page and the API."""

from django.http import HttpResponse

from postmortems.exports import documents as exports


def file_response(body: str | bytes, fmt: str, filename: str) -> HttpResponse:
    """The file with its type; the PDF opens in the browser, the others download."""
    content_type, extension = exports.FORMATS[fmt]
    response = HttpResponse(body, content_type=content_type)
    disposition = "inline" if fmt == "pdf" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
