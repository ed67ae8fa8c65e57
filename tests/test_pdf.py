"""Tests for trainer.pdf: certificates and course manuals, checked with poppler, qpdf and zbar."""

from __future__ import annotations

import dataclasses
import http.server
import io
import logging
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pypdf
import pytest

from trainer import pdf
from trainer.pdf import CertificateData

A4_LANDSCAPE = (841.89, 595.28)
A4_PORTRAIT = (595.28, 841.89)

# A 1×1 PNG: proves data: URLs still load while everything remote is refused.
PIXEL_PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQ"
    "DwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (Debian: poppler-utils, qpdf, zbar-tools)")
    return path


def _run(*args: str | Path) -> str:
    _require(str(args[0]))
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout


def _text(path: Path, page: int | None = None, *, layout: bool = False) -> str:
    pages = ("-f", str(page), "-l", str(page)) if page else ()
    mode = ("-layout",) if layout else ()
    return _run("pdftotext", "-enc", "UTF-8", *mode, *pages, path, "-")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _fonts(path: Path) -> list[dict[str, str]]:
    """pdffonts rows as dicts (the type column may contain spaces, so parse from both ends)."""
    lines = _run("pdffonts", path).splitlines()[2:]
    rows = []
    for line in lines:
        parts = line.split()
        rows.append(
            {
                "name": parts[0],
                "type": " ".join(parts[1:-6]),
                "emb": parts[-5],
                "sub": parts[-4],
                "uni": parts[-3],
                "line": line,
            }
        )
    return rows


def _write(directory: Path, name: str, content: bytes) -> Path:
    path = directory / name
    path.write_bytes(content)
    return path


BASE = CertificateData(
    organisation="华联超市 Hualian Supermarkets",
    holder_name="王喆堃",
    employee_no="E10234",
    store_name="上海南京路店",
    course_code="payment-errors",
    course_version="1.0",
    course_title_zh="付款录入错误：识别、更正、上报",
    course_title_en="Payment-entry errors: recognise, correct, escalate",
    score_percent=92.5,
    issued_on=date(2026, 12, 1),
    expires_on=date(2027, 12, 1),
    serial="CERT-2026-000123",
    verify_url="https://trainer.example.com/verify/CERT-2026-000123",
    language="zh",
)
SECOND = dataclasses.replace(
    BASE,
    holder_name="刘犇淼",
    employee_no="E20931",
    serial="CERT-2026-000124",
    verify_url="https://trainer.example.com/verify/CERT-2026-000124",
)
LATIN = dataclasses.replace(
    BASE,
    holder_name="José Müller",
    employee_no="E30007",
    store_name="Shenzhen Futian",
    score_percent=None,
    expires_on=None,
    serial="CERT-2026-000125",
    verify_url="https://trainer.example.com/verify/CERT-2026-000125",
    language="en",
)
BATCH = [BASE, SECOND, LATIN]


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pdf")


@pytest.fixture(scope="module")
def zh_pdf(out_dir: Path) -> Path:
    return _write(out_dir, "zh.pdf", pdf.render_certificate(BASE))


@pytest.fixture(scope="module")
def en_pdf(out_dir: Path) -> Path:
    return _write(out_dir, "en.pdf", pdf.render_certificate(LATIN))


@pytest.fixture(scope="module")
def pdfa_pdf(out_dir: Path) -> Path:
    return _write(out_dir, "pdfa.pdf", pdf.render_certificate(LATIN, pdf_variant="pdf/a-3b"))


@pytest.fixture(scope="module")
def merged_pdf(out_dir: Path) -> Path:
    return _write(out_dir, "merged.pdf", pdf.render_certificates(BATCH))


@pytest.fixture(scope="module")
def each_pdfs(out_dir: Path) -> list[tuple[CertificateData, Path]]:
    # chunk_size=2 so the three certificates span two layout batches
    return [
        (data, _write(out_dir, f"each-{i}.pdf", content))
        for i, (data, content) in enumerate(pdf.render_certificates_each(BATCH, chunk_size=2))
    ]


# --- certificates ----------------------------------------------------------------------------


