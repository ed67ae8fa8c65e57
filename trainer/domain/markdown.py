"""Markdown to sanitised HTML, with stable section anchors, call-outs and glossary terms."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin

__all__ = [
    "ANCHOR_RE",
    "CALLOUT_LABELS",
    "GLOSSARY_REF_RE",
    "LANGS",
    "Image",
    "MarkdownProblem",
    "Rendered",
    "Section",
    "render_inline",
    "render_markdown",
    "sanitise_html",
]

LANGS: tuple[str, str] = ("zh", "en")
CALLOUT_LABELS: dict[str, dict[str, str]] = {
    "key-rule": {"zh": "关键规则", "en": "Key rule"},
    "warning": {"zh": "注意", "en": "Warning"},
    "tip": {"zh": "提示", "en": "Tip"},
}
ANCHOR_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
GLOSSARY_REF_RE = re.compile(r"\[\[([^\[\]\n]+?)\]\]")
_HEADING_ANCHOR_RE = re.compile(r"[ \t]*\{#([^{}]*)\}[ \t]*$")
_STRAY_FENCE_RE = re.compile(r"^[ \t]*:{3,}[ \t]*$", re.MULTILINE)
_URL_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")

AssetUrl = Callable[[str], str]
Glossary = Mapping[str, Mapping[str, str]]


@dataclass(frozen=True)
class Section:
    """A `##`/`###` heading with an anchor, and the plain text under it (for search).

    ``line`` is the heading's 1-based line (plus render_markdown's ``line_offset``).
    """

    anchor: str
    level: int
    title: str
    text: str
    line: int = 0


@dataclass(frozen=True)
class MarkdownProblem:
    """A problem found while rendering; ``line`` is 1-based (plus ``line_offset``)."""

    line: int
    message: str


@dataclass(frozen=True)
class Image:
    """An image reference as written (URL-decoded), with its 1-based line."""

    line: int
    path: str


@dataclass(frozen=True)
class Rendered:
    """Result of rendering a Markdown document."""

    html: str
    sections: list[Section] = field(default_factory=list)
    problems: list[MarkdownProblem] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)

    @property
    def anchors(self) -> list[str]:
        """Anchors of the sections, in document order."""
        return [section.anchor for section in self.sections]


# --- sanitiser -------------------------------------------------------------------------------

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_ALIGN_CLASSES = {"align-left", "align-center", "align-right"}
ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "a",
        "abbr",
        "aside",
        "b",
        "blockquote",
        "br",
        "caption",
        "code",
        "dd",
        "del",
        "dfn",
        "div",
        "dl",
        "dt",
        "em",
        "hr",
        "i",
        "img",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "s",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
        *_HEADINGS,
    }
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "span": {"lang"},
    "p": {"lang"},
    "div": {"lang"},
    "dfn": {"title", "lang"},
    "abbr": {"title"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    **{heading: {"id"} for heading in _HEADINGS},
}
ALLOWED_CLASSES: dict[str, set[str]] = {
    "aside": {"callout", *(f"callout-{name}" for name in CALLOUT_LABELS)},
    "p": {"callout-label"},
    "dfn": {"term"},
    "span": {"term-other", "term-unknown"},
    "th": set(_ALIGN_CLASSES),
    "td": set(_ALIGN_CLASSES),
}
ALLOWED_URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})


def _cleaner(id_prefix: str | None) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        allowed_classes={tag: set(classes) for tag, classes in ALLOWED_CLASSES.items()},
        tag_attribute_values={"aside": {"role": {"note"}}, "th": {"scope": {"col", "row"}}},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        strip_comments=True,
        link_rel="noopener noreferrer",
        id_prefix=id_prefix,
    )


_CONTENT_CLEANER = _cleaner(None)
# Imported HTML gets namespaced ids so it cannot clobber ids the page itself relies on.
_IMPORTED_CLEANER = _cleaner("q-")


_EMPTY_CLASS_RE = re.compile(r'(<[a-zA-Z][^<>]*?) class=""')


def _clean(cleaner: nh3.Cleaner, html: str) -> str:
    # The class filter leaves class="" behind when it removes every class of a tag.
    return _EMPTY_CLASS_RE.sub(r"\1", cleaner.clean(html))


def sanitise_html(html: str) -> str:
    """Clean untrusted HTML (e.g. imported questions) with the content allow-list."""
    return _clean(_IMPORTED_CLEANER, html)


# --- markdown-it setup -----------------------------------------------------------------------


def _other(lang: str) -> str:
    return "en" if lang == "zh" else "zh"


def _glossary_rule(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("[[", state.pos):
        return False
    match = GLOSSARY_REF_RE.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        token = state.push("glossary_term", "", 0)
        token.content = match.group(1)
        token.meta = {"id": match.group(1)}
    state.pos = match.end()
    return True


def _term_entry(env: Mapping[str, Any], term_id: str) -> Mapping[str, str] | None:
    entry = (env.get("glossary") or {}).get(term_id)
    if isinstance(entry, Mapping) and all(isinstance(entry.get(lang), str) for lang in LANGS):
        return entry
    return None


def _term_text(env: Mapping[str, Any], term_id: str) -> str:
    entry = _term_entry(env, term_id)
    if entry is None:
        return f"[[{term_id}]]"
    lang = env["lang"]
    return f"{entry[lang]} ({entry[_other(lang)]})"


def _render_term(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    term_id = tokens[idx].meta["id"]
    entry = _term_entry(env, term_id)
    if entry is None:
        return f'<span class="term-unknown">{escapeHtml(f"[[{term_id}]]")}</span>'
    lang = env["lang"]
    other = _other(lang)
    return (
        f'<dfn class="term" title="{escapeHtml(entry[other])}">{escapeHtml(entry[lang])}</dfn>'
        f' (<span class="term-other" lang="{other}">{escapeHtml(entry[other])}</span>)'
    )


def _callout_name(info: str) -> str:
    parts = info.split(maxsplit=1)
    return parts[0] if parts else ""


def _render_callout(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    token = tokens[idx]
    if token.nesting != 1:
        return "</aside>\n"
    name = _callout_name(token.info)
    labels = CALLOUT_LABELS.get(name)
    if labels is None:
        return '<aside class="callout" role="note">\n'
    return (
        f'<aside class="callout callout-{name}" role="note">\n'
        f'<p class="callout-label">{escapeHtml(labels[env["lang"]])}</p>\n'
    )


def _heading_anchors(state: StateCore) -> None:
    """Take a trailing `{#anchor}` off heading text and make it the heading's id."""
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type != "heading_open" or i + 1 >= len(tokens):
            continue
        inline = tokens[i + 1]
        match = _HEADING_ANCHOR_RE.search(inline.content)
        if match is None:
            continue
        inline.content = inline.content[: match.start()].rstrip()
        token.attrSet("id", match.group(1).strip())
        token.meta["anchor"] = match.group(1).strip()


