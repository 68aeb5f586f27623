"""Check 9: the book's code fits the text column: every notebook is formatted by ruff at the line length of ruff.toml."""
from __future__ import annotations
import re, shutil, subprocess, sys, tomllib
from pathlib import Path
from docs_checks.common import ROOT, load_nb, problem, rel, src, warning

def _ruff() -> str | None:
    exe = Path(sys.executable).parent / "ruff"
    return str(exe) if exe.exists() else shutil.which("ruff")

def _line_length() -> int:
    "The width of the book's column: ruff.toml's line length."
    return tomllib.loads((ROOT / "ruff.toml").read_text())["line-length"]

def check_code_width(cfg):
    "Check 9: `ruff format --check` on the notebooks; the lines it cannot shorten (long strings, comments) are counted."
    width = _line_length()
    if not (ruff := _ruff()):
        problem("code", "ruff", "ruff is not installed: `pip install -e '.[dev]'` (or `make setup`)"); return
    r = subprocess.run([ruff, "format", "--check", "--output-format", "concise", str(cfg.nbs_path)], capture_output=True, text=True, cwd=ROOT)
    if r.returncode not in (0, 1): problem("code", "ruff", (r.stderr or r.stdout).strip()[-500:]); return
    for nb in sorted({m[1] for m in re.finditer(r"^(\S+\.ipynb):cell \d+.*would be reformatted", r.stdout, re.M)}):
        problem("code", rel(ROOT / nb), f"code not formatted to {width} characters a line: run `make format`")
    long = sum(len(l) > width for p in sorted(cfg.nbs_path.glob("*.ipynb")) for c in load_nb(p)["cells"]
               if c["cell_type"] == "code" for l in src(c).splitlines())
    if long: warning("code", "nbs/", f"{long} code lines are still over {width} characters: strings and comments, which the formatter leaves whole")


def _text_outputs(cell):
    "The plain-text outputs of a code cell that the website shows as text (streams, and results with no HTML or Markdown)."
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream":
            yield "".join(o.get("text", ""))
        elif {"text/html", "text/markdown", "image/png"}.isdisjoint(d := o.get("data", {})) and "text/plain" in d:
            yield "".join(d["text/plain"])


def check_output_width(cfg):
    "Check 9, outputs: stored text outputs wider than the column are counted (printing cells should wrap or use tables)."
    width = _line_length()
    for p in sorted(cfg.nbs_path.glob("*.ipynb")):
        wide = sum(max((len(l) for l in t.splitlines()), default=0) > width
                   for c in load_nb(p)["cells"] if c["cell_type"] == "code" for t in _text_outputs(c))
        if wide: warning("code", rel(p), f"{wide} stored text output(s) wider than {width} characters: wrap what the cell prints")
