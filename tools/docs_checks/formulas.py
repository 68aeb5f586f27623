"""Check 3: every formula of the markdown cells is typeset by KaTeX (throwOnError, strict)."""
from __future__ import annotations
import json, os, subprocess
from concurrent.futures import ThreadPoolExecutor
from docs_checks.common import MARKER, TOOLS, cell_where, find_cell, problem, rel, src
from docs_checks.pages import Page, pandoc, walk

def collect_formulas(pages: list[Page]) -> list[dict]:
    "Every formula of every markdown cell of the processed notebooks, found by pandoc's Markdown reader."
    formulas = []
    def one(page: Page):
        cells = [(i, src(c)) for i, c in enumerate(page.proc_cells) if c["cell_type"] == "markdown"] if page.proc_cells \
                else [(None, page.md)]
        doc = "".join(f"<!-- {MARKER}{i} -->\n\n{s}\n\n" for i, s in cells)
        r = pandoc(["-f", "markdown+tex_math_single_backslash", "-t", "json"], doc)
        if r.returncode:
            problem("pandoc", rel(page.src), f"pandoc cannot read the markdown cells: {r.stderr.strip()}"); return []
        found, cur = [], [None]
        def fn(el):
            t, c = el["t"], el.get("c")
            if t == "RawBlock" and c[0] == "html" and MARKER in c[1]: cur[0] = c[1]
            elif t == "Math":
                tex = c[1]
                idx = find_cell(page.cells, tex.strip()[:60], ("markdown",)) if page.cells else None
                where = cell_where(page.src, idx) if idx is not None or not cur[0] else \
                        f"{rel(page.src)} (processed cell {cur[0].split(MARKER)[1].split()[0]})"
                found.append(dict(tex=tex, display=c[0]["t"] == "DisplayMath", where=where))
        walk(json.loads(r.stdout), fn)
        return found
    with ThreadPoolExecutor(4) as ex:
        for fs in ex.map(one, pages): formulas.extend(fs)
    for i, f in enumerate(formulas): f["id"] = i
    return formulas

def check_formulas(formulas: list[dict]):
    if not formulas: return
    payload = json.dumps([dict(id=f["id"], tex=f["tex"], display=f["display"]) for f in formulas])
    r = subprocess.run(["node", str(TOOLS / "katex_check.js")], input=payload, capture_output=True, text=True,
                       encoding="utf-8", env={**os.environ, "NODE_PATH": str(TOOLS / "node_modules")})
    if r.returncode:
        problem("katex", "tools/katex_check.js", f"KaTeX did not run: {r.stderr.strip()[:500]}"); return
    for fail in json.loads(r.stdout):
        f = formulas[fail["id"]]
        kind = "display" if f["display"] else "inline"
        problem("katex", f["where"], f"{kind} formula does not typeset: {fail['error']}\n      formula: {f['tex'].strip()[:200]}")
