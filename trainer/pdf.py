"""PDF rendering (certificates and printable course manuals) with WeasyPrint.

This is the only module that imports WeasyPrint. It has no Flask dependency: it renders its own
Jinja templates from the top-level ``templates/pdf`` directory and uses system fonts only.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from importlib.resources import files
from itertools import islice
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from urllib.request import url2pathname

import segno
import weasyprint
from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from weasyprint.css import ColorProfile
from weasyprint.pdf import VARIANTS
from weasyprint.pdf.metadata import DocumentMetadata
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

__all__ = [
    "CJK_FONT",
    "CertificateData",
    "LocalOnlyURLFetcher",
    "render_certificate",
    "render_certificates",
    "render_certificates_each",
    "render_drill_log",
    "render_manual",
]

PROJECT_DIR = Path(__file__).resolve().parents[1]
TEMPLATES_DIR = PROJECT_DIR / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
PDF_TEMPLATES_DIR = TEMPLATES_DIR / "pdf"
STYLESHEET = PDF_TEMPLATES_DIR / "pdf.css"

#: Family name of the CJK font the stylesheet relies on (Debian package fonts-wqy-microhei).
CJK_FONT = "WenQuanYi Micro Hei"

#: Certificates laid out together before being split into one PDF each; bounds the memory held.
EACH_CHUNK_SIZE = 20

GENERATOR = "trainer"

Language = Literal["zh", "en"]

LANG_TAGS: dict[str, str] = {"zh": "zh-CN", "en": "en"}
BABEL_LOCALES: dict[str, str] = {"zh": "zh_CN", "en": "en_GB"}

CERTIFICATE_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "heading": "结业证书",
        "certify": "兹证明",
        "completed": "已完成培训课程",
        "employee_no": "员工编号",
        "store": "门店",
        "version": "版本",
        "score": "成绩",
        "issued": "颁发日期",
        "expires": "有效期至",
        "no_expiry": "长期有效",
        "serial": "证书编号",
        "scan": "扫码验证证书",
        "title": "结业证书",
    },
    "en": {
        "heading": "Certificate of completion",
        "certify": "This is to certify that",
        "completed": "has completed the training course",
        "employee_no": "Employee no.",
        "store": "Store",
        "version": "version",
        "score": "Score",
        "issued": "Issued",
        "expires": "Valid until",
        "no_expiry": "Does not expire",
        "serial": "Certificate no.",
        "scan": "Scan to verify",
        "title": "Certificate of completion",
    },
}

#: The stamp on a certificate that is no longer valid, in both languages on every copy: the PDF
#: may be read by someone who reads only one of them. The web pages use the same words.
STAMP_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "revoked": "已吊销",
        "expired": "已过期",
        "revoked_on": "吊销日期",
        "expired_on": "过期日期",
        "reason": "原因：",
        "not_valid": "本证书已失效，请以扫码验证的结果为准。",
    },
    "en": {
        "revoked": "REVOKED",
        "expired": "EXPIRED",
        "revoked_on": "Revoked on",
        "expired_on": "Expired on",
        "reason": "Reason: ",
        "not_valid": "This certificate is no longer valid. Scan the code for its current status.",
    },
}

REASON_LABELS: dict[str, dict[str, str]] = {
    "issued_in_error": {"zh": "误发", "en": "Issued in error"},
    "misconduct": {"zh": "违规行为", "en": "Misconduct"},
    "superseded": {"zh": "已由新证书替代", "en": "Replaced by a new certificate"},
    "left_organisation": {"zh": "已离职", "en": "Left the organisation"},
    "other": {"zh": "其他原因", "en": "Other reason"},
}

SLIP_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "首次登录凭条",
        "name": "姓名",
        "stores": "门店",
        "username": "用户名",
        "password": "一次性密码",
        "how": "扫码或打开下面的地址登录，然后设置你自己的密码。一次性密码只能用一次。",
        "keep": "本凭条只交给本人；设置新密码后请销毁。",
    },
    "en": {
        "title": "First sign-in slip",
        "name": "Name",
        "stores": "Store",
        "username": "Username",
        "password": "One-time password",
        "how": "Scan the code or open the address below, sign in, then choose your own "
        "password. The one-time password works once.",
        "keep": "Hand this slip to its holder only; destroy it once the new password is set.",
    },
}

MANUAL_LABELS: dict[str, dict[str, str]] = {
    "zh": {"kind": "课程手册", "contents": "目录", "version": "版本"},
    "en": {"kind": "COURSE MANUAL", "contents": "Contents", "version": "version"},
    "both": {
        "kind": "课程手册 · COURSE MANUAL",
        "contents": "目录 · Contents",
        "version": "版本 version",
    },
}


@dataclass(frozen=True)
class CertificateData:
    """Everything printed on one certificate."""

    organisation: str
    holder_name: str
    employee_no: str
    store_name: str
    course_code: str
    course_version: str
    course_title_zh: str
    course_title_en: str
    score_percent: float | None
    issued_on: date
    expires_on: date | None
    serial: str
    verify_url: str
    language: Language = "zh"
    #: valid | expired | revoked: a copy that is no longer valid carries a stamp saying so.
    status: str = "valid"
    #: the day it expired or was revoked
    status_on: date | None = None
    revocation_reason: str | None = None

    def __post_init__(self) -> None:
        if self.language not in CERTIFICATE_LABELS:
            raise ValueError(f"unsupported certificate language {self.language!r}")


class LocalOnlyURLFetcher(URLFetcher):
    """URL fetcher that serves data: URLs and files under the allowed directories, nothing else."""

    def __init__(self, roots: Iterable[Path] = (TEMPLATES_DIR, STATIC_DIR)) -> None:
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False, timeout=1)
        self.roots = tuple(Path(root).resolve() for root in roots)

    def allows(self, url: str) -> bool:
        """Whether ``url`` may be fetched."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            return True
        if scheme != "file" or parts.netloc not in ("", "localhost"):
            return False
        # resolve() collapses "..", so a relative src cannot climb out of an allowed root
        path = Path(url2pathname(parts.path)).resolve()
        return path.is_file() and any(path.is_relative_to(root) for root in self.roots)

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        """Fetch ``url`` if allowed, else raise ``ValueError`` (WeasyPrint then skips it)."""
        if not self.allows(url):
            raise ValueError(f"refused to fetch {url!r}: only data: URLs and local assets")
        return super().fetch(url, headers)


