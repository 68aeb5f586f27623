#!/usr/bin/env python
"""Website checks that need no Quarto.

Run from anywhere:  .venv/bin/python tools/check_docs.py   (or `make docs`, which installs pandoc and KaTeX first)

1. nbdev processing, as `nbdev_proc_nbs` does it but without `_ensure_quarto()` (which would download Quarto):
   `refresh_quarto_yml`, `_build_modidx`, `nbdev_sidebar`, `proc_nbs` into `_proc/`. A notebook nbdev cannot
   process (nbdev runs exported cells, imports and `show_doc` cells of documented notebooks) is a problem.
2. Every processed page goes to Markdown (nbconvert's MarkdownExporter) and then to HTML (pandoc, warnings are
   errors), the route Quarto takes.
3. Every formula in the markdown cells ($...$, $$...$$, \\(...\\), \\[...\\]; found by pandoc's own Markdown reader)
   is typeset by KaTeX (tools/node_modules, `npm ci --prefix tools`), throwOnError and strict.
4. Internal links (to *.ipynb, *.html, *.md pages, the site's own URL, optional #anchor) lead to an existing
   page and anchor; links to this repository on GitHub lead to files that exist.
5. Every exported function and class (each module's `__all__`) has a docstring and a `show_doc` entry on its
   page (constants are exempt).
7. Every numbered chapter (nbs/NN_*.ipynb) has a `## Summary` section and a `## Exercises` section whose solutions
   are folded away (a Quarto callout with `collapse="true"`), and the chapter's figures drawn by code are stored:
   each code cell with a `#| fig-cap:` has an image among its outputs. Each numbered chapter shows a picture or a
   table up front: a stored image, a table output or a Markdown table before its second section (`## ` headings
   inside callouts do not count). Appendices (nbs/A<n>_*.ipynb) need a
   summary; exercises are optional there. The sidebar (nbs/sidebar.yml, kept by hand for its Appendices section:
   `custom_sidebar = True`) lists every notebook exactly once.
8. No markdown cell holds a link whose text has a backticked name (nbdev's doc-linking makes it a link inside a link,
   shown as raw Markdown), nor inline math with a space after the opening or before the closing `$` (pandoc shows it raw).
6. README.md is in step with nbs/index.ipynb: every visible markdown cell and visible code cell (without `#|`
   lines) appears verbatim; `make run` and `make test` appear in both; every value of the table output by a
   code cell marked `# headline-table` appears in README.md.

Exits 1 with the list of problems (file, cell, what to fix), 0 when the website is fine.
"""
from __future__ import annotations
import argparse, ast, json, os, re, shutil, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote
from make_readme import readme_links  # tools/ is this script's folder, so it is on the import path

ROOT = Path(__file__).resolve().parent.parent
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


# ---------------------------------------------------------------- 1. nbdev processing

_PROC_ONE = """
import sys
from pathlib import Path
import nbdev.serve_drv
from nbdev.processors import FilterDefaults
try: nbdev.serve_drv.main((Path(sys.argv[1]), Path(sys.argv[2]), FilterDefaults))
except BaseException as e:
    cause = e.__cause__ or e.__context__
    print(str(e) + (f"\\n  -> {type(cause).__name__}: {cause}" if cause is not None else ""), file=sys.stderr)
    sys.exit(1)
"""

def _proc_one(s: Path, d: Path) -> str | None:
    "Process one notebook like nbdev's serve_drv, in a fresh interpreter; return the error message, if any."
    r = subprocess.run([sys.executable, "-c", _PROC_ONE, str(s), str(d)], capture_output=True, text=True, encoding="utf-8")
    if r.returncode == 0: return None
    if d.exists(): d.unlink()              # never leave a stale page that nbdev's cache would keep
    m = re.search(r"Error in notebook.*", r.stderr, re.S)
    return m.group(0) if m else r.stderr.strip()[-2000:]

