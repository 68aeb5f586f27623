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
9. The code cells are formatted by ruff at the line length of ruff.toml (90 characters, the text column at 1280 px):
   `make format` formats them; lines it cannot shorten (long strings, comments) are counted, not failed.

Exits 1 with the list of problems (file, cell, what to fix), 0 when the website is fine.
"""
from __future__ import annotations
import argparse, os, sys, time
from concurrent.futures import ThreadPoolExecutor
from docs_checks.common import PROBLEMS, ROOT, WARNINGS
from docs_checks.proc import mixed_import_cells, process
from docs_checks.pages import build_pages, prerequisites, source_pages, to_html_and_ast
from docs_checks.formulas import check_formulas, collect_formulas
from docs_checks.links import check_links
from docs_checks.exports import check_exports
from docs_checks.readme import check_readme
from docs_checks.chapters import check_chapter_parts, check_markdown_patterns, check_sidebar
from docs_checks.code import check_code_width, check_output_width

# The checks, in the order they run. Adding one: a function in docs_checks/ and a line here.
PAGE_CHECKS = {  # these read the pages processed by nbdev and converted by pandoc
    "KaTeX: typesetting the formulas": lambda cfg, pages: check_formulas(collect_formulas(pages)),
    "links": check_links,
    "exported names": check_exports,
}
SOURCE_CHECKS = {  # these read the notebooks and files as they are
    "sidebar": check_sidebar,
    "chapters: summaries, exercises, figures": check_chapter_parts,
    "Markdown that renders wrongly": check_markdown_patterns,
    "code width": check_code_width,
    "output width": check_output_width,
    "README.md against index.ipynb": check_readme,
}

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
        for name, check in PAGE_CHECKS.items(): step(name); check(cfg, pages)
    for name, check in SOURCE_CHECKS.items(): step(name); check(cfg)
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