def _table_alignment(state: StateCore) -> None:
    """Replace markdown-it's inline `style` alignment with classes (the sanitiser drops style)."""
    for token in state.tokens:
        if token.type in ("th_open", "td_open"):
            style = token.attrs.pop("style", None)
            if isinstance(style, str) and style.startswith("text-align:"):
                token.attrSet("class", f"align-{style.removeprefix('text-align:')}")


def _image_sources(state: StateCore) -> None:
    """Point relative image paths at asset_url and remember them for the checker."""
    asset_url: AssetUrl | None = state.env.get("asset_url")
    images: list[Image] = state.env.setdefault("images", [])
    problems: list[MarkdownProblem] = state.env.setdefault("problems", [])
    offset = state.env.get("line_offset", 0)
    for _block, child, line in _inline_children(state.tokens, offset):
        if child.type != "image":
            continue
        src = str(child.attrs.get("src", ""))
        path = unquote(src)
        if _URL_SCHEME_RE.match(path) or path.startswith("/"):
            problems.append(
                MarkdownProblem(line, f'image "{path}" must be a file beside the lesson')
            )
            continue
        if ".." in path.split("/") or not path:
            problems.append(
                MarkdownProblem(line, f'image "{path}" must stay inside the course folder')
            )
            continue
        images.append(Image(line, path))
        if asset_url is not None:
            child.attrSet("src", asset_url(path))


def _inline_children(tokens: Sequence[Token], offset: int) -> list[tuple[Token, Token, int]]:
    """(inline token, child, 1-based line) for every inline child, lines counted by breaks."""
    found: list[tuple[Token, Token, int]] = []
    last_line = 0
    for token in tokens:
        if token.map:
            last_line = token.map[0]
        if token.type != "inline" or not token.children:
            continue
        line = (token.map[0] if token.map else last_line) + 1 + offset
        for child in token.children:
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            found.append((token, child, line))
    return found


def _build_md() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    container_plugin(
        md,
        "callout",
        # Accept every name so unknown ones are reported instead of silently becoming text.
        validate=lambda params, *args: bool(params.strip()),
        render=_render_callout,
    )
    md.inline.ruler.before("link", "glossary", _glossary_rule)
    md.add_render_rule("glossary_term", _render_term)
    md.core.ruler.after("block", "heading_anchors", _heading_anchors)
    md.core.ruler.push("table_alignment", _table_alignment)
    md.core.ruler.push("image_sources", _image_sources)
    return md


_MD = _build_md()


# --- inspection ------------------------------------------------------------------------------


def _plain_inline(token: Token, env: Mapping[str, Any]) -> str:
    """Plain text of an inline token (or an image's alt text)."""
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "image":
            parts.append(_plain_inline(child, env))
        elif child.type == "glossary_term":
            parts.append(_term_text(env, child.meta["id"]))
    return "".join(parts)


@dataclass
class _OpenSection:
    anchor: str
    level: int
    title: str
    line: int
    parts: list[str] = field(default_factory=list)

    def close(self) -> Section:
        text = "\n".join(part for part in self.parts if part.strip())
        return Section(self.anchor, self.level, self.title, text.strip(), self.line)