def test_zh_certificate_text(zh_pdf: Path) -> None:
    text = _text(zh_pdf)
    for expected in [
        "王喆堃",
        "结业证书",
        "Certificate of completion",
        "付款录入错误：识别、更正、上报",
        "Payment-entry errors: recognise, correct, escalate",
        "92.5%",
        "2026年12月1日",
        "2027年12月1日",
        "CERT-2026-000123",
        "E10234",
        "上海南京路店",
        "华联超市 Hualian Supermarkets",
    ]:
        assert expected in text, expected
    # the URL wraps under the QR code
    assert BASE.verify_url in _squash(text)


def test_en_certificate_text(en_pdf: Path) -> None:
    text = _text(en_pdf)
    for expected in [
        "José Müller",
        "Certificate of completion",
        "付款录入错误：识别、更正、上报",
        "Payment-entry errors: recognise, correct, escalate",
        "1 December 2026",
        "Does not expire",
        "CERT-2026-000125",
    ]:
        assert expected in text, expected
    assert "Score" not in text  # no score, no empty score field
    assert LATIN.verify_url in _squash(text)


@pytest.mark.parametrize("fixture", ["zh_pdf", "en_pdf"])
def test_fonts_embedded_and_only_the_cjk_font(fixture: str, request: pytest.FixtureRequest) -> None:
    fonts = _fonts(request.getfixturevalue(fixture))
    assert fonts
    for font in fonts:
        assert font["emb"] == "yes", font["line"]
        assert font["uni"] == "yes", font["line"]
        assert "Type 3" not in font["type"], font["line"]
        # Only WQY: 喆 堃 犇 淼 and é ü are covered by it, so fontconfig pulled in no fallback font
        assert "WenQuanYi" in font["name"], font["line"]


def test_rare_characters_of_second_holder(merged_pdf: Path) -> None:
    assert "刘犇淼" in _text(merged_pdf, page=2)
    assert all("WenQuanYi" in font["name"] for font in _fonts(merged_pdf))


def test_names_beyond_gbk_render_with_the_fallback_font(out_dir: Path) -> None:
    """Rare characters in names (CJK Extension A and B) get real glyphs, not empty boxes.

    WenQuanYi Micro Hei stops at GBK; HanaMinA/HanaMinB (Debian fonts-hanazono) cover
    Extensions A to F, and the stylesheet names them after it.
    """
    rare = dataclasses.replace(BASE, holder_name="王\U0002003e㐀", serial="CERT-2026-000126")
    path = _write(out_dir, "rare.pdf", pdf.render_certificate(rare))
    assert "王\U0002003e㐀" in _text(path)
    names = {font["name"].split("+", 1)[-1] for font in _fonts(path)}
    # Without a font that has them, the two characters would be drawn from WQY as .notdef.
    assert any(name.startswith("HanaMin") for name in names), names
    assert any("WenQuanYi" in name for name in names)  # everything else stays in WQY


def test_revoked_and_expired_copies_carry_a_stamp_in_both_languages(out_dir: Path) -> None:
    revoked = dataclasses.replace(
        BASE, status="revoked", status_on=date(2027, 3, 2), revocation_reason="misconduct"
    )
    text = _text(_write(out_dir, "revoked.pdf", pdf.render_certificate(revoked)))
    for expected in ("已吊销", "REVOKED", "吊销日期 2027年3月2日", "Revoked on 2 March 2027"):
        assert expected in text, expected
    assert "原因：违规行为" in text and "Reason: Misconduct" in text
    expired = dataclasses.replace(LATIN, status="expired", status_on=date(2027, 1, 5))
    text = _text(_write(out_dir, "expired.pdf", pdf.render_certificate(expired)))
    assert "EXPIRED" in text and "已过期" in text and "Expired on 5 January 2027" in text
    assert "Reason" not in text
    # Still one page: the stamp lies over the certificate, it does not push it onto a second.
    assert _run("qpdf", "--show-npages", out_dir / "expired.pdf").strip() == "1"


def test_valid_copies_carry_no_stamp(zh_pdf: Path) -> None:
    text = _text(zh_pdf)
    assert "已吊销" not in text and "REVOKED" not in text and "EXPIRED" not in text


def test_page_size_is_a4_landscape(zh_pdf: Path) -> None:
    reader = pypdf.PdfReader(zh_pdf)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(A4_LANDSCAPE, abs=0.01)
    assert "841.89 x 595.276 pts (A4)" in _run("pdfinfo", zh_pdf)


