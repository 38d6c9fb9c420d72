"""Extract article text and metadata from HTML with a real parser (BeautifulSoup + lxml)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup
from bs4.element import CData, PreformattedString

# Elements that are never article text.
_DROP = (
    "head", "title", "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object",
    "nav", "header", "footer", "aside", "form", "button", "select", "input", "menu",
)
_BLOCK = {
    "p", "div", "section", "article", "main", "li", "ul", "ol", "h1", "h2", "h3", "h4",
    "h5", "h6", "blockquote", "pre", "table", "tr", "td", "th", "figure", "figcaption",
    "dd", "dt", "dl", "address", "br", "hr",
}
# Containers that hold the article itself: layout class names on them ("has-sidebar",
# "main-header-layout") must not get the whole page dropped as boilerplate.
_NEVER_BOILERPLATE = {"html", "body", "main", "article"}
_BOILERPLATE_HINT = re.compile(
    r"(^|[\s_-])(nav|menu|footer|header|sidebar|cookie|share|social|subscribe|newsletter|"
    r"related|advert|promo|comment|breadcrumb)s?($|[\s_-])",
    re.I,
)


@dataclass
class HtmlArticle:
    text: str
    title: str | None
    outlet: str | None
    published: str | None
    url: str | None


def _meta(soup: BeautifulSoup, *keys: str) -> str | None:
    for key in keys:
        tag = soup.find("meta", attrs={"property": key}) or soup.find("meta", attrs={"name": key})
        if tag and tag.get("content", "").strip():
            return tag["content"].strip()
    return None


def _is_boilerplate(tag) -> bool:
    attrs = getattr(tag, "attrs", None)
    if not attrs or tag.name in _NEVER_BOILERPLATE:  # text nodes, removed tags, containers
        return False
    names = " ".join(attrs.get("class", []) or []) + " " + str(attrs.get("id", ""))
    role = str(attrs.get("role", ""))
    return bool(_BOILERPLATE_HINT.search(names)) or role in ("navigation", "banner", "contentinfo")


def _blocks(node, out: list[str], buf: list[str]) -> None:
    """Walk the tree with an explicit stack (deeply nested pages must not hit the recursion
    limit); a block element's text becomes its own paragraph."""
    stack = [(iter(node.children), False)]
    while stack:
        children, is_block = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if is_block:
                out.append("".join(buf))
                buf.clear()
            continue
        if isinstance(child, PreformattedString) and not isinstance(child, CData):
            continue  # comments, doctype, processing instructions
        if isinstance(child, str):
            buf.append(child)
            continue
        is_child_block = (child.name or "") in _BLOCK
        if is_child_block:
            out.append("".join(buf))
            buf.clear()
        stack.append((iter(child.children), is_child_block))


def extract_html(markup: str) -> HtmlArticle:
    """Return the readable text of an HTML page (paragraphs separated by blank lines)."""
    soup = BeautifulSoup(markup, "lxml")
    title = _meta(soup, "og:title", "twitter:title")
    if not title and soup.title and soup.title.string:
        title = soup.title.string.strip() or None
    outlet = _meta(soup, "og:site_name", "application-name", "publisher")
    published = _meta(
        soup, "article:published_time", "datePublished", "date", "pubdate", "dc.date", "DC.date.issued"
    )
    url = _meta(soup, "og:url")
    if not url:
        link = soup.find("link", attrs={"rel": "canonical"})
        url = link.get("href") if link else None
    if not published:
        time_tag = soup.find("time", attrs={"datetime": True})
        published = time_tag["datetime"] if time_tag else None

    for tag in soup(list(_DROP)):
        tag.decompose()
    # Class/id hints are guesses ("comments-enabled" on the article body matches "comments"):
    # never drop an element that holds most of the page's paragraph text.
    total = sum(len(p.get_text()) for p in soup.find_all("p"))
    for tag in soup.find_all(_is_boilerplate):
        if getattr(tag, "decomposed", False):
            continue  # inside an element already dropped
        if total and sum(len(p.get_text()) for p in tag.find_all("p")) * 2 > total:
            continue
        tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    out: list[str] = []
    buf: list[str] = []
    _blocks(root, out, buf)
    out.append("".join(buf))
    paragraphs = [re.sub(r"\s+", " ", p).strip() for p in out]
    text = "\n\n".join(p for p in paragraphs if p)
    if not title:
        h1 = soup.find("h1")
        title = h1.get_text(" ", strip=True) if h1 else None
    return HtmlArticle(text=text, title=title, outlet=outlet, published=published, url=url)
