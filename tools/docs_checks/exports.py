"""Check 5: every exported function and class has a docstring and a `show_doc` entry on its page."""
from __future__ import annotations
import ast, re
from docs_checks.common import FAILED_PROC, cell_where, load_nb, problem, rel, src
from docs_checks.pages import Page

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