def test_qr_code_decodes_to_verify_url(zh_pdf: Path, out_dir: Path) -> None:
    _require("zbarimg")
    _run("pdftoppm", "-r", "150", "-png", "-singlefile", zh_pdf, out_dir / "zh-qr")
    decoded = _run("zbarimg", "--raw", "-q", out_dir / "zh-qr.png")
    assert decoded.strip() == BASE.verify_url


def test_metadata(zh_pdf: Path) -> None:
    meta = pypdf.PdfReader(zh_pdf).metadata
    assert meta is not None
    assert meta.title == "结业证书 · 王喆堃 · payment-errors CERT-2026-000123"
    assert meta.author == BASE.organisation
    assert meta.subject == f"{BASE.course_title_zh} / {BASE.course_title_en}"
    assert "CERT-2026-000123" in (meta.get("/Keywords") or "")
    assert meta.creation_date is not None
    assert meta.creation_date.date() == BASE.issued_on


def _assert_pdfa_3b(path: Path) -> None:
    assert "No syntax or stream encoding errors" in _run("qpdf", "--check", path)
    reader = pypdf.PdfReader(path)
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert re.search(r'pdfaid:part(="|>)3', xmp)
    assert re.search(r'pdfaid:conformance(="|>)B', xmp)
    intents = root["/OutputIntents"]
    assert [intent.get_object()["/S"] for intent in intents] == ["/GTS_PDFA1"]
    assert "/DestOutputProfile" in intents[0].get_object()
    assert reader.pdf_header == "%PDF-1.7"


def test_pdfa_3b(pdfa_pdf: Path) -> None:
    _assert_pdfa_3b(pdfa_pdf)
    assert "José Müller" in _text(pdfa_pdf)
    meta = pypdf.PdfReader(pdfa_pdf).metadata
    assert meta is not None and meta.title and meta.author == LATIN.organisation


def test_pdfa_3b_each(out_dir: Path) -> None:
    rendered = list(pdf.render_certificates_each(BATCH[:2], pdf_variant="pdf/a-3b"))
    assert [data for data, _ in rendered] == BATCH[:2]
    for i, (data, content) in enumerate(rendered):
        path = _write(out_dir, f"pdfa-each-{i}.pdf", content)
        _assert_pdfa_3b(path)
        assert data.holder_name in _text(path)


def test_merged_render_has_one_page_per_certificate(merged_pdf: Path) -> None:
    reader = pypdf.PdfReader(merged_pdf)
    assert len(reader.pages) == len(BATCH)
    for number, data in enumerate(BATCH, start=1):
        page_text = _text(merged_pdf, page=number)
        assert data.holder_name in page_text
        assert data.serial in page_text
    assert reader.metadata is not None
    assert reader.metadata.author == BASE.organisation


def test_each_render_gives_standalone_pdfs(each_pdfs: list[tuple[CertificateData, Path]]) -> None:
    assert [data for data, _ in each_pdfs] == BATCH
    serials = {data.serial for data in BATCH}
    for data, path in each_pdfs:
        reader = pypdf.PdfReader(path)
        assert len(reader.pages) == 1
        assert reader.metadata is not None
        assert data.holder_name in (reader.metadata.title or "")
        assert reader.metadata.creation_date is not None
        text = _text(path)
        assert data.holder_name in text
        assert data.serial in text
        assert not any(other in text for other in serials - {data.serial})
        assert all("WenQuanYi" in font["name"] for font in _fonts(path))


def test_bad_arguments() -> None:
    assert list(pdf.render_certificates_each([])) == []
    with pytest.raises(ValueError):
        pdf.render_certificates([])
    # raised on the call, before any iteration
    with pytest.raises(ValueError, match="chunk_size"):
        pdf.render_certificates_each(BATCH, chunk_size=0)
    with pytest.raises(ValueError, match="variant"):
        pdf.render_certificates_each(BATCH, pdf_variant="pdf/a-9z")
    with pytest.raises(ValueError, match="variant"):
        pdf.render_certificate(BASE, pdf_variant="pdf/a-9z")


def test_unknown_language_is_rejected() -> None:
    with pytest.raises(ValueError):
        dataclasses.replace(BASE, language="fr")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        pdf.render_manual(MANUAL_COURSE, "fr")


