"""Check 2: every processed page to Markdown and to HTML with pandoc (the route Quarto takes), and the pandoc AST helpers the later checks read."""
from __future__ import annotations
import json, os, re, shutil, subprocess
from dataclasses import dataclass, field
from pathlib import Path
from docs_checks.common import PAGE_SUFFIXES, TOOLS, load_nb, problem, rel

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



def prerequisites() -> bool:
    ok = True
    if not shutil.which("pandoc"):
        problem("setup", "pandoc", "pandoc is not installed: `apt-get install -y pandoc` (or `make docs`, which does it)"); ok = False
    if not shutil.which("node"):
        problem("setup", "node", "Node.js is not installed: `apt-get install -y nodejs npm`"); ok = False
    elif not (TOOLS / "node_modules" / "katex").exists():
        problem("setup", "tools/node_modules", "KaTeX is not installed: `npm ci --prefix tools` (or `make docs`)"); ok = False
    return ok