# One FontConfiguration / parsed stylesheet per process: WeasyPrint objects are not documented
# as thread-safe, so renders are serialised (they are CPU-bound under the GIL anyway).
_render_lock = threading.Lock()


@cache
def _jinja() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _fetcher() -> LocalOnlyURLFetcher:
    return LocalOnlyURLFetcher()


@cache
def _font_config() -> FontConfiguration:
    return FontConfiguration()


@cache
def _stylesheet() -> weasyprint.CSS:
    return weasyprint.CSS(
        filename=str(STYLESHEET), url_fetcher=_fetcher(), font_config=_font_config()
    )


def _other(lang: str) -> str:
    return "en" if lang == "zh" else "zh"


def _format_date(value: date, lang: str) -> str:
    return format_date(value, format="long", locale=BABEL_LOCALES[lang])


def _format_score(score: float) -> str:
    text = f"{score:.1f}".removesuffix(".0")
    return f"{text}%"


def _qr_svg(url: str) -> Markup:
    # make_qr, not make: segno would pick a Micro QR for short data and most phone
    # scanners (and zbar) cannot read those.
    qr = segno.make_qr(url, error="m")
    # The SVG comes from segno, not from user input; the URL itself is only encoded as modules.
    return Markup(qr.svg_inline(scale=1, border=2, omitsize=True))  # noqa: S704


