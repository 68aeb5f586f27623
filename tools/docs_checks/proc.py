"""Check 1: nbdev processing, as `nbdev_proc_nbs` does it but without `_ensure_quarto()`."""
from __future__ import annotations
import ast, re, subprocess, sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from docs_checks.common import FAILED_PROC, cell_where, directives, load_nb, problem, src, warning
from docs_checks.pages import source_pages

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
