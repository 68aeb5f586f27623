"""What every check shares: the repository's paths, the list of problems found, and reading notebooks."""
from __future__ import annotations
import json, re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
TOOLS = ROOT / "tools"
PAGE_SUFFIXES = (".ipynb", ".qmd", ".md")
LINK_SUFFIXES = (".ipynb", ".html", ".md", ".qmd")
MARKER = "nbdev-check-cell:"


# ---------------------------------------------------------------- problems

@dataclass
class Problem:
    check: str
    where: str
    msg: str
    def __str__(self): return f"[{self.check}] {self.where}: {self.msg}"

PROBLEMS: list[Problem] = []
WARNINGS: list[Problem] = []
FAILED_PROC: set = set()        # notebooks nbdev could not process (resolved paths)
def problem(check, where, msg): PROBLEMS.append(Problem(check, where, msg))
def warning(check, where, msg): WARNINGS.append(Problem(check, where, msg))

def rel(p) -> str:
    try: return Path(p).resolve().relative_to(ROOT).as_posix()
    except ValueError: return str(p)


# ---------------------------------------------------------------- notebooks

def load_nb(path: Path) -> dict: return json.loads(Path(path).read_text(encoding="utf-8"))
def src(cell) -> str: return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])

_DIRECTIVE = re.compile(r"^\s*#\s*\|\s*(.*)$")
def directives(source: str) -> tuple[dict, str]:
    "nbdev-style leading `#|` directives of a code cell, and the source without them."
    dirs, lines = {}, source.splitlines()
    i = 0
    while i < len(lines) and (not lines[i].strip() or _DIRECTIVE.match(lines[i])):
        m = _DIRECTIVE.match(lines[i])
        if m and m.group(1).strip():
            k, _, v = m.group(1).strip().partition(" ")
            dirs[k.rstrip(":") if k.endswith(":") else k] = v.strip()
        i += 1
    return dirs, "\n".join(lines[i:]).strip("\n")

def cell_where(nb_path: Path, idx: int | None) -> str:
    return f"{rel(nb_path)} (cell {idx})" if idx is not None else rel(nb_path)

def find_cell(nb_cells, needle: str, types=("markdown", "code")) -> int | None:
    "Index of the first cell (of `types`) whose source contains `needle`."
    for i, c in enumerate(nb_cells):
        if c["cell_type"] in types and needle in src(c): return i
    return None