def _sections(tokens: Sequence[Token], env: Mapping[str, Any], offset: int) -> list[Section]:
    done: list[Section] = []
    open_: list[_OpenSection] = []
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            level = int(token.tag[1])
            while open_ and open_[-1].level >= level:
                done.append(open_.pop().close())
            title = _plain_inline(tokens[i + 1], env).strip()
            for section in open_:
                section.parts.append(title)
            anchor = token.meta.get("anchor")
            if anchor and level in (2, 3):
                line = (token.map[0] + 1 if token.map else 0) + offset
                open_.append(_OpenSection(anchor, level, title, line))
        elif token.type == "inline" and not (i > 0 and tokens[i - 1].type == "heading_open"):
            text = _plain_inline(token, env)
            for section in open_:
                section.parts.append(text)
        elif token.type in ("fence", "code_block"):
            for section in open_:
                section.parts.append(token.content)
    while open_:
        done.append(open_.pop().close())
    return sorted(done, key=lambda section: section.line)


def _inspect(
    tokens: Sequence[Token], lines: list[str], env: Mapping[str, Any], offset: int
) -> list[MarkdownProblem]:
    problems: list[MarkdownProblem] = []
    first_use: dict[str, int] = {}
    for i, token in enumerate(tokens):
        line = (token.map[0] + 1 if token.map else 0) + offset
        if token.type == "heading_open":
            anchor = token.meta.get("anchor")
            title = tokens[i + 1].content if i + 1 < len(tokens) else ""
            if anchor is None:
                if token.tag == "h2":
                    problems.append(
                        MarkdownProblem(
                            line, f'heading "{title}" has no anchor (add {{#anchor-id}})'
                        )
                    )
                continue
            if not ANCHOR_RE.match(anchor):
                problems.append(
                    MarkdownProblem(
                        line,
                        f'heading "{title}" has invalid anchor "{anchor}" '
                        "(use lowercase letters, digits and hyphens)",
                    )
                )
            if not title:
                problems.append(
                    MarkdownProblem(line, f'heading with anchor "{anchor}" has no title')
                )
            if anchor in first_use:
                problems.append(
                    MarkdownProblem(
                        line,
                        f'duplicate anchor "{anchor}" (first used on line {first_use[anchor]})',
                    )
                )
            else:
                first_use[anchor] = line
        elif token.type == "container_callout_open":
            name = _callout_name(token.info)
            rest = token.info.strip()[len(name) :].strip()
            if name not in CALLOUT_LABELS:
                known = ", ".join(CALLOUT_LABELS)
                problems.append(
                    MarkdownProblem(line, f'unknown container "::: {name}" (use one of: {known})')
                )
            elif rest:
                problems.append(
                    MarkdownProblem(line, f'container "::: {name}" takes no title (found "{rest}")')
                )
            if not _is_closed(token, lines):
                problems.append(
                    MarkdownProblem(line, f'container "::: {name}" is never closed with ":::"')
                )
        elif token.type == "inline" and _STRAY_FENCE_RE.search(token.content):
            problems.append(MarkdownProblem(line, '":::" closes no open container'))
    for _block, child, line in _inline_children(tokens, offset):
        if child.type == "glossary_term" and _term_entry(env, child.meta["id"]) is None:
            problems.append(MarkdownProblem(line, f'unknown glossary term "{child.meta["id"]}"'))
    return problems


def _is_closed(token: Token, lines: list[str]) -> bool:
    assert token.map is not None
    end = token.map[1]
    if end >= len(lines):
        return False
    closing = lines[end].strip()
    return len(closing) >= len(token.markup) and set(closing) == {":"}


# --- public API ------------------------------------------------------------------------------


def render_markdown(
    text: str,
    *,
    lang: str,
    glossary: Glossary,
    asset_url: AssetUrl | None = None,
    line_offset: int = 0,
) -> Rendered:
    """Render a Markdown document in ``lang``; problems are returned, never raised.

    Reported lines are 1-based within ``text`` plus ``line_offset`` (e.g. front matter lines).
    """
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    env: dict[str, Any] = {
        "lang": lang,
        "glossary": glossary,
        "asset_url": asset_url,
        "images": [],
        "problems": [],
        "line_offset": line_offset,
    }
    tokens = _MD.parse(text, env)
    html = _clean(_CONTENT_CLEANER, _MD.renderer.render(tokens, _MD.options, env))
    problems = sorted(
        [*env["problems"], *_inspect(tokens, text.split("\n"), env, line_offset)],
        key=lambda p: p.line,
    )
    return Rendered(
        html=html,
        sections=_sections(tokens, env, line_offset),
        problems=problems,
        images=list(env["images"]),
    )


def render_inline(text: str, lang: str, *, glossary: Glossary | None = None) -> str:
    """Render a short text (an option, a feedback line) as inline Markdown, sanitised."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}")
    env: dict[str, Any] = {"lang": lang, "glossary": glossary or {}, "asset_url": None}
    return _clean(_CONTENT_CLEANER, _MD.renderInline(text, env))
