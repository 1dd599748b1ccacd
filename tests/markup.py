"""Pages as a browser would parse them, for assertions on tags and attributes."""

from html.parser import HTMLParser


class Elements(HTMLParser):
    """Every start tag of a page (self-closing ones too) with its attributes."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict]]:
    return Elements(html).tags
