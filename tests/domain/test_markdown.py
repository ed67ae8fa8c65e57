"""Tests for trainer.domain.markdown: rendering, sections, call-outs, glossary and sanitising."""

from __future__ import annotations

import re

import pytest

from trainer.domain.markdown import (
    Image,
    MarkdownProblem,
    Section,
    render_inline,
    render_markdown,
    sanitise_html,
)

GLOSSARY = {
    "void": {"zh": "撤销", "en": "void"},
    "refund": {"zh": "退货", "en": "refund"},
}

DOC = """\
## 多收了钱，批次还没结算 {#c1-overcharge-open-batch}

**你看到的：** 顾客说多收了。

1. 打开交易记录。
2. 撤销这笔交易。

### 撤销之后 {#after-void}

重新收款。

### 没有锚点的小节

小节内容。

## 少收了钱 {#c3-undercharge}

补收差额。
"""


def render(text: str, lang: str = "zh", **kwargs: object) -> str:
    """Render and return only the HTML."""
    return render_markdown(text, lang=lang, glossary=GLOSSARY, **kwargs).html  # type: ignore[arg-type]


def problems(text: str, lang: str = "en") -> list[MarkdownProblem]:
    """Render and return only the problems."""
    return render_markdown(text, lang=lang, glossary=GLOSSARY).problems


# --- headings and sections -------------------------------------------------------------------


def test_heading_anchor_becomes_id_exactly_as_written() -> None:
    html = render(DOC)
    assert '<h2 id="c1-overcharge-open-batch">多收了钱，批次还没结算</h2>' in html
    assert '<h3 id="after-void">撤销之后</h3>' in html
    assert "<h3>没有锚点的小节</h3>" in html
    assert "{#" not in html


def test_sections_have_anchor_level_title_line_and_text() -> None:
    rendered = render_markdown(DOC, lang="zh", glossary=GLOSSARY)
    assert rendered.problems == []
    assert [(s.anchor, s.level, s.title, s.line) for s in rendered.sections] == [
        ("c1-overcharge-open-batch", 2, "多收了钱，批次还没结算", 1),
        ("after-void", 3, "撤销之后", 8),
        ("c3-undercharge", 2, "少收了钱", 16),
    ]
    assert rendered.anchors == ["c1-overcharge-open-batch", "after-void", "c3-undercharge"]


def test_section_text_runs_to_next_heading_of_same_or_higher_level() -> None:
    first, sub, last = render_markdown(DOC, lang="zh", glossary=GLOSSARY).sections
    assert first.text == (
        "你看到的： 顾客说多收了。\n打开交易记录。\n撤销这笔交易。\n撤销之后\n重新收款。\n"
        "没有锚点的小节\n小节内容。"
    )
    # A ### section stops at the next ###, even one without an anchor.
    assert sub.text == "重新收款。"
    assert last == Section("c3-undercharge", 2, "少收了钱", "补收差额。", 16)


def test_line_offset_shifts_every_reported_line() -> None:
    rendered = render_markdown(
        "## A {#a}\n\n## B\n\n![x](images/x.png)\n", lang="en", glossary={}, line_offset=5
    )
    assert rendered.sections[0].line == 6
    assert rendered.problems == [MarkdownProblem(8, 'heading "B" has no anchor (add {#anchor-id})')]
    assert rendered.images == [Image(10, "images/x.png")]


def test_h2_without_anchor_is_a_problem_but_h3_is_not() -> None:
    text = "intro\n\n## Spot the error\n\ntext\n\n### Detail\n\nmore\n"
    assert problems(text) == [
        MarkdownProblem(3, 'heading "Spot the error" has no anchor (add {#anchor-id})')
    ]


def test_setext_h2_without_anchor_is_a_problem() -> None:
    assert problems("Spot the error\n---\n") == [
        MarkdownProblem(1, 'heading "Spot the error" has no anchor (add {#anchor-id})')
    ]


def test_duplicate_and_invalid_anchors() -> None:
    text = "## One {#same}\n\n## Two {#same}\n\n## Three {#Bad_Anchor}\n"
    assert problems(text) == [
        MarkdownProblem(3, 'duplicate anchor "same" (first used on line 1)'),
        MarkdownProblem(
            5,
            'heading "Three" has invalid anchor "Bad_Anchor" '
            "(use lowercase letters, digits and hyphens)",
        ),
    ]