def _certificate_context(data: CertificateData) -> dict[str, Any]:
    lang = data.language
    other = _other(lang)
    labels = CERTIFICATE_LABELS[lang]
    titles = {"zh": data.course_title_zh, "en": data.course_title_en}
    return {
        "data": data,
        "labels": labels,
        "lang_tag": LANG_TAGS[lang],
        "other_lang_tag": LANG_TAGS[other],
        "heading": labels["heading"],
        "heading_other": CERTIFICATE_LABELS[other]["heading"],
        "course_titles": [(titles[lang], LANG_TAGS[lang]), (titles[other], LANG_TAGS[other])],
        "score": None if data.score_percent is None else _format_score(data.score_percent),
        "issued": _format_date(data.issued_on, lang),
        "expires": (
            labels["no_expiry"] if data.expires_on is None else _format_date(data.expires_on, lang)
        ),
        "qr_svg": _qr_svg(data.verify_url),
        "stamp": _stamp(data),
    }


def _stamp(data: CertificateData) -> dict[str, Any] | None:
    """The stamp of a copy that is no longer valid, every line in both languages, or None."""
    if data.status == "valid":
        return None
    languages = (data.language, _other(data.language))
    details = []
    for lang in languages:
        labels = STAMP_LABELS[lang]
        parts = []
        if data.status_on is not None:
            parts.append(f"{labels[data.status + '_on']} {_format_date(data.status_on, lang)}")
        if data.status == "revoked" and data.revocation_reason:
            reason = REASON_LABELS.get(data.revocation_reason, REASON_LABELS["other"])
            parts.append(f"{labels['reason']}{reason[lang]}")
        parts.append(labels["not_valid"])
        details.append((" · ".join(parts), LANG_TAGS[lang]))
    return {
        "status": " · ".join(STAMP_LABELS[lang][data.status] for lang in languages),
        "details": details,
    }


def _certificate_metadata(data: CertificateData) -> dict[str, Any]:
    labels = CERTIFICATE_LABELS[data.language]
    return {
        "title": f"{labels['title']} · {data.holder_name} · {data.course_code} {data.serial}",
        "authors": [data.organisation],
        "description": f"{data.course_title_zh} / {data.course_title_en}",
        "keywords": [
            "certificate",
            data.course_code,
            f"{data.course_code}@{data.course_version}",
            data.serial,
        ],
        "generator": GENERATOR,
        # the issue date, not "now": re-rendering a certificate yields the same metadata
        "created": data.issued_on.isoformat(),
        "lang": LANG_TAGS[data.language],
    }


def _batch_metadata(datas: list[CertificateData]) -> dict[str, Any]:
    first = datas[0]
    authors = list(dict.fromkeys(d.organisation for d in datas))
    codes = list(dict.fromkeys(d.course_code for d in datas))
    labels = CERTIFICATE_LABELS[first.language]
    return {
        "title": f"{labels['title']} ({len(datas)})",
        "authors": authors,
        "description": " / ".join(codes),
        "keywords": ["certificate", *codes],
        "generator": GENERATOR,
        "created": _now_w3c(),
        "lang": LANG_TAGS[first.language],
    }


def _now_w3c() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _certificates_html(datas: list[CertificateData], meta: dict[str, Any]) -> str:
    template = _jinja().get_template("pdf/certificate.html")
    return template.render(meta=meta, certificates=[_certificate_context(data) for data in datas])


def _html(
    source: str, base_url: Path = PDF_TEMPLATES_DIR, fetcher: URLFetcher | None = None
) -> weasyprint.HTML:
    return weasyprint.HTML(
        string=source,
        base_url=base_url.as_uri() + "/",
        url_fetcher=fetcher or _fetcher(),
    )


SRGB_INTENT = "trainer-srgb"


@cache
def _srgb_profile() -> ColorProfile:
    with (files("weasyprint.pdf") / "sRGB2014.icc").open("rb") as icc:
        return ColorProfile(icc, "sRGB2014.icc", "relative-colorimetric", (["r"], ["g"], ["b"]))