def process(cfg, n_workers: int) -> Path:
    "`nbdev_proc_nbs` without `_ensure_quarto()`: mirrors nbdev.quarto._pre_docs step by step."
    from nbdev.quarto import refresh_quarto_yml, nbdev_sidebar
    import nbdev.doclinks
    from nbdev.serve import proc_nbs
    path = cfg.nbs_path
    refresh_quarto_yml()
    nbdev.doclinks._build_modidx()
    nbdev_sidebar.__wrapped__(path=path)
    cache = cfg.config_path / "_proc"
    try: cache = proc_nbs(path, n_workers=n_workers)
    except Exception as e: print(f"  nbdev proc_nbs failed ({str(e).splitlines()[0][:120]}); finding every failing notebook")
    # Every notebook must have a processed page newer than itself; process the others one by one to name each failure
    todo = [(s, cache / s.relative_to(path)) for s in source_pages(path) if s.suffix == ".ipynb"]
    todo = [(s, d) for s, d in todo if not d.exists() or d.stat().st_mtime < s.stat().st_mtime]
    if todo:
        with ThreadPoolExecutor(max(1, min(n_workers, len(todo)))) as ex:
            for (s, d), err in zip(todo, ex.map(lambda sd: _proc_one(*sd), todo)):
                if err: report_proc_error(s, err)
    return cache

def report_proc_error(nb_path: Path, err: str):
    cells = load_nb(nb_path)["cells"]
    m = re.search(r"in cell \d+ :\n(.*?)(?:\n  -> |\Z)", err, re.S)
    idx = None
    if m:
        code = m.group(1).strip()
        idx = next((i for i, c in enumerate(cells) if c["cell_type"] == "code" and directives(src(c))[1].strip() == code), None)
    FAILED_PROC.add(nb_path.resolve())
    n_exp = sum(1 for c in cells if c["cell_type"] == "code" and re.search(r"^\s*#\s*\|\s*export", src(c), re.M))
    cause = err.split("\n  -> ")[-1] if "\n  -> " in err else err.strip().splitlines()[-1]
    problem("nbdev", cell_where(nb_path, idx),
            f"nbdev cannot process this notebook for the website: it runs this cell while building the docs and "
            f"gets {cause.strip()}, so the page" + (f" and the docs of its {n_exp} export cell(s)" if n_exp else "") +
            " cannot be built. nbdev runs every cell that imports something (plus export and show_doc cells): keep "
            "imports in cells of their own (e.g. the `#| hide` import cell at the top). (Checked from the source notebook instead.)")

def mixed_import_cells(nb_path: Path):
    "Cells nbdev warns about ('Found cells containing imports and other code') and runs during the docs build."
    nb = load_nb(nb_path)
    cells = nb["cells"]
    exports = any(c["cell_type"] == "code" and re.search(r"^\s*#\s*\|\s*(export|exports|exporti)\b", src(c), re.M) for c in cells)
    if not exports: return
    for i, c in enumerate(cells):
        if c["cell_type"] != "code": continue
        dirs, body = directives(src(c))
        if dirs.keys() & {"export", "exports", "exporti", "exec_doc"} or dirs.get("eval", "").lower() == "false": continue
        if "nbdev_export()" in body: continue
        try: tree = ast.parse("\n".join(l for l in body.splitlines() if not l.lstrip().startswith(("%", "!"))))
        except SyntaxError: continue
        nodes = list(ast.walk(tree))
        if any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in nodes) and any(isinstance(n, (ast.Expr, ast.Assign)) for n in nodes):
            warning("nbdev", cell_where(nb_path, i),
                    "cell mixes imports with other code: nbdev warns 'Found cells containing imports and other code' and "
                    "runs it while building the docs; fine only if it runs on its own. Moving the import into a cell of its "
                    "own avoids surprises.")


# ---------------------------------------------------------------- pages

