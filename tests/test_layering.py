"""The package's dependency order, read from the import statements of the source files.

``text`` is the bottom (nothing else from ``longwriter_zero``); the reward model does not import
the rewards, and among the rewards only the ``writing`` reward imports the reward model.
"""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "src" / "longwriter_zero"


def imported_modules(path: Path, src: Path = PKG.parent) -> set[str]:
    """Absolute names of every module ``path`` (a file under ``src``) imports, at any depth
    (function-level imports too); ``from pkg import name`` also yields ``pkg.name``."""
    package = ".".join(path.relative_to(src).with_suffix("").parts[:-1])
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            out.add(stem)
            out.update(f"{stem}.{a.name}" for a in node.names)
    return out


def package_imports(path: Path, src: Path = PKG.parent) -> set[str]:
    return {m for m in imported_modules(path, src) if m == "longwriter_zero" or m.startswith("longwriter_zero.")}


def test_imported_modules_resolves_relative_and_nested_imports(tmp_path):
    f = tmp_path / "longwriter_zero" / "text" / "m.py"
    f.parent.mkdir(parents=True)
    f.write_text("import re\nimport longwriter_zero.jsonl\nfrom . import units\n"
                 "def g():\n    from ..rewards.length import x\n")
    assert package_imports(f, tmp_path) == {"longwriter_zero.jsonl", "longwriter_zero.text",
                                            "longwriter_zero.text.units", "longwriter_zero.rewards.length",
                                            "longwriter_zero.rewards.length.x"}


def test_text_imports_nothing_from_the_package():
    files = sorted((PKG / "text").glob("*.py"))
    assert {f.name for f in files} >= {"__init__.py", "counting.py", "units.py"}
    offending = {f.name: sorted(m for m in package_imports(f) if not m.startswith("longwriter_zero.text"))
                 for f in files}
    assert {k: v for k, v in offending.items() if v} == {}


def test_reward_model_does_not_import_the_rewards():
    offending = {f.name: sorted(m for m in package_imports(f) if m.startswith("longwriter_zero.rewards"))
                 for f in sorted((PKG / "reward_model").glob("*.py"))}
    assert {k: v for k, v in offending.items() if v} == {}


def test_only_the_writing_reward_imports_the_reward_model():
    importers = {f.name for f in sorted((PKG / "rewards").glob("*.py"))
                 if any(m.startswith("longwriter_zero.reward_model") for m in package_imports(f))}
    assert importers == {"writing.py"}
