"""Long-form text for continual pretraining: folders of .txt/.md, JSONL and Parquet files.

A path may be a file or a folder; folders are searched recursively, in sorted order, for
``.txt``, ``.md``, ``.jsonl`` and ``.parquet`` files. A .txt/.md file is one document; each
JSONL line or Parquet row is one document, its text under ``text_key``. Blank documents are
skipped. Problems the user can fix (missing path, bad JSON line, missing or non-string text
field, unreadable Parquet, no documents at all) raise ``UserError`` naming the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from longwriter_zero.errors import UserError
from longwriter_zero.jsonl import iter_jsonl

TEXT_SUFFIXES = (".txt", ".md")
SUFFIXES = TEXT_SUFFIXES + (".jsonl", ".parquet")


@dataclass
class Document:
    text: str
    source: str  # "file", "file:line" (JSONL) or "file#row" (Parquet)


def _files(path: Path) -> list[Path]:
    if not path.exists():
        raise UserError(f"{path}: no such file or folder")
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
    if path.suffix.lower() not in SUFFIXES:
        raise UserError(f"{path}: unsupported file type (use {', '.join(SUFFIXES)} or a folder)")
    return [path]


def _text_field(value, where: str, text_key: str) -> str:
    if value is None:
        raise UserError(f"{where}: missing text field '{text_key}'")
    if not isinstance(value, str):
        raise UserError(f"{where}: text field '{text_key}' must be a string, got {type(value).__name__}")
    return value


def _iter_file(path: Path, text_key: str) -> Iterator[Document]:
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        try:
            yield Document(path.read_text(encoding="utf-8"), str(path))
        except UnicodeDecodeError:
            raise UserError(f"{path}: not UTF-8 text") from None
    elif suffix == ".jsonl":
        for lineno, row in iter_jsonl(path):
            where = f"{path}:{lineno}"
            if text_key not in row:
                raise UserError(f"{where}: missing text field '{text_key}'")
            yield Document(_text_field(row[text_key], where, text_key), where)
    else:
        yield from _iter_parquet(path, text_key)


def _iter_parquet(path: Path, text_key: str) -> Iterator[Document]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as e:  # pyarrow raises several types for a damaged file
        raise UserError(f"{path}: not a readable Parquet file ({str(e).splitlines()[0]})") from None
    if text_key not in pf.schema_arrow.names:
        raise UserError(f"{path}: missing text column '{text_key}' (columns: {', '.join(pf.schema_arrow.names)})")
    row = 0
    for batch in pf.iter_batches(columns=[text_key]):
        for value in batch.column(0).to_pylist():
            yield Document(_text_field(value, f"{path}#row {row}", text_key), f"{path}#row {row}")
            row += 1


def iter_documents(paths: Sequence[str | Path], text_key: str = "text") -> Iterator[Document]:
    """Every non-blank document under ``paths``, in a fixed order."""
    for raw in paths:
        for file in _files(Path(raw)):
            for doc in _iter_file(file, text_key):
                if doc.text.strip():
                    yield doc


def load_documents(paths: Sequence[str | Path], text_key: str = "text", what: str = "corpus") -> list[Document]:
    if not paths:
        raise UserError(f"{what}: no paths given")
    docs = list(iter_documents(paths, text_key))
    if not docs:
        raise UserError(f"{what}: no documents found in {', '.join(str(p) for p in paths)} "
                        f"(looked for {', '.join(SUFFIXES)} files with non-blank text)")
    return docs
