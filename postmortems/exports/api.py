"""API v1: ``GET /api/v1/postmortems/{number}/export/{pdf,md,html,json}``.

The postmortem is found among those the token's user may read in the token's organization
first (404 otherwise, for every method). The format names the renderer, whatever the
``Accept`` header says; an unknown format is a 404.
"""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from postmortems.api import ERRORS, NUMBER_PARAMETER, PostmortemObjectView
from postmortems.exports import documents as exports
from postmortems.exports import rendering
from postmortems.exports.markdown import markdown_of
from postmortems.exports.pdf import PdfError, PdfTooLarge
from postmortems.exports.responses import file_response
from postmortems.exports.serializers import PostmortemExportSerializer


class _PassThrough(BaseRenderer):
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class PdfRenderer(_PassThrough):
    media_type = "application/pdf"
    format = "pdf"


class MarkdownRenderer(_PassThrough):
    media_type = "text/markdown"
    format = "md"
    charset = "utf-8"


class StandaloneHtmlRenderer(_PassThrough):
    media_type = "text/html"
    format = "html"
    charset = "utf-8"


RENDERERS = {
    "pdf": PdfRenderer,
    "md": MarkdownRenderer,
    "html": StandaloneHtmlRenderer,
    "json": JSONRenderer,
}
FORMAT_PARAMETER = OpenApiParameter(
    "fmt",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=list(RENDERERS),
    description="pdf, md (Markdown), html (standalone, inline styles) or json.",
)


@extend_schema(tags=["postmortems"], parameters=[NUMBER_PARAMETER, FORMAT_PARAMETER])
class PostmortemExportView(PostmortemObjectView):
    """One postmortem as a file."""

    renderer_classes = [JSONRenderer, PdfRenderer, MarkdownRenderer, StandaloneHtmlRenderer]

    def perform_content_negotiation(self, request: Request, force: bool = False):
        """The URL's format decides (an unknown one answers JSON: its 404)."""
        renderer = RENDERERS.get(self.kwargs.get("fmt"), JSONRenderer)()
        return renderer, renderer.media_type

    def finalize_response(self, request: Request, response, *args, **kwargs):
        """Errors (and JSON) are DRF responses: always rendered as JSON. Files are plain
        responses and pass through."""
        if isinstance(response, Response):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        summary="Export a postmortem",
        description="`json`: everything structured (sections with their data, timeline, action "
        "items, reviews, links, metrics). `pdf`: the print document (503 when it cannot be "
        "rendered, e.g. too large). `md`: Markdown for a wiki. `html`: a standalone page with "
        "inline styles.",
        responses={
            (200, "application/json"): PostmortemExportSerializer,
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "text/markdown"): OpenApiTypes.STR,
            (200, "text/html"): OpenApiTypes.STR,
            401: ERRORS[401],
            404: ERRORS[404],
            503: OpenApiResponse(description="The PDF could not be rendered."),
        },
    )
    def get(self, request: Request, number: int, fmt: str) -> HttpResponse:
        if fmt not in exports.FORMATS:
            raise NotFound("No such export format: use pdf, md, html or json.")
        export = exports.load_export(self.postmortem)
        if fmt == "json":
            return Response(exports.data_of(export))
        if fmt == "pdf":
            try:
                body = rendering.pdf_of(export)
            except PdfError as error:
                detail = {"detail": str(error), "too_large": isinstance(error, PdfTooLarge)}
                return Response(detail, status=503)
        elif fmt == "md":
            body = markdown_of(export)
        else:
            body = rendering.html_of(export)
        return file_response(body, fmt, export.filename)