@dataclass
class Page:
    src: Path                   # nbs/01_lora.ipynb
    proc: Path                  # _proc/01_lora.ipynb
    html: str = ""              # lora.html, relative to the site root
    cells: list = field(default_factory=list)        # source notebook cells
    proc_cells: list = field(default_factory=list)   # processed notebook cells
    md: str = ""
    outputs: set = field(default_factory=set)       # image files nbconvert extracted from outputs
    processed: bool = True
    ast: dict | None = None
    ids: set = field(default_factory=set)

def source_pages(path: Path) -> list[Path]:
    "The files Quarto renders as pages (what nbdev's proc_nbs copies), skipping `_*` and `.*`."
    out = []
    for p in sorted(path.rglob("*")):
        r = p.relative_to(path)
        if not p.is_file() or p.suffix not in PAGE_SUFFIXES: continue
        if any(part.startswith(("_", ".")) for part in r.parts) or r.parts[0] in ("_proc", "_docs", "_site"): continue
        if ".ipynb_checkpoints" in r.parts: continue
        out.append(p)
    return out

def frontmatter(md: str) -> dict:
    m = re.match(r"\s*---\n(.*?)\n---\s*\n", md, re.S)
    if not m: return {}
    import yaml
    try: return yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError: return {}

def pandoc(args: list[str], text: str) -> subprocess.CompletedProcess:
    return subprocess.run(["pandoc", *args], input=text, capture_output=True, text=True, encoding="utf-8")

def build_pages(cfg, cache: Path) -> list[Page]:
    from nbconvert import MarkdownExporter
    exporter = MarkdownExporter()
    pages = []
    for s in source_pages(cfg.nbs_path):
        d = cache / s.relative_to(cfg.nbs_path)
        page = Page(s, d)
        if s.suffix == ".ipynb":
            page.cells = load_nb(s)["cells"]
            if not d.exists():                    # processing failed (reported): check the source notebook instead
                page.processed, d = False, s
            page.proc_cells = load_nb(d)["cells"]
            try:
                page.md, res = exporter.from_filename(str(d))
                page.outputs = set(res.get("outputs", {}))
            except Exception as e:
                problem("markdown", rel(s), f"nbconvert cannot export the processed notebook to Markdown: {e}"); continue
        else: page.md = s.read_text(encoding="utf-8")
        fm = frontmatter(page.md)
        # nbdev names a notebook's page without its number prefix (01_lora.ipynb -> lora.html), as doclinks does
        out = fm.get("output-file") or (re.sub(r"^\d+[a-zA-Z0-9]*_", "", s.name.lower()) if s.suffix == ".ipynb" else s.name)
        out = str(Path(out).with_suffix(".html"))
        page.html = (s.parent.relative_to(cfg.nbs_path) / out).as_posix()
        pages.append(page)
    return pages

def to_html_and_ast(page: Page):
    "Markdown -> HTML (the conversion Quarto does; warnings are errors) and -> pandoc AST (links, ids)."
    r = pandoc(["-f", "markdown", "-t", "html", "--mathjax", "--fail-if-warnings", "-o", os.devnull], page.md)
    if r.returncode: problem("pandoc", rel(page.src), f"pandoc cannot convert the page to HTML: {(r.stderr or r.stdout).strip()}")
    r = pandoc(["-f", "markdown", "-t", "json"], page.md)
    if r.returncode == 0:
        page.ast = json.loads(r.stdout)
        page.ids = collect_ids(page.ast)


# ---------------------------------------------------------------- pandoc AST helpers

def walk(node, fn):
    "Call fn on every pandoc element (dict with 't'), in document order."
    if isinstance(node, dict):
        if "t" in node: fn(node)
        for v in node.values(): walk(v, fn)
    elif isinstance(node, list):
        for v in node: walk(v, fn)