# --- call-outs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "lang", "label"),
    [
        ("key-rule", "en", "Key rule"),
        ("key-rule", "zh", "关键规则"),
        ("warning", "en", "Warning"),
        ("warning", "zh", "注意"),
        ("tip", "en", "Tip"),
        ("tip", "zh", "提示"),
    ],
)
def test_callouts_render_as_labelled_asides(name: str, lang: str, label: str) -> None:
    html = render(f"::: {name}\nA void cancels the **whole** sale.\n:::\n", lang=lang)
    assert html == (
        f'<aside class="callout callout-{name}" role="note">\n'
        f'<p class="callout-label">{label}</p>\n'
        "<p>A void cancels the <strong>whole</strong> sale.</p>\n"
        "</aside>\n"
    )


def test_unknown_unclosed_and_stray_containers_are_problems() -> None:
    text = "::: danger\nx\n:::\n\n::: warning Careful\ny\n:::\n\n:::\n\n::: tip\nnever closed\n"
    assert problems(text) == [
        MarkdownProblem(1, 'unknown container "::: danger" (use one of: key-rule, warning, tip)'),
        MarkdownProblem(5, 'container "::: warning" takes no title (found "Careful")'),
        MarkdownProblem(9, '":::" closes no open container'),
        MarkdownProblem(11, 'container "::: tip" is never closed with ":::"'),
    ]


def test_container_markers_inside_code_are_ignored() -> None:
    assert problems("```\n::: danger\n```\n") == []


# --- glossary, images, tables ----------------------------------------------------------------


def test_glossary_term_shows_both_languages() -> None:
    zh = render("用[[void]]。")
    en = render("Use a [[void]].", lang="en")
    assert zh == (
        '<p>用<dfn class="term" title="void">撤销</dfn> '
        '(<span class="term-other" lang="en">void</span>)。</p>\n'
    )
    assert en == (
        '<p>Use a <dfn class="term" title="撤销">void</dfn> '
        '(<span class="term-other" lang="zh">撤销</span>).</p>\n'
    )


def test_unknown_glossary_term_is_reported_with_its_line() -> None:
    rendered = render_markdown("First line\nsecond [[voids]] line\n", lang="en", glossary=GLOSSARY)
    assert rendered.problems == [MarkdownProblem(2, 'unknown glossary term "voids"')]
    assert '<span class="term-unknown">[[voids]]</span>' in rendered.html


def test_glossary_term_in_section_text_has_both_languages() -> None:
    rendered = render_markdown("## A {#a}\n\nUse a [[refund]].\n", lang="en", glossary=GLOSSARY)
    assert rendered.sections[0].text == "Use a refund (退货)."


def test_images_use_asset_url_and_are_listed() -> None:
    seen: list[str] = []

    def asset_url(path: str) -> str:
        seen.append(path)
        return f"/assets/payment-errors/{path}"

    rendered = render_markdown(
        "Intro\n\n![Terminal history](<images/terminal history.png>)\n",
        lang="en",
        glossary={},
        asset_url=asset_url,
    )
    assert seen == ["images/terminal history.png"]
    assert rendered.images == [Image(3, "images/terminal history.png")]
    assert (
        '<img src="/assets/payment-errors/images/terminal history.png" alt="Terminal history">'
        in (rendered.html)
    )


def test_image_without_asset_url_keeps_relative_path() -> None:
    assert '<img src="images/a.png" alt="A">' in render("![A](images/a.png)")


def test_images_outside_the_course_folder_are_problems() -> None:
    text = "![a](https://example.com/a.png)\n\n![b](../other/b.png)\n\n![c](/etc/c.png)\n"
    assert problems(text) == [
        MarkdownProblem(1, 'image "https://example.com/a.png" must be a file beside the lesson'),
        MarkdownProblem(3, 'image "../other/b.png" must stay inside the course folder'),
        MarkdownProblem(5, 'image "/etc/c.png" must be a file beside the lesson'),
    ]


