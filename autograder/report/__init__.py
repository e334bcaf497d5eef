"""The instructor's class report of a grading output folder: ``report.html`` (one offline
page) and ``report.json``. Modules: ``load`` (results.json, written.json, batch.json),
``attempts`` (parts left as the stub), ``concepts`` (the bank's check descriptions), ``stats``,
``lookhere`` (whom to look at first), ``grouping`` (failure-message grouping), ``similarity``
(copydetect), ``plots``, ``render`` (HTML), ``export`` (JSON), ``build``, ``cli``,
``browser`` (a headless-Chromium check of the page)."""

from .build import build_report, write_report

__all__ = ["build_report", "write_report"]