_HTML_ID = re.compile(r"""\bid\s*=\s*["']([^"']+)["']""")
def collect_ids(doc) -> set:
    ids = set()
    def fn(el):
        t, c = el["t"], el.get("c")
        attr = None
        if t == "Header": attr = c[1]
        elif t in ("Div", "Span", "CodeBlock", "Code", "Table", "Figure", "Link", "Image"): attr = c[0]
        if attr and isinstance(attr, list) and attr and isinstance(attr[0], str) and attr[0]: ids.add(attr[0])
        if t in ("RawBlock", "RawInline") and c[0] == "html": ids.update(_HTML_ID.findall(c[1]))
    walk(doc, fn)
    return ids

_HTML_HREF = re.compile(r"""\b(?:href|src)\s*=\s*["']([^"']+)["']""")
def collect_links(doc) -> list[str]:
    links = []
    def fn(el):
        t, c = el["t"], el.get("c")
        if t in ("Link", "Image"): links.append(c[2][0])
        elif t in ("RawBlock", "RawInline") and c[0] == "html": links.extend(_HTML_HREF.findall(c[1]))
    walk(doc, fn)
    return links


# ---------------------------------------------------------------- 3. formulas

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


# ---------------------------------------------------------------- 4. links

def check_links(cfg, pages: list[Page]):
    by_src = {p.src.relative_to(cfg.nbs_path).as_posix(): p for p in pages}
    by_html = {p.html: p for p in pages}
    all_src = {p.relative_to(cfg.nbs_path).as_posix() for p in source_pages(cfg.nbs_path)}
    site = f"{cfg.doc_host}{cfg.doc_baseurl}".rstrip("/") + "/"
    base = "/" + cfg.doc_baseurl.strip("/") + "/" if cfg.doc_baseurl.strip("/") else "/"
    repo_prefixes = [f"{cfg.git_url.rstrip('/')}/{k}/{cfg.branch}/" for k in ("blob", "tree", "raw")]

    for page in pages:
        if page.ast is None: continue
        here = page.src.parent.relative_to(cfg.nbs_path)
        for url in collect_links(page.ast):
            if url in page.outputs: continue                               # a figure nbconvert extracted
            target, _, anchor = url.partition("#")
            target, anchor = unquote(target), unquote(anchor)
            where = lambda: cell_where(page.src, find_cell(page.cells, url)) if page.cells else rel(page.src)
            if any(url.startswith(p) for p in repo_prefixes):         # a file of this repository on GitHub
                path = next(url[len(p):] for p in repo_prefixes if url.startswith(p)).partition("#")[0]
                if not (ROOT / unquote(path)).exists():
                    problem("links", where(), f"link to {url}: {path} does not exist in the repository")
                continue
            if url.startswith(site): target, site_root = target[len(site):], True
            elif target.startswith(base) and base != "/": target, site_root = target[len(base):], True
            elif re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url) or url.startswith("//"): continue   # external
            else: site_root = False
            if not target:                                             # "#anchor" on this page (or the site root)
                dest = by_html.get("index.html") if site_root else page
                if anchor and dest and anchor not in dest.ids:
                    problem("links", where(), f"link `{url}`: no section or entry with id '{anchor}' on {dest.html}")
                continue
            if site_root and target.endswith("/"): target += "index.html"
            resolved = os.path.normpath((Path("." if site_root else here) / target).as_posix()).replace(os.sep, "/")
            if resolved.startswith(".."):
                if not (cfg.nbs_path / resolved).exists():
                    problem("links", where(), f"link `{url}` points to {rel(cfg.nbs_path / resolved)}, which does not exist")
                else:
                    problem("links", where(), f"link `{url}` points outside the website (nbs/); link to the file on GitHub "
                                               f"({cfg.git_url}/blob/{cfg.branch}/{rel(cfg.nbs_path / resolved)}) instead")
                continue
            suffix = Path(resolved).suffix
            dest = None
            if suffix == ".html":
                dest = by_html.get(resolved)
                if dest is None:
                    hint = next((p.html for p in pages if p.src.with_suffix(".html").name == Path(resolved).name), None)
                    problem("links", where(), f"link `{url}`: no page renders to {resolved}"
                            + (f" (that notebook's page is {hint})" if hint else "")); continue
            elif suffix in (".ipynb", ".md", ".qmd"):
                dest = by_src.get(resolved)
                if dest is None:
                    if resolved not in all_src and not (cfg.nbs_path / resolved).exists():
                        problem("links", where(), f"link `{url}`: there is no {rel(cfg.nbs_path / resolved)}")
                    continue
            else:
                if not (cfg.nbs_path / resolved).exists():
                    problem("links", where(), f"link `{url}`: there is no {rel(cfg.nbs_path / resolved)}")
                continue
            if anchor and dest.ast is not None and dest.processed and anchor not in dest.ids:
                problem("links", where(), f"link `{url}`: page {dest.html} has no section or entry with id '{anchor}'")


