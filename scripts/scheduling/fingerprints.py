"""Fingerprints of what a build reads: the project's code and each raw source's files.

Both are taken here, in Python: the code from the project's files, the raw files from the
globs the parsed dbt project declares (each raw source's `meta.file_glob`, resolved against
the project directory the way the project's own macro `project_path` resolves it).
"""

from __future__ import annotations

import glob
import hashlib
from pathlib import Path

from dbt.contracts.graph.manifest import Manifest

CODE_PATHS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests")
SKIPPED_CODE_DIRS = {"python", "__pycache__"}  # pytest's harness is no input of a build


def code_fingerprint(project_dir: Path, dbt_args: list[str]) -> str:
    """sha256 over every project file a build reads (relative path and bytes) and the args."""
    digest = hashlib.sha256("\0".join(dbt_args).encode())
    for name in CODE_PATHS:
        top = project_dir / name
        files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        for path in files:
            relative = path.relative_to(project_dir)
            if SKIPPED_CODE_DIRS.intersection(relative.parts):
                continue
            digest.update(str(relative).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def raw_source_globs(manifest: Manifest, project_dir: Path) -> dict[str, str]:
    """Each raw source (`<source>.<table>`) and the glob of its files, from a parsed manifest:
    the sources that declare `meta.file_glob`, as the macro `raw_sources` lists them."""
    globs: dict[str, str] = {}
    for source in manifest.sources.values():
        pattern = source.config.meta.get("file_glob") or source.meta.get("file_glob")
        if pattern:
            globs[f"{source.source_name}.{source.name}"] = str(project_dir / pattern)
    return dict(sorted(globs.items()))


def files_fingerprint(pattern: str) -> str | None:
    """sha256 over the name, size and modification time of every file the glob matches (no
    content is read); None when it matches no file."""
    paths = sorted(glob.glob(pattern))
    if not paths:
        return None
    digest = hashlib.sha256()
    for path in paths:
        stat = Path(path).stat()
        digest.update(f"{Path(path).name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def sources_fingerprints(globs: dict[str, str]) -> dict[str, str]:
    """The files fingerprint of each raw source that has files; a source without any is left
    out, so the plan selects it and the build stops with the project's own message."""
    prints = {name: files_fingerprint(pattern) for name, pattern in globs.items()}
    return {name: fp for name, fp in prints.items() if fp is not None}