def _pdf_options(pdf_variant: str | None) -> dict[str, Any]:
    """PDF options for ``Document.write_pdf`` (also passed to ``render``)."""
    if pdf_variant is not None and pdf_variant not in VARIANTS:
        raise ValueError(f"unknown PDF variant {pdf_variant!r}; one of {', '.join(VARIANTS)}")
    options: dict[str, Any] = {"pdf_variant": pdf_variant}
    if pdf_variant is not None and VARIANTS[pdf_variant][1].get("output_intent") == "srgb":
        # WeasyPrint's own "srgb" intent reopens its ICC file per PDF and never closes it
        # (a ResourceWarning, an error under -W error); an already loaded profile under another
        # name gives the same OutputIntent.
        options["output_intent"] = SRGB_INTENT
    return options


def _render_options(pdf_variant: str | None) -> dict[str, Any]:
    """Options for ``HTML.render``/``HTML.write_pdf``: shared parsed stylesheet and fonts."""
    options = {
        "stylesheets": [_stylesheet()],
        "font_config": _font_config(),
        **_pdf_options(pdf_variant),
    }
    if "output_intent" in options:
        options["color_profiles"] = {SRGB_INTENT: _srgb_profile()}
    return options


def _write(document: weasyprint.HTML, pdf_variant: str | None) -> bytes:
    return document.write_pdf(**_render_options(pdf_variant))


def render_certificate(data: CertificateData, *, pdf_variant: str | None = None) -> bytes:
    """Render one certificate as an A4 landscape PDF (``pdf_variant="pdf/a-3b"`` for PDF/A)."""
    source = _certificates_html([data], _certificate_metadata(data))
    with _render_lock:
        return _write(_html(source), pdf_variant)


def render_certificates(
    datas: Iterable[CertificateData], *, pdf_variant: str | None = None
) -> bytes:
    """Render many certificates as one merged PDF, one page each, in a single layout pass."""
    items = list(datas)
    if not items:
        raise ValueError("no certificates to render")
    source = _certificates_html(items, _batch_metadata(items))
    with _render_lock:
        return _write(_html(source), pdf_variant)


def render_certificates_each(
    datas: Iterable[CertificateData],
    *,
    pdf_variant: str | None = None,
    chunk_size: int = EACH_CHUNK_SIZE,
) -> Iterator[tuple[CertificateData, bytes]]:
    """Yield ``(data, pdf)`` for each certificate, each PDF standalone with its own metadata."""
    # validated here, eagerly, rather than on the first next() of the generator
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    _pdf_options(pdf_variant)
    return _each(iter(datas), pdf_variant, chunk_size)


def _each(
    iterator: Iterator[CertificateData], pdf_variant: str | None, chunk_size: int
) -> Iterator[tuple[CertificateData, bytes]]:
    # Laying out a chunk as one document and writing each certificate's pages separately is
    # much cheaper than one HTML parse + style cascade + layout per certificate.
    while chunk := list(islice(iterator, chunk_size)):
        source = _certificates_html(chunk, _batch_metadata(chunk))
        with _render_lock:
            document = _html(source).render(**_render_options(pdf_variant))
            pages = _pages_by_certificate(document, len(chunk))
            results = []
            for data, own_pages in zip(chunk, pages, strict=True):
                single = document.copy(own_pages)
                single.metadata = DocumentMetadata(**_certificate_metadata(data))
                results.append((data, single.write_pdf(**_pdf_options(pdf_variant))))
        # yield outside the lock so a slow consumer does not block other renders
        yield from results


def _pages_by_certificate(document: Any, count: int) -> list[list[Any]]:
    """Group the pages of a batch document by the certificate section that starts on them."""
    groups: list[list[Any]] = [[] for _ in range(count)]
    current = -1
    for page in document.pages:
        starts = [
            int(name.removeprefix("certificate-"))
            for name in page.anchors
            if name.startswith("certificate-")
        ]
        if starts:
            current = max(starts)
        if current < 0:
            raise RuntimeError("certificate batch layout: page before the first certificate")
        groups[current].append(page)
    if any(not group for group in groups):
        raise RuntimeError("certificate batch layout: a certificate produced no page")
    return groups