# ---------------------------------------------------------------- 5. exported names

def check_exports(cfg, pages: list[Page]):
    pages_by_src = {p.src.resolve(): p for p in pages}
    lib = cfg.lib_path
    unprocessed = set()
    for py in sorted(lib.rglob("*.py")):
        if py.name.startswith("_"): continue
        text = py.read_text(encoding="utf-8")
        tree = ast.parse(text)
        names = []
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
                try: names = list(ast.literal_eval(node.value))
                except ValueError: problem("exports", rel(py), "__all__ is not a literal list")
        if not names: continue
        # which notebook cell each line comes from: "# %% ../nbs/01_lora.ipynb #cellid"
        marks = [(i + 1, m.group(1), m.group(2)) for i, l in enumerate(text.splitlines())
                 if (m := re.match(r"# %% (\S+\.ipynb)\s+#?(\S+)", l))]
        defs = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
        for name in names:
            node = defs.get(name)
            if node is None: continue                       # a constant (or a re-export): exempt
            mark = max((m for m in marks if m[0] < node.lineno), default=None)
            nb_path = (py.parent / mark[1]).resolve() if mark else None
            idx = None
            if nb_path and nb_path.exists():
                idx = next((i for i, c in enumerate(load_nb(nb_path)["cells"]) if c.get("id") == mark[2]), None)
            where = cell_where(nb_path, idx) if nb_path else f"{rel(py)}:{node.lineno}"
            kind = "class" if isinstance(node, ast.ClassDef) else "function"
            doc = ast.get_docstring(node)
            if not doc or not doc.strip():
                problem("exports", where, f"exported {kind} `{name}` ({rel(py)}) has no docstring: add a one-line docstring")
            page = pages_by_src.get(nb_path) if nb_path else None
            if nb_path in FAILED_PROC: continue             # the page cannot be built: reported once under [nbdev]
            if page is not None and not page.processed:
                if nb_path not in unprocessed:
                    unprocessed.add(nb_path)
                    problem("exports", rel(nb_path), "no processed page in _proc/, so its show_doc entries cannot be checked "
                                                     "(run without --no-proc)")
                continue
            if page is None:
                problem("exports", where, f"exported {kind} `{name}`: its notebook has no processed page, so it is not on the website")
                continue
            if not has_show_doc(page, name):
                problem("exports", where, f"exported {kind} `{name}` has no show_doc entry on {page.html}: "
                                          f"define it in a visible `#| export` cell (not `#| hide`), or add `show_doc({name})`")

def has_show_doc(page: Page, name: str) -> bool:
    head = re.compile(rf"^#{{2,4}}\s+{re.escape(name)}\s*$", re.M)
    for c in page.proc_cells:
        if c["cell_type"] != "code" or "show_doc" not in src(c): continue
        for o in c.get("outputs", []):
            for mime in ("text/markdown", "text/html"):
                v = o.get("data", {}).get(mime)
                if v is None: continue
                v = v if isinstance(v, str) else "".join(v)
                if head.search(v) or re.search(rf"<h[2-4][^>]*>\s*{re.escape(name)}\s*</h[2-4]>", v): return True
    return False


