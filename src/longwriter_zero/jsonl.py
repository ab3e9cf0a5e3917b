"""JSONL reading and atomic writing with errors that name the file and line.

Every input JSONL of the project is read here (``iter_jsonl``): a line that is not UTF-8, not
JSON, nested too deeply, or holds a number that is not a finite float (NaN, ±Infinity, 1e400) or
an integer too long to read is a ``UserError`` naming ``file:line``.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable, Iterator

from longwriter_zero.errors import UserError


MAX_DEPTH = 64        # nesting of objects/arrays in one row; deeper rows are refused, not recursed into


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number {text[:20]} is out of range")
    return value


def _non_json_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _too_deep(line: str, limit: int = MAX_DEPTH) -> bool:
    """Whether brackets outside strings nest deeper than ``limit`` (json would recurse that deep)."""
    if line.count("[") + line.count("{") <= limit:
        return False
    depth, in_str, esc = 0, False, False
    for ch in line:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False


def parse_json_line(line: str) -> Any:
    """``json.loads`` for input files: ValueError (with a short reason) on anything not plain JSON."""
    if _too_deep(line):
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(line, parse_float=_finite_float, parse_constant=_non_json_constant)
    except json.JSONDecodeError as e:
        raise ValueError(e.msg) from None
    except RecursionError:
        raise ValueError("nested too deeply") from None
    except ValueError as e:       # an integer with more digits than Python reads, a constant, a huge float
        raise ValueError(str(e).split(";")[0].split(":")[0][:80]) from None


MAX_LENGTH = 10_000_000   # words (or tokens): above any writing request; larger values are input errors


def length_value(value: Any, where: str, key: str, positive: bool = False) -> int:
    """A length (``range`` bound, required ``length``) read from input: a finite number in
    [0, MAX_LENGTH] (above 0 when ``positive``), as an int; otherwise a UserError naming ``where``/``key``."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if ok and isinstance(value, float):
        ok = value == value and abs(value) != float("inf")
    if not ok:
        raise UserError(f"{where}: '{key}' must be a number, got {str(value)[:40]!r}")
    if value < 0 or (positive and value <= 0) or value > MAX_LENGTH:
        bounds = f"a positive number up to {MAX_LENGTH:,}" if positive else f"in [0, {MAX_LENGTH:,}]"
        raise UserError(f"{where}: '{key}' must be {bounds}, got {str(value)[:40]}")
    return int(value)


def check_input_file(path: str | os.PathLike, what: str = "file") -> Path:
    """``path`` as a Path, or a UserError when it does not exist or is a folder."""
    p = Path(path)
    if not p.exists():
        raise UserError(f"{p}: {what} not found")
    if p.is_dir():
        raise UserError(f"{p}: is a folder, not a {what}")
    return p


def iter_jsonl(path: str | os.PathLike) -> Iterator[tuple[int, dict]]:
    """Yield (line_number, object) for each non-blank line; malformed lines raise UserError."""
    p = check_input_file(path)
    try:
        f = p.open("rb")
    except OSError as e:
        raise UserError(f"{p}: cannot read ({e.strerror})") from None
    with f:
        for lineno, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise UserError(f"{p}:{lineno}: not UTF-8 text (byte {e.start + 1} of the line)") from None
            if not line.strip():
                continue
            try:
                obj = parse_json_line(line)
            except ValueError as e:
                raise UserError(f"{p}:{lineno}: not valid JSON ({e})") from None
            if not isinstance(obj, dict):
                raise UserError(f"{p}:{lineno}: expected a JSON object, got {type(obj).__name__}")
            yield lineno, obj


def read_jsonl(path: str | os.PathLike) -> list[dict]:
    return [obj for _, obj in iter_jsonl(path)]


def write_jsonl_atomic(path: str | os.PathLike, rows: Iterable[dict[str, Any]]) -> None:
    """Write rows to a temp file in the same folder, then rename over the target."""
    p = check_output_file(path)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    os.chmod(tmp, 0o644)  # mkstemp makes 0600; the team reads these files
    os.replace(tmp, p)


def check_output_file(path: str | os.PathLike) -> Path:
    """Create ``path``'s folder; a UserError when ``path`` is a folder or its parent is a file."""
    p = Path(path)
    if p.is_dir():
        raise UserError(f"{p}: is a folder; give a file name for the output")
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise UserError(f"{p}: a part of the path is a file, not a folder") from None
    return p


def append_jsonl(path: str | os.PathLike, row: dict[str, Any]) -> None:
    """Append one row and flush, so an interrupted run keeps every finished row."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with p.open("a", encoding="utf-8") as f:
        f.write(json.dumps(row, ensure_ascii=False) + "\n")
        f.flush()
