#!/usr/bin/env python3
"""Checks the rules of the house written in docs/ARCHITECTURE.md, so that they stay true:

1. In `crates/web/src`, a domain's faces (pages.rs, api.rs, data.rs, cli.rs) never import
   each other: what they share lives in the domain's mod.rs (or a helper of the domain).
2. Shared modules (the .rs files beside the domain folders) never import a domain; only the
   assemblers (app.rs, cli.rs, openapi.rs, lib.rs, main.rs) name every domain.
3. No SQL in `crates/web/src`: it lives in `crates/store`.
4. No import circle between the modules of `crates/store/src`.
5. No request handler (a function taking axum's `State` or the `Viewer`) over 60 lines.

Prints every breach with its file and line, and exits 1 when there is one.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "crates/web/src"
STORE = ROOT / "crates/store/src"
FACES = ("pages", "api", "data", "cli")
ASSEMBLERS = {"app.rs", "cli.rs", "openapi.rs", "lib.rs", "main.rs"}
SQL = re.compile(r'"\s*(SELECT\s|INSERT\s+INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s|CREATE\s+(TABLE|INDEX)\s)', re.I)

breaches = []


def code_lines(path):
    """The lines of a file, with comments dropped (a doc comment may name anything)."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        code = line.split("//", 1)[0]
        if code.strip():
            yield number, code


domains = sorted(p.name for p in WEB.iterdir() if p.is_dir())

# 1. Faces of one domain do not import each other.
for domain in domains:
    for face in FACES:
        path = WEB / domain / f"{face}.rs"
        if not path.exists():
            continue
        others = "|".join(f for f in FACES if f != face)
        pattern = re.compile(rf"\b(crate::{domain}::|super::)({others})\b")
        for number, code in code_lines(path):
            if pattern.search(code):
                breaches.append(f"{path.relative_to(ROOT)}:{number}: a face imports another face of its domain: {code.strip()}")

# 2. Shared modules do not import a domain.
domain_path = re.compile(r"\bcrate::(" + "|".join(domains) + r")\b")
for path in sorted(WEB.glob("*.rs")):
    if path.name in ASSEMBLERS:
        continue
    for number, code in code_lines(path):
        if domain_path.search(code):
            breaches.append(f"{path.relative_to(ROOT)}:{number}: a shared module imports a domain: {code.strip()}")

# 3. No SQL in the web crate.
for path in sorted(WEB.rglob("*.rs")):
    for number, code in code_lines(path):
        if SQL.search(code):
            breaches.append(f"{path.relative_to(ROOT)}:{number}: SQL outside crates/store: {code.strip()}")

# 5. Handlers stay short: extract, check permission, call the store, render.
HANDLER_LINES = 60
fn_start = re.compile(r"^(pub(\(crate\))? )?(async )?fn (\w+)")
for path in sorted(WEB.rglob("*.rs")):
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = fn_start.match(lines[i])
        if m:
            end = i
            while end < len(lines) and lines[end] != "}":
                end += 1
            head = "\n".join(lines[i : i + 8])
            length = end - i + 1
            if ("State(" in head or "viewer: Viewer" in head) and length > HANDLER_LINES:
                breaches.append(f"{path.relative_to(ROOT)}:{i + 1}: the handler {m.group(4)} has {length} lines (at most {HANDLER_LINES})")
            i = end
        i += 1

# 4. No import circle in the store.
modules = sorted(p.stem for p in STORE.glob("*.rs") if p.stem != "lib")
edges = {}
for module in modules:
    text = "\n".join(code for _, code in code_lines(STORE / f"{module}.rs"))
    used = set(re.findall(r"\bcrate::(\w+)", text))
    for group in re.findall(r"\buse crate::\{([^}]*)\}", text):
        used.update(name.strip().split("::")[0] for name in group.split(","))
    edges[module] = sorted(u for u in used if u in modules and u != module)


def find_cycle():
    state = {}
    stack = []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for n in edges[m]:
            if state.get(n) == "open":
                return stack[stack.index(n):] + [n]
            if n not in state:
                found = visit(n)
                if found:
                    return found
        stack.pop()
        state[m] = "done"
        return None

    for m in modules:
        if m not in state:
            found = visit(m)
            if found:
                return found
    return None


cycle = find_cycle()
if cycle:
    breaches.append("crates/store/src: an import circle: " + " → ".join(cycle))

for b in breaches:
    print(b)
if breaches:
    print(f"{len(breaches)} breach(es) of the rules in docs/ARCHITECTURE.md")
    sys.exit(1)
print(f"house rules hold: {len(domains)} domains in crates/web/src, {len(modules)} store modules without a circle")