# --- no fetching at render time --------------------------------------------------------------


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    requests: list[str]

    def do_GET(self) -> None:
        self.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server recording every request: nothing must ever reach it."""
    seen: list[str] = []
    handler = type("Handler", (_CountingHandler,), {"requests": seen})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_fetcher_policy() -> None:
    fetcher = pdf.LocalOnlyURLFetcher()
    stylesheet = pdf.STYLESHEET.as_uri()
    assert fetcher.allows("data:text/plain,hello")
    assert fetcher.allows(stylesheet)
    for url in [
        "http://example.com/x.png",
        "https://example.com/x.png",
        "ftp://example.com/x.png",
        "file:///etc/passwd",
        "file://evil.example.com/work/x.png",
        (pdf.TEMPLATES_DIR / ".." / "pyproject.toml").as_uri(),
        (pdf.TEMPLATES_DIR / "missing.png").as_uri(),
    ]:
        assert not fetcher.allows(url), url
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch("http://example.com/x.png")
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"


def test_holder_name_injection_is_escaped_and_not_fetched(
    http_server: tuple[str, list[str]], out_dir: Path
) -> None:
    base, seen = http_server
    name = f'<img src="{base}/holder.png">'
    path = _write(
        out_dir,
        "injection.pdf",
        pdf.render_certificate(dataclasses.replace(BASE, holder_name=name)),
    )
    assert seen == []
    assert _squash(name) in _squash(_text(path))  # printed literally, as text


def test_raw_html_cannot_fetch_remote_resources(
    http_server: tuple[str, list[str]], caplog: pytest.LogCaptureFixture
) -> None:
    base, seen = http_server
    # Lesson HTML is inserted unescaped (it is sanitised upstream); the fetcher is the backstop.
    html = (
        f'<link rel="stylesheet" href="{base}/style.css">'
        f"<style>@import url({base}/import.css); p {{ background: url({base}/bg.png) }}</style>"
        f'<p>Remote <img src="{base}/lesson.png"> and local <img src="file:///etc/passwd"></p>'
        f'<p>Inline <img src="{PIXEL_PNG}" alt="pixel"></p>'
    )
    course = {
        **MANUAL_COURSE,
        "lessons": [
            {
                "slug": "x",
                "title": {"zh": "注入", "en": "Injection"},
                "html": {"zh": html, "en": ""},
            }
        ],
    }
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        content = pdf.render_manual(course, "zh")
    assert seen == []
    assert "refused to fetch" in caplog.text
    assert "/etc/passwd" in caplog.text
    reader = pypdf.PdfReader(io.BytesIO(content))
    # only the data: pixel (pages share one resources dictionary, hence the set)
    assert len({image.data for page in reader.pages for image in page.images}) == 1


def test_stylesheets_reference_no_remote_url() -> None:
    for path in [pdf.STYLESHEET, *pdf.PDF_TEMPLATES_DIR.glob("*.html")]:
        source = path.read_text(encoding="utf-8")
        assert "http://" not in source and "https://" not in source, path
        assert "@import" not in source and "@font-face" not in source, path
    assert "url(" not in pdf.STYLESHEET.read_text(encoding="utf-8")
    assert pdf.CJK_FONT in pdf.STYLESHEET.read_text(encoding="utf-8")


# --- manual ----------------------------------------------------------------------------------

LESSON_ZH = """
<p>每天开始营业前，先核对终端。</p>
<h2 id="c1-overcharge">多收了钱，批次还没结算</h2>
<ol><li>打开终端的交易记录。</li><li>找到这笔交易。</li></ol>
<aside class="callout callout-key-rule" role="note">
<p class="callout-label">关键规则</p>
<p>撤销只能在批次结算之前进行。</p>
</aside>
<aside class="callout callout-warning" role="note">
<p class="callout-label">注意</p>
<p>超时后不要立即重新刷卡。</p>
</aside>
<aside class="callout callout-tip" role="note">
<p class="callout-label">提示</p>
<p>把小票钉在交易记录上。</p>
</aside>
<table><thead><tr><th>时间</th><th class="align-right">金额</th></tr></thead>
<tbody><tr><td>14:02</td><td class="align-right">¥128.00</td></tr></tbody></table>
"""
LESSON_EN = """
<p>Check the terminal before you open the till.</p>
<h2 id="c1-overcharge">Overcharged, batch still open</h2>
<ol><li>Open the terminal's transaction history.</li><li>Find the sale.</li></ol>
<aside class="callout callout-key-rule" role="note">
<p class="callout-label">Key rule</p>
<p>A void cancels the whole sale, and only before the batch is settled.</p>
</aside>
<aside class="callout callout-warning" role="note">
<p class="callout-label">Warning</p>
<p>Never re-run the card after a timeout.</p>
</aside>
<aside class="callout callout-tip" role="note">
<p class="callout-label">Tip</p>
<p>Staple the receipt to the history printout.</p>
</aside>
<table><thead><tr><th>Time</th><th class="align-right">Amount</th></tr></thead>
<tbody><tr><td>14:02</td><td class="align-right">¥128.00</td></tr></tbody></table>
"""
MANUAL_COURSE = {
    "code": "payment-errors",
    "version": "1.0",
    "title": {"zh": "付款录入错误：识别、更正、上报", "en": "Payment-entry errors"},
    "summary": {"zh": "收银台上最常见的刷卡错误。", "en": "The card errors that happen most."},
    "lessons": [
        {
            "slug": "01-confirm-and-correct",
            "title": {"zh": "确认错误，及时更正", "en": "Confirm the error and correct it"},
            "html": {"zh": LESSON_ZH, "en": LESSON_EN},
        },
        {
            "slug": "02-void-refund-reversal",
            "title": {"zh": "撤销、退货与冲正", "en": "Void, refund and reversal"},
            "html": {"zh": LESSON_ZH, "en": LESSON_EN},
        },
    ],
}


@pytest.fixture(scope="module")
def manual_pdf(out_dir: Path) -> Path:
    return _write(out_dir, "manual.pdf", pdf.render_manual(MANUAL_COURSE, "both"))


def test_manual_cover_toc_and_lessons(manual_pdf: Path) -> None:
    reader = pypdf.PdfReader(manual_pdf)
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(A4_PORTRAIT, abs=0.01)
    # cover, contents, then each lesson in zh and en starting on its own page
    assert len(reader.pages) >= 2 + 4
    total = len(reader.pages)

    cover = _text(manual_pdf, page=1)
    assert "付款录入错误：识别、更正、上报" in cover and "Payment-entry errors" in cover
    assert "收银台上最常见的刷卡错误。" in cover and "版本 version 1.0" in cover

    toc = _text(manual_pdf, page=2, layout=True)
    assert "目录" in toc and "Contents" in toc
    assert f"2/{total}" in _squash(toc)  # page footer
    # each entry ends with the page number its lesson starts on (target-counter)
    entries = re.findall(r"^\s*\d\s+(.+?)\s*\.{3,}\s*(\d+)\s*$", toc, flags=re.MULTILINE)
    titles = [lesson["title"][lang] for lesson in MANUAL_COURSE["lessons"] for lang in ("zh", "en")]
    assert [title for title, _ in entries] == titles
    numbers = [int(number) for _, number in entries]
    assert numbers[0] == 3 and numbers == sorted(set(numbers))
    for title, number in entries:
        assert title in _text(manual_pdf, page=int(number))

    text = _text(manual_pdf)
    for expected in [
        "多收了钱，批次还没结算",
        "Overcharged, batch still open",
        "关键规则",
        "撤销只能在批次结算之前进行。",
        "超时后不要立即重新刷卡。",
        "把小票钉在交易记录上。",
        "A void cancels the whole sale, and only before the batch is settled.",
        "Never re-run the card after a timeout.",
        "Staple the receipt to the history printout.",
        "¥128.00",
        "Void, refund and reversal",
    ]:
        assert expected in text, expected
    assert text.index("确认错误，及时更正\n") < text.index("Confirm the error and correct it\n")

    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert "1确认错误，及时更正" in [_squash(title) for title in outline]


def test_manual_single_language() -> None:
    content = pdf.render_manual({**MANUAL_COURSE, "lessons": MANUAL_COURSE["lessons"][:1]}, "en")
    reader = pypdf.PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Confirm the error and correct it" in text
    assert "确认错误" not in text
    assert reader.metadata is not None and reader.metadata.title == "Payment-entry errors"
