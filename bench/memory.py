"""Resident memory of this process, from ``/proc/self/status`` (Linux).

The benchmark wants the peak of one step, not of the whole process: setting up a store (migrations,
loading the SDG registry) peaks higher than some steps do, so the peak is reset just before the
step with ``/proc/self/clear_refs`` (Linux 4.0+) and growth is measured from the resident size at
that moment.
"""

from __future__ import annotations

import gc
from pathlib import Path

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_kib(field: str) -> int:
    for line in _STATUS.read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} is not in {_STATUS}; the benchmark needs Linux")


def rss_mib() -> float:
    return _status_kib("VmRSS") / 1024


def peak_mib() -> float:
    """The high-water mark of resident memory since start or since :func:`reset_peak`."""
    return _status_kib("VmHWM") / 1024


def reset_peak() -> float:
    """Collect garbage, reset the high-water mark to the current RSS and return that RSS (MiB)."""
    gc.collect()
    try:
        # "5" resets the peak RSS (Documentation/filesystems/proc.rst, clear_refs).
        _CLEAR_REFS.write_text("5")
    except OSError:
        # Without it the peak includes set-up; growth is then an upper bound, said in the output.
        return peak_mib()
    return rss_mib()
