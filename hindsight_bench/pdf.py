"""PDF export benchmark: the Comprehensive demo SEV1 postmortem, in a warm process.

``run_pdf_bench()`` (what ``make bench`` calls) starts ``python -m hindsight_bench.pdf`` in a
fresh process with its own throw-away SQLite database, so the numbers, peak memory above all,
are the export's alone. That process migrates, seeds the demo organizations (``seed_demo``),
renders once to warm up (fonts, stylesheets, templates), then times ``runs`` exports:

- ``export``: what the page does on a cache miss (load the document, render the print HTML,
  WeasyPrint with the safe URL fetcher);
- ``weasyprint``: WeasyPrint alone on the same HTML, same fetcher, measured in the same run;

and reports medians, the ratio of the two, and peak RSS (``ru_maxrss`` of the process and of the
render's child process) against the goals:
export under 1.5 s, within 2x of WeasyPrint alone, under 200 MB.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_SECONDS = 1.5
GOAL_RATIO = 2.0
GOAL_PEAK_MB = 200.0
ROOT = Path(__file__).resolve().parent.parent


def run_pdf_bench(runs: int = 7, timeout: float = 900) -> dict:
    """Measure in a subprocess; answers a dict of numbers and verdicts (see ``_measure``)."""
    with tempfile.TemporaryDirectory(prefix="hindsight-pdf-bench-") as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/bench-pdf.sqlite3",
            "DEBUG": "true",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "MEDIA_ROOT": tmp,
        }
        env.pop("REDIS_URL", None)
        done = subprocess.run(  # noqa: S603 (our own module, fixed arguments)
            [sys.executable, "-m", "hindsight_bench.pdf", "--runs", str(runs)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"PDF bench failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def print_pdf_bench(result: dict) -> None:
    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    print("\nPDF export (Comprehensive demo SEV1, warm process, median of", result["runs"], "runs)")
    print(
        f"  export          {result['export_seconds']:.3f} s  "
        f"(goal < {GOAL_SECONDS} s: {verdict(result['export_ok'])})"
    )
    print(f"  WeasyPrint only {result['weasyprint_seconds']:.3f} s")
    print(
        f"  CPU time        export {result['export_cpu_seconds']:.3f} s, "
        f"WeasyPrint only {result['weasyprint_cpu_seconds']:.3f} s"
    )
    print(
        f"  ratio           {result['ratio']:.2f}x  "
        f"(goal <= {GOAL_RATIO}x: {verdict(result['ratio_ok'])})"
    )
    print(
        f"  peak memory     {result['peak_mb']:.0f} MB  "
        f"(goal < {GOAL_PEAK_MB:.0f} MB: {verdict(result['memory_ok'])}); "
        f"{result['pages']} pages, {result['pdf_kb']:.0f} KB"
    )


def goals(result: dict) -> list[tuple[str, str, bool]]:
    """(what, measured, passed), like the other sections of the report."""
    return [
        (
            f"PDF export, warm: < {GOAL_SECONDS} s",
            f"{result['export_seconds']:.3f} s (CPU {result['export_cpu_seconds']:.3f} s)",
            result["export_ok"],
        ),
        (
            f"PDF export vs WeasyPrint alone: <= {GOAL_RATIO}x",
            f"{result['ratio']:.2f}x ({result['weasyprint_seconds']:.3f} s alone)",
            result["ratio_ok"],
        ),
        (
            f"PDF export peak memory: < {GOAL_PEAK_MB:.0f} MB",
            f"{result['peak_mb']:.0f} MB, {result['pages']} pages",
            result["memory_ok"],
        ),
    ]


# --- In the measuring process ------------------------------------------------------------------


def _page_count(data: bytes) -> int:
    """Pages of the PDF (WeasyPrint compresses its objects: a text search finds none)."""
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def _peak_mb() -> float:
    """The largest resident size of this process or any child it waited for (the export
    renders in a child process)."""
    import resource

    largest = max(
        resource.getrusage(who).ru_maxrss
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return largest / 1024  # KiB on Linux


def _cpu_seconds() -> float:
    """CPU time of this process and of the children it waited for."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _measure(runs: int) -> dict:
    import django

    django.setup()
    import logging

    from django.core.management import call_command
    from django_scopes import scopes_disabled
    from weasyprint import HTML

    from demo.postmortems import TITLE
    from postmortems.exports import documents as exports
    from postmortems.exports import pdf, rendering
    from postmortems.models import Postmortem

    logging.disable(logging.WARNING)
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    with scopes_disabled():
        postmortem = (
            Postmortem.objects.select_related("organization", "incident", "author")
            .filter(title=TITLE, template__builtin_key="comprehensive")
            .first()
        )
        if postmortem is None:
            raise SystemExit("The demo SEV1 postmortem was not seeded.")
        before_mb = _peak_mb()

        def export_once() -> tuple[bytes, str]:
            export = exports.load_export(postmortem)
            html = rendering.print_html_of(export)
            return pdf.render_pdf(html), html

        data, html = export_once()  # warm-up
        export_times, alone_times, export_cpu, alone_cpu = [], [], [], []
        for _ in range(runs):
            start, cpu = time.perf_counter(), _cpu_seconds()
            data, html = export_once()
            export_times.append(time.perf_counter() - start)
            export_cpu.append(_cpu_seconds() - cpu)
            start, cpu = time.perf_counter(), _cpu_seconds()
            HTML(
                string=html,
                base_url=pdf.INTERNAL_BASE_URL,
                url_fetcher=pdf.SafeURLFetcher(),
            ).write_pdf()
            alone_times.append(time.perf_counter() - start)
            alone_cpu.append(_cpu_seconds() - cpu)
    export_s = statistics.median(export_times)
    alone_s = statistics.median(alone_times)
    peak = _peak_mb()
    return {
        "runs": runs,
        "export_seconds": round(export_s, 4),
        "weasyprint_seconds": round(alone_s, 4),
        "export_cpu_seconds": round(statistics.median(export_cpu), 4),
        "weasyprint_cpu_seconds": round(statistics.median(alone_cpu), 4),
        "ratio": round(export_s / alone_s, 3) if alone_s else None,
        "peak_mb": round(peak, 1),
        "baseline_mb": round(before_mb, 1),
        "pdf_kb": round(len(data) / 1024, 1),
        "pages": _page_count(data),
        "goals": {"seconds": GOAL_SECONDS, "ratio": GOAL_RATIO, "peak_mb": GOAL_PEAK_MB},
        "export_ok": export_s < GOAL_SECONDS,
        "ratio_ok": bool(alone_s) and export_s / alone_s <= GOAL_RATIO,
        "memory_ok": peak < GOAL_PEAK_MB,
    }


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--print", action="store_true", help="run in a subprocess and print")
    args = parser.parse_args()
    if args.print:
        print_pdf_bench(run_pdf_bench(args.runs))
    else:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(_measure(args.runs)))