# ---------------------------------------------------------------- 6. README in step with index.ipynb

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


# ---------------------------------------------------------------- main

def prerequisites() -> bool:
    ok = True
    if not shutil.which("pandoc"):
        problem("setup", "pandoc", "pandoc is not installed: `apt-get install -y pandoc` (or `make docs`, which does it)"); ok = False
    if not shutil.which("node"):
        problem("setup", "node", "Node.js is not installed: `apt-get install -y nodejs npm`"); ok = False
    elif not (TOOLS / "node_modules" / "katex").exists():
        problem("setup", "tools/node_modules", "KaTeX is not installed: `npm ci --prefix tools` (or `make docs`)"); ok = False
    return ok

def check_sidebar(cfg):
    "Check 7a: the sidebar (kept by hand: `custom_sidebar = True`, for its Appendices section) lists every notebook once."
    text = (cfg.nbs_path / "sidebar.yml").read_text()
    listed = re.findall(r"^\s*-\s+([\w.-]+\.ipynb)\s*$", text, re.M)
    for nb in sorted(p.name for p in cfg.nbs_path.glob("*.ipynb")):
        if listed.count(nb) != 1: problem("sidebar", "nbs/sidebar.yml", f"{nb} is listed {listed.count(nb)} times: list it once")
    for nb in listed:
        if not (cfg.nbs_path / nb).exists(): problem("sidebar", "nbs/sidebar.yml", f"{nb} does not exist: remove it")

def picture_up_front(cells) -> bool:
    "True when a stored image, a table output or a Markdown table comes before the chapter's second `## ` section."
    seen = depth = 0
    for c in cells:
        outs = [o.get("data", {}) for o in c.get("outputs", [])]
        if any("image/png" in d or "image/svg+xml" in d or "<table" in "".join(d.get("text/html", "")) for d in outs): return True
        if c["cell_type"] != "markdown": continue
        for line in src(c).splitlines():
            if re.match(r"^:::+\s*\{", line): depth += 1                   # headings inside callouts are not sections
            elif re.match(r"^:::+\s*$", line): depth = max(0, depth - 1)
            elif depth == 0 and line.startswith("## "):
                seen += 1
                if seen >= 2: return False
            elif re.match(r"^\|.*\|\s*$", line) or re.search(r"!\[[^\]]*\]\(", line): return True
    return False

def check_chapter_parts(cfg):
    "Check 7: summary, exercises with folded solutions, and a stored image for every captioned figure, in each chapter (appendices: summary)."
    for nb_path in sorted([*cfg.nbs_path.glob("[0-9][0-9]*_*.ipynb"), *cfg.nbs_path.glob("A[0-9]_*.ipynb")]):
        cells = load_nb(nb_path)["cells"]
        md = [src(c) for c in cells if c["cell_type"] == "markdown"]
        if not any(re.search(r"^## Summary\b", m, re.M) for m in md):
            problem("chapters", rel(nb_path), "no `## Summary` section: end the chapter with what it showed, with its numbers")
        ex = [m for m in md if re.search(r"^## Exercises\b", m, re.M)]
        if nb_path.name.startswith("A"): pass          # appendices: engineering reference, exercises optional
        elif not ex: problem("chapters", rel(nb_path), "no `## Exercises` section")
        if ex and not any(re.search(r'^::: *\{\.callout-\w+[^}]*collapse="true"', m, re.M) for m in md[md.index(ex[0]):]):
            problem("chapters", rel(nb_path), 'exercises without folded solutions: add a `::: {.callout-tip collapse="true"}` with them')
        if not nb_path.name.startswith("A") and not picture_up_front(cells):
            problem("chapters", rel(nb_path), "no picture or table before the second section: open the chapter with a "
                                              "figure drawn by code or a table of what it builds")
        for i, c in enumerate(cells):
            if c["cell_type"] == "code" and re.search(r"^#\|\s*fig-cap:", src(c), re.M) and \
               not any("image/png" in o.get("data", {}) or "image/svg+xml" in o.get("data", {}) for o in c.get("outputs", [])):
                problem("chapters", cell_where(nb_path, i), "a captioned figure without a stored image: run the cell and commit its output")