def test_tables_use_alignment_classes_not_style() -> None:
    html = render("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n")
    assert '<th class="align-left">a</th>' in html
    assert '<td class="align-center">2</td>' in html
    assert '<td class="align-right">3</td>' in html
    assert "style" not in html


def test_strikethrough_and_lists() -> None:
    assert render("~~old~~\n\n1. one\n2. two\n") == (
        "<p><s>old</s></p>\n<ol>\n<li>one</li>\n<li>two</li>\n</ol>\n"
    )


def test_unknown_language_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown language"):
        render_markdown("x", lang="fr", glossary={})
    with pytest.raises(ValueError, match="unknown language"):
        render_inline("x", "fr")


# --- safety ----------------------------------------------------------------------------------

ATTACKS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "<javascript:alert(1)>",
    "![x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<div style="position:fixed" onclick="alert(1)">raw html block</div>',
    "<iframe src=https://evil.example></iframe>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
]


def assert_inert(html: str) -> None:
    """No live script, event handler, style, frame or dangerous URL survives."""
    assert not re.search(r"<\s*(script|iframe|style|object|embed)", html, re.IGNORECASE)
    assert not re.search(r"<[^>]*\son\w+\s*=", html, re.IGNORECASE)
    assert not re.search(r"<[^>]*\sstyle\s*=", html, re.IGNORECASE)
    assert not re.search(
        r"""<[^>]*(href|src)\s*=\s*["']?\s*(javascript|data|vbscript):""", html, re.I
    )


@pytest.mark.parametrize("attack", ATTACKS)
def test_render_markdown_makes_attacks_inert(attack: str) -> None:
    html = render(f"Before\n\n{attack}\n\nAfter\n", lang="en")
    assert_inert(html)
    assert "After" in html


@pytest.mark.parametrize("attack", ATTACKS)
def test_render_inline_makes_attacks_inert(attack: str) -> None:
    assert_inert(render_inline(attack, "en"))


@pytest.mark.parametrize("attack", ATTACKS)
def test_sanitise_html_makes_attacks_inert(attack: str) -> None:
    assert_inert(sanitise_html(attack))


def test_raw_html_in_markdown_is_escaped_text() -> None:
    html = render("<script>alert(1)</script> and <b>bold</b>", lang="en")
    assert html == "<p>&lt;script&gt;alert(1)&lt;/script&gt; and &lt;b&gt;bold&lt;/b&gt;</p>\n"


def test_javascript_link_is_left_as_text() -> None:
    assert render("[x](javascript:alert(1))", lang="en") == "<p>[x](javascript:alert(1))</p>\n"


def test_sanitise_html_keeps_allowed_markup_and_strips_the_rest() -> None:
    html = sanitise_html(
        '<p class="evil" style="color:red" onclick="x()">Hi <b>there</b> '
        '<a href="https://example.com/a" target="_blank">link</a> '
        '<img src="https://example.com/a.png" alt="A" onerror="x()"></p>'
        '<aside class="callout callout-tip" role="alert">tip</aside>'
        '<h2 id="intro">Intro</h2><table><tr><td>1</td></tr></table>'
    )
    assert html == (
        '<p>Hi <b>there</b> <a href="https://example.com/a" rel="noopener noreferrer">link</a> '
        '<img src="https://example.com/a.png" alt="A"></p>'
        '<aside class="callout callout-tip">tip</aside>'
        '<h2 id="q-intro">Intro</h2><table><tbody><tr><td>1</td></tr></tbody></table>'
    )


def test_render_inline_renders_inline_markdown_only() -> None:
    assert (
        render_inline("**Void** the `sale`", "en") == "<strong>Void</strong> the <code>sale</code>"
    )
    assert render_inline("# not a heading", "en") == "# not a heading"
    assert render_inline("Use [[void]]", "zh", glossary=GLOSSARY) == (
        'Use <dfn class="term" title="void">撤销</dfn> '
        '(<span class="term-other" lang="en">void</span>)'
    )


def test_links_get_rel_noopener() -> None:
    assert render("[docs](https://example.com)", lang="en") == (
        '<p><a href="https://example.com" rel="noopener noreferrer">docs</a></p>\n'
    )
