"""Check 6: README.md is in step with nbs/index.ipynb."""
from __future__ import annotations
import re
from html.parser import HTMLParser
from make_readme import readme_links  # tools/ is on the import path (the script's folder)
from docs_checks.common import ROOT, cell_where, directives, load_nb, problem, rel, src

class _TableCells(HTMLParser):
    "Texts of the <td> cells of the first HTML table."
    def __init__(self):
        super().__init__(); self.values, self._in, self._buf = [], False, []
    def handle_starttag(self, tag, attrs):
        if tag == "td": self._in, self._buf = True, []
    def handle_endtag(self, tag):
        if tag == "td" and self._in: self.values.append("".join(self._buf).strip()); self._in = False
    def handle_data(self, data):
        if self._in: self._buf.append(data)

def table_values(outputs) -> list[str] | None:
    for o in outputs:
        data = o.get("data", {})
        if "text/html" in data:
            h = data["text/html"]; h = h if isinstance(h, str) else "".join(h)
            if "<table" in h:
                p = _TableCells(); p.feed(h); return p.values
        if "text/markdown" in data:
            m = data["text/markdown"]; m = m if isinstance(m, str) else "".join(m)
            rows = [l for l in m.splitlines() if l.strip().startswith("|")]
            if len(rows) >= 2:
                return [v.strip() for l in rows[2:] for v in l.strip().strip("|").split("|")]
    return None

def norm(s: str) -> str: return "\n".join(l.rstrip() for l in s.replace("\r\n", "\n").split("\n")).strip("\n")

def check_readme(cfg):
    readme_path, index_path = ROOT / "README.md", cfg.nbs_path / cfg.get("readme_nb", "index.ipynb")
    if not index_path.exists(): problem("readme", rel(index_path), "missing"); return
    if not readme_path.exists(): problem("readme", "README.md", "missing"); return
    readme = norm(readme_path.read_text(encoding="utf-8"))
    cells = load_nb(index_path)["cells"]
    for i, c in enumerate(cells):
        where = cell_where(index_path, i)
        s = src(c)
        if c["cell_type"] == "markdown":
            text = norm(readme_links(s))  # README.md sits at the root: its links to notebooks start with nbs/
        elif c["cell_type"] == "code":
            dirs, body = directives(s)
            if "hide" in dirs or dirs.get("include", "").lower() == "false": continue
            if headline_tag(body): check_headline(c, where, readme)
            if dirs.get("echo", "").lower() == "false": continue
            text = norm(body)
        else: continue
        if not text or text in readme: continue
        missing = next((l for l in text.splitlines() if l.strip() and l.strip() not in readme), None)
        detail = f"this line is not in README.md: {missing.strip()[:160]!r}" if missing else \
                 "its lines are in README.md but not verbatim as one block"
        problem("readme", where, f"README.md is out of step with index.ipynb ({detail}); copy the cell into README.md")
    index_text = "\n".join(src(c) for c in cells)
    for cmd in ("make run", "make test"):
        for name, text in (("nbs/index.ipynb", index_text), ("README.md", readme)):
            if cmd not in text: problem("readme", name, f"`{cmd}` is not shown: the README and index must give the commands")

def headline_tag(body: str) -> bool: return bool(re.search(r"^\s*#\s*headline-table\b", body, re.M))

def check_headline(cell, where, readme):
    values = table_values(cell.get("outputs", []))
    if values is None:
        problem("readme", where, "the `# headline-table` cell has no stored table output: run index.ipynb and keep its outputs"); return
    for v in values:
        if v and v not in readme:
            problem("readme", where, f"headline value {v!r} from the results table is not in README.md; update README.md")
