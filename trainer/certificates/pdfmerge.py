"""Concatenate many small PDFs into one, writing it as it goes, in bounded memory.

WeasyPrint can merge documents (``Document.copy`` over the pages of several renders), but the
merged document keeps every page's layout tree until it is written: about 0.7 MB a certificate,
so a 1,000-certificate document would need the better part of a gigabyte. Instead each
certificate's own PDF is parsed (with pypdf, one small file at a time) and its objects are
written straight to the output with new object numbers. Only the byte offset of each object
(8 bytes) and the object number of each page (4 bytes) are kept until the cross-reference table
is written at the end.

The price: fonts are subset per certificate, so every page carries its own (≈15 kB), and the
merged file is about the size of all the single PDFs together.
"""

from __future__ import annotations

import hashlib
from array import array
from datetime import UTC, datetime
from io import BytesIO
from typing import BinaryIO

__all__ = ["MergeUnavailable", "StreamingPdfConcatenator", "available"]

CATALOG, PAGES, INFO = 1, 2, 3


class MergeUnavailable(RuntimeError):
    """The merged PDF needs pypdf, which is not installed."""


def available() -> bool:
    """Whether pypdf (the parser the merge needs) is installed."""
    try:
        import pypdf  # noqa: F401
    except ImportError:
        return False
    return True


class _Out:
    """A write-only stream that counts the bytes written (zip entries cannot tell())."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.position = 0

    def write(self, data: bytes) -> None:
        self.raw.write(data)
        self.position += len(data)


class StreamingPdfConcatenator:
    """Append the pages of PDFs to one output PDF; call :meth:`close` once at the end."""

    def __init__(self, out: BinaryIO, *, title: str | None = None, lang: str | None = None):
        try:
            import pypdf  # noqa: F401
        except ImportError as exc:
            raise MergeUnavailable(
                "the merged PDF needs the pypdf package (pip install pypdf)"
            ) from exc
        self._out = _Out(out)
        self._title = title
        self._lang = lang
        self._offsets = array("Q", [0, 0, 0, 0])  # index = object number; 0 = free entry
        self._kids = array("I")
        self._digest = hashlib.sha256()
        self._closed = False
        self._out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    @property
    def page_count(self) -> int:
        """Pages appended so far."""
        return len(self._kids)

    def _new_id(self) -> int:
        self._offsets.append(0)
        return len(self._offsets) - 1

    def add(self, pdf: bytes) -> None:
        """Append every page of ``pdf`` (a complete PDF document)."""
        from pypdf import PdfReader
        from pypdf.generic import IndirectObject

        if self._closed:
            raise ValueError("the merged PDF is already closed")
        self._digest.update(hashlib.sha256(pdf).digest())
        reader = PdfReader(BytesIO(pdf))
        mapping: dict[tuple[int, int], int] = {}
        pending: list[IndirectObject] = []

        def remap(ref: IndirectObject) -> int:
            key = (ref.idnum, ref.generation)
            if key not in mapping:
                mapping[key] = self._new_id()
                pending.append(ref)
            return mapping[key]

        # The source's catalog and page tree stand for ours: anything pointing at them (a page's
        # /Parent) points at the merged document's instead of dragging them along.
        root = reader.trailer.raw_get("/Root")
        mapping[(root.idnum, root.generation)] = CATALOG
        pages_ref = root.get_object().raw_get("/Pages")
        mapping[(pages_ref.idnum, pages_ref.generation)] = PAGES

        for page in reader.pages:
            ref = page.indirect_reference
            page_id = self._new_id()
            mapping[(ref.idnum, ref.generation)] = page_id
            self._kids.append(page_id)
            self._write_object(page_id, page, remap, parent=True)
        while pending:
            ref = pending.pop()
            self._write_object(mapping[(ref.idnum, ref.generation)], ref.get_object(), remap)

    def _write_object(self, number: int, obj, remap, *, parent: bool = False) -> None:
        buf = BytesIO()
        buf.write(b"%d 0 obj\n" % number)
        _serialise(obj, buf, remap, page=parent)
        buf.write(b"\nendobj\n")
        self._offsets[number] = self._out.position
        self._out.write(buf.getvalue())

    def _write_raw(self, number: int, body: bytes) -> None:
        self._offsets[number] = self._out.position
        self._out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    def close(self) -> None:
        """Write the page tree, catalog, document info and cross-reference table."""
        from pypdf.generic import TextStringObject

        if self._closed:
            return
        if not self._kids:
            raise ValueError("a merged PDF needs at least one page")
        self._closed = True
        kids = b" ".join(b"%d 0 R" % kid for kid in self._kids)
        self._write_raw(PAGES, b"<< /Type /Pages /Count %d /Kids [%s] >>" % (len(self._kids), kids))
        catalog = BytesIO()
        catalog.write(b"<< /Type /Catalog /Pages %d 0 R" % PAGES)
        if self._lang:
            catalog.write(b" /Lang ")
            TextStringObject(self._lang).write_to_stream(catalog)
        catalog.write(b" >>")
        self._write_raw(CATALOG, catalog.getvalue())
        info = BytesIO()
        created = datetime.now(UTC).strftime("D:%Y%m%d%H%M%SZ")
        info.write(b"<< /Producer (trainer) /CreationDate (%s)" % created.encode())
        if self._title:
            info.write(b" /Title ")
            TextStringObject(self._title).write_to_stream(info)
        info.write(b" >>")
        self._write_raw(INFO, info.getvalue())

        xref = self._out.position
        size = len(self._offsets)
        self._out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for number in range(1, size):
            self._out.write(b"%010d 00000 n \n" % self._offsets[number])
        file_id = self._digest.hexdigest()[:32].encode()
        self._out.write(
            b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%s> <%s>] >>\n"
            b"startxref\n%d\n%%%%EOF\n" % (size, CATALOG, INFO, file_id, file_id, xref)
        )


def _serialise(obj, buf: BytesIO, remap, *, page: bool = False) -> None:
    """Write a pypdf object with its indirect references renumbered by ``remap``."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

    if isinstance(obj, IndirectObject):
        buf.write(b"%d 0 R" % remap(obj))
    elif isinstance(obj, DictionaryObject):
        stream = isinstance(obj, StreamObject)
        buf.write(b"<<")
        for key, value in obj.items():
            if stream and key == "/Length":
                continue  # rewritten below: the source's may be an indirect object
            if len(key) > 2 and key[1] == "%" and key[-1] == "%":
                continue  # pypdf's own bookkeeping keys
            buf.write(b"\n")
            key.write_to_stream(buf)
            buf.write(b" ")
            if page and key == "/Parent":
                buf.write(b"%d 0 R" % PAGES)
            else:
                _serialise(value, buf, remap)
        if stream:
            # the stream's bytes as stored (still encoded): pypdf keeps them in _data
            data = obj._data
            buf.write(b"\n/Length %d\n>>\nstream\n" % len(data))
            buf.write(data)
            buf.write(b"\nendstream")
        else:
            buf.write(b"\n>>")
    elif isinstance(obj, ArrayObject):
        buf.write(b"[")
        for index, item in enumerate(obj):
            if index:
                buf.write(b" ")
            _serialise(item, buf, remap)
        buf.write(b"]")
    else:
        obj.write_to_stream(buf)