def render_signin_slips(
    slips: Iterable[Mapping[str, str]], *, lang: str, site: str, url: str
) -> bytes:
    """Printable first sign-in slips, eight to an A4 page: name, stores, username, one-time
    password, and the sign-in address as text and as a QR code."""
    if lang not in SLIP_LABELS:
        raise ValueError(f"unsupported slip language {lang!r}")
    meta = {
        "title": SLIP_LABELS[lang]["title"],
        "authors": [site],
        "description": site,
        "keywords": ["sign-in"],
        "generator": GENERATOR,
        "created": _now_w3c(),
        "lang": LANG_TAGS[lang],
    }
    source = (
        _jinja()
        .get_template("pdf/signin_slips.html")
        .render(
            meta=meta,
            slips=list(slips),
            labels=SLIP_LABELS[lang],
            site=site,
            url=url,
            qr_svg=_qr_svg(url),
        )
    )
    with _render_lock:
        return _write(_html(source), None)


def render_manual(course: Mapping[str, Any], lang: str, *, assets_dir: Path | None = None) -> bytes:
    """Render a printable A4 course manual in ``lang`` ("zh", "en" or "both": zh then en)."""
    if lang not in MANUAL_LABELS:
        raise ValueError(f"unsupported manual language {lang!r}")
    langs = ["zh", "en"] if lang == "both" else [lang]
    first = langs[0]
    meta = {
        "title": " / ".join(course["title"][x] for x in langs),
        "description": " / ".join(course["summary"][x] for x in langs),
        "keywords": ["manual", course["code"], f"{course['code']}@{course['version']}"],
        "generator": GENERATOR,
        "created": _now_w3c(),
        "lang": LANG_TAGS[first],
    }
    lessons = [
        {
            "title": lesson["title"],
            "html": {x: Markup(_scope_ids(lesson["html"][x], f"l{n}-{x}-")) for x in langs},  # noqa: S704
        }
        for n, lesson in enumerate(course["lessons"], start=1)
    ]
    template = _jinja().get_template("pdf/manual.html")
    source = template.render(
        meta=meta,
        course=course,
        lessons=lessons,
        langs=langs,
        tags=LANG_TAGS,
        labels=MANUAL_LABELS[lang],
    )
    # lesson images are referenced relative to the course folder, which must then be allowed too
    if assets_dir is not None:
        fetcher: URLFetcher = LocalOnlyURLFetcher((TEMPLATES_DIR, STATIC_DIR, assets_dir))
        base_url = Path(assets_dir).resolve()
    else:
        fetcher, base_url = _fetcher(), PDF_TEMPLATES_DIR
    with _render_lock:
        return _write(_html(source, base_url, fetcher), None)


def render_drill_log(context: Mapping[str, Any]) -> bytes:
    """Render the drill log (templates/pdf/drill_log.html) as an A4 PDF; texts come localised."""
    meta = {"generator": GENERATOR, "created": _now_w3c(), "lang": LANG_TAGS[context["lang"]]}
    source = _jinja().get_template("pdf/drill_log.html").render(meta=meta, **context)
    with _render_lock:
        return _write(_html(source), None)


_ID_RE = re.compile(r'(\sid=")([^"]+")')
_FRAGMENT_RE = re.compile(r'(\shref="#)([^"]+")')


def _scope_ids(html: str, prefix: str) -> str:
    """Prefix the ids (and in-page links) of one lesson's HTML, unique in the whole manual."""
    # Lessons reuse anchors across languages (zh and en share them by design): duplicated ids
    # would send TOC/links to the wrong copy. The sanitiser always writes double-quoted attributes.
    html = _ID_RE.sub(lambda m: f"{m[1]}{prefix}{m[2]}", html)
    return _FRAGMENT_RE.sub(lambda m: f"{m[1]}{prefix}{m[2]}", html)