_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
LINKED_NAME = re.compile(r"\[[^\]]*`[A-Za-z_][\w.]*`[^\]]*\]\(")   # nbdev doc-links a backticked name: inside a link, a link in a link
TEX_INLINE = re.compile(r"(?<![\\$])\$(?!\$)([^$\n]*\\[A-Za-z]+[^$\n]*)(?<!\\)\$(?!\$)")

def check_markdown_patterns(cfg):
    "Check 8: Markdown that renders wrongly: a link whose text holds a backticked name, inline TeX that pandoc will not read as math."
    for nb_path in [p for p in source_pages(cfg.nbs_path) if p.suffix == ".ipynb"]:
        for i, c in enumerate(load_nb(nb_path)["cells"]):
            if c["cell_type"] != "markdown": continue
            text = src(c)
            for m in LINKED_NAME.finditer(text):
                problem("markdown", cell_where(nb_path, i), f"link text {m.group()[:-1]!r} holds a backticked name, which nbdev turns into a link "
                                                           "inside the link (shown as raw Markdown): move the name out of the link text")
            for m in TEX_INLINE.finditer(_CODE.sub("", text)):
                if m.group(1) != m.group(1).strip():
                    problem("markdown", cell_where(nb_path, i), f"inline math {m.group()!r} has a space after the opening or before the closing $, "
                                                               "so pandoc shows it as raw text: remove the space")

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-workers", type=int, default=min(2, os.cpu_count() or 1), help="parallel nbdev processing")
    ap.add_argument("--no-proc", action="store_true", help="reuse _proc/ as it is (quick re-checks while editing)")
    args = ap.parse_args()
    os.chdir(ROOT)
    os.environ.setdefault("HF_HUB_OFFLINE", "1"); os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from nbdev.config import get_config
    cfg = get_config()
    t0 = time.time()
    def step(msg): print(f"{time.time() - t0:6.1f}s  {msg}", flush=True)

    if prerequisites():
        step("nbdev: processing notebooks into _proc/ (as nbdev_proc_nbs, without installing Quarto)")
        for nb in source_pages(cfg.nbs_path):
            if nb.suffix == ".ipynb": mixed_import_cells(nb)
        cache = cfg.config_path / "_proc" if args.no_proc else process(cfg, args.n_workers)
        pages = build_pages(cfg, cache)
        step(f"pandoc: {len(pages)} pages -> Markdown -> HTML")
        with ThreadPoolExecutor(4) as ex: list(ex.map(to_html_and_ast, pages))
        formulas = collect_formulas(pages)
        step(f"KaTeX: typesetting {len(formulas)} formulas")
        check_formulas(formulas)
        step("links, exported names")
        check_links(cfg, pages)
        check_exports(cfg, pages)
    step("chapters: summaries, exercises, figures")
    check_sidebar(cfg); check_chapter_parts(cfg); check_markdown_patterns(cfg)
    step("README.md against index.ipynb")
    check_readme(cfg)
    step("done")
    if PROBLEMS:
        print(f"\ndocs check FAILED: {len(PROBLEMS)} problem(s)\n")
        for p in PROBLEMS: print(f"  {p}")
    if WARNINGS:
        print(f"\n{len(WARNINGS)} warning(s) (not failures)\n")
        for p in WARNINGS: print(f"  {p}")
    if PROBLEMS: sys.exit(1)
    print("\ndocs check passed: pages convert, formulas typeset, links resolve, exports documented, chapters complete, README in step")

if __name__ == "__main__":
    main()
