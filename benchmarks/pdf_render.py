"""Certificate PDF throughput: the merged-document floor vs one PDF per certificate.

Usage: .venv/bin/python benchmarks/pdf_render.py [--count 200] [--chunk 50] [--no-compare]

Every mode runs in its own fresh process (after a warm-up render) so each peak RSS figure is that
mode's own. The floor is one WeasyPrint render of the certificate template holding all N
certificates as pages (``render_certificates``: template + QR + a single ``write_pdf``); the other
modes produce N standalone PDFs and are reported as a ratio of that floor, measured in the same
run because absolute numbers drift between machines.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from importlib.metadata import version
from multiprocessing import get_context
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

NAMES = ["王喆", "李堃", "张犇", "陈淼", "José Müller", "Zoë Ångström", "欧阳喆堃", "Nguyễn Thị Hà"]
MODES = {
    "floor": "floor: N pages in ONE document",
    "each": "render_certificates_each",
    "single": "render_certificate one by one",
    "naive": "one by one, CSS + fonts per render",
}


def _certificates(count: int) -> list[Any]:
    from trainer.pdf import CertificateData

    base = CertificateData(
        organisation="华联超市 Hualian Supermarkets",
        holder_name="",
        employee_no="",
        store_name="上海南京路店",
        course_code="payment-errors",
        course_version="1.0",
        course_title_zh="付款录入错误：识别、更正、上报",
        course_title_en="Payment-entry errors: recognise, correct, escalate",
        score_percent=92.5,
        issued_on=date(2026, 12, 1),
        expires_on=date(2027, 12, 1),
        serial="",
        verify_url="",
    )
    return [
        dataclasses.replace(
            base,
            holder_name=NAMES[i % len(NAMES)],
            employee_no=f"E{10000 + i}",
            serial=f"CERT-2026-{i:06d}",
            verify_url=f"https://trainer.example.com/verify/CERT-2026-{i:06d}",
            language="zh" if i % 2 == 0 else "en",
            score_percent=None if i % 5 == 4 else 60 + i % 41,
        )
        for i in range(count)
    ]


def _measure(mode: str, count: int, chunk: int | None) -> dict[str, float]:
    """Run one mode in this (fresh) process: warm up, then time all ``count`` certificates."""
    from trainer import pdf

    chunk = chunk or pdf.EACH_CHUNK_SIZE
    datas = _certificates(count)
    pdf.render_certificates(datas[:2])  # warm-up: fontconfig, Pango and the parsed stylesheet

    def naive_one(data: Any) -> bytes:
        # what a first attempt does: a new FontConfiguration and a re-parsed CSS every time
        pdf._font_config.cache_clear()
        pdf._stylesheet.cache_clear()
        return pdf.render_certificate(data)

    wall, cpu = time.perf_counter(), time.process_time()
    if mode == "floor":
        sizes = [len(pdf.render_certificates(datas))]
    elif mode == "each":
        sizes = [
            len(content) for _, content in pdf.render_certificates_each(datas, chunk_size=chunk)
        ]
    elif mode == "single":
        sizes = [len(pdf.render_certificate(data)) for data in datas]
    elif mode == "naive":
        sizes = [len(naive_one(data)) for data in datas]
    else:
        raise ValueError(mode)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "wall_s": wall,
        "ms_per_cert": wall / count * 1000,
        "cpu_ms_per_cert": cpu / count * 1000,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "kb_per_pdf": sum(sizes) / len(sizes) / 1024,
        "pdfs": len(sizes),
        "chunk": chunk,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one line per mode plus the ratios to the floor."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="certificates per mode")
    parser.add_argument("--chunk", type=int, default=None, help="render_certificates_each chunk")
    parser.add_argument(
        "--no-compare", action="store_true", help="only the floor and render_certificates_each"
    )
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    modes = ["floor", "each"] if args.no_compare else list(MODES)

    context = get_context("spawn")
    results: dict[str, dict[str, float]] = {}
    for mode in modes:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            results[mode] = pool.submit(_measure, mode, args.count, args.chunk).result()

    print(
        f"WeasyPrint {version('weasyprint')}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; "
        f"{args.count} certificates, each chunk {results['each']['chunk']:.0f}"
    )
    header = (
        f"{'mode':38} {'total s':>8} {'ms/cert':>8} {'cpu ms':>7} {'peak RSS':>9} {'KB/PDF':>7}"
    )
    print(header)
    print("-" * len(header))
    for mode, r in results.items():
        print(
            f"{MODES[mode]:38} {r['wall_s']:8.2f} {r['ms_per_cert']:8.1f} "
            f"{r['cpu_ms_per_cert']:7.1f} {r['peak_rss_mb']:6.0f} MB {r['kb_per_pdf']:7.1f}"
        )
    floor = results["floor"]
    print()
    for mode in modes[1:]:
        r = results[mode]
        print(
            f"ratio {MODES[mode]} / floor: {r['ms_per_cert'] / floor['ms_per_cert']:.2f}x wall, "
            f"{r['cpu_ms_per_cert'] / floor['cpu_ms_per_cert']:.2f}x cpu"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
