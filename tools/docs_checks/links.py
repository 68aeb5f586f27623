"""Check 4: internal links lead to an existing page and anchor; links to this repository on GitHub to files that exist."""
from __future__ import annotations
import os, re
from pathlib import Path
from urllib.parse import unquote
from docs_checks.common import ROOT, cell_where, find_cell, problem, rel
from docs_checks.pages import Page, collect_links, source_pages

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
