"""Reading a user's text file: one place that turns bad bytes into an actionable message.

Users hand us CSV, JSON and TOML written by anything: Excel (Latin-1 or UTF-16 with a BOM), a
gzip export, or a binary file given by mistake. Decoding is strict UTF-8 (a leading BOM is
dropped); on failure the message names the file, the byte offset and, where the bytes look
like Latin-1/cp1252, says so and how to convert. Every file reader in wattwise goes through
``read_text`` (or ``open_text`` for streaming), so the rule is written once.
"""
from __future__ import annotations

import gzip
import io
from pathlib import Path

from .errors import UsageError

_BOMS = ((b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))


def read_text(path: str | Path, what: str = "file") -> str:
    """The decoded text of ``path`` (``.gz`` transparently), or a UsageError naming the problem."""
    p = Path(path)
    try:
        if p.is_dir():
            raise UsageError(f"{what} '{p}' is a directory; give a file")
        raw = gzip.open(p).read() if p.suffix == ".gz" else p.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{what} not found: '{p}'") from None
    except PermissionError:
        raise UsageError(f"{what} '{p}' is not readable (permission denied)") from None
    except (OSError, EOFError) as e:  # gzip.BadGzipFile is an OSError
        raise UsageError(f"cannot read {what} '{p}': {getattr(e, 'strerror', None) or e}") from None
    return decode(raw, p, what)


def open_text(path: str | Path, what: str = "file") -> io.StringIO:
    """A text stream over the whole decoded file (files we read are small enough to hold)."""
    return io.StringIO(read_text(path, what), newline="")


def decode(raw: bytes, path: str | Path, what: str = "file") -> str:
    for bom, name in _BOMS:
        if raw.startswith(bom):
            raise UsageError(f"{what} '{path}' is {name}-encoded (byte-order mark at offset 0); "
                             f"save it as UTF-8 (e.g. iconv -f {name} -t UTF-8)")
    if b"\x00" in raw[:4096]:
        off = raw.index(b"\x00")
        raise UsageError(f"{what} '{path}' looks binary (NUL byte at offset {off}); expected a text file (CSV, JSON or TOML)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        off = e.start
        bad = raw[off:off + 1].hex()
        hint = ""
        if _looks_latin1(raw):
            hint = (f"; it looks Latin-1/Windows-1252 (as Excel writes): convert it with "
                    f"iconv -f cp1252 -t UTF-8 '{path}' > fixed{Path(path).suffix}")
        raise UsageError(f"{what} '{path}' is not UTF-8 text (byte 0x{bad} at offset {off}){hint}") from None


def _looks_latin1(raw: bytes) -> bool:
    """Mostly ASCII with a few high bytes that decode as cp1252 letters/symbols: Excel's CSVs."""
    high = sum(1 for b in raw if b >= 0x80)
    if not high or high > len(raw) // 4:
        return False
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return all(c.isprintable() or c in "\r\n\t" for c in text)
