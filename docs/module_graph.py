#!/usr/bin/env python3
"""Print eegi's module dependency graph, read from the code.

Scans src/**/*.rs (not main.rs) for references to other modules and prints, in Markdown,
the edges between top-level modules (`crate::<module>` paths, including `use crate::{a, b}`
groups and the crate-root re-exports such as `crate::Error`), a Mermaid graph, and the
strongly connected components (cycles). Comments and `#[cfg(test)]` blocks are left out
(unless --with-tests): they do not make the library depend on anything.

    python3 docs/module_graph.py            # top-level modules
    python3 docs/module_graph.py --within io  # files inside src/io/ and its sub-folders

Standard library only; run from anywhere.
"""
import argparse
import re
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def strip_comments(text):
    """Remove // and /* */ comments and string literals (which may hold `crate::`)."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif text[i] == '"' and not (i > 0 and text[i - 1] == "'"):
            # r"..." / r#"..."# raw strings
            hashes = 0
            k = i - 1
            while k >= 0 and text[k] == "#":
                hashes += 1
                k -= 1
            if k >= 0 and text[k] == "r":
                end = '"' + "#" * hashes
                j = text.find(end, i + 1)
                i = n if j < 0 else j + len(end)
            else:
                j = i + 1
                while j < n and text[j] != '"':
                    j += 2 if text[j] == "\\" else 1
                i = j + 1
            out.append('""')
        elif text[i] == "'" and re.match(r"'(\\.|[^\\'])'", text[i:i + 4] or ""):
            m = re.match(r"'(\\.[^']*|[^\\'])'", text[i:])
            i += len(m.group(0)) if m else 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def strip_test_blocks(text):
    """Remove `#[cfg(test)]` items (a `mod tests { ... }` or a single item up to its `;`/`}`)."""
    while True:
        m = re.search(r"#\[cfg\(test\)\]", text)
        if not m:
            return text
        j = m.end()
        depth = 0
        k = j
        while k < len(text):
            c = text[k]
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    k += 1
                    break
            elif c == ";" and depth == 0:
                k += 1
                break
            k += 1
        text = text[:m.start()] + text[k:]


def split_group(body):
    """Split the inside of a `{...}` use group at top-level commas."""
    parts, depth, cur = [], 0, ""
    for c in body:
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        if c == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += c
    if cur.strip():
        parts.append(cur.strip())
    return parts


def group_at(text, i):
    """The balanced `{...}` body starting at text[i] == '{'."""
    depth = 0
    for k in range(i, len(text)):
        if text[k] == "{":
            depth += 1
        elif text[k] == "}":
            depth -= 1
            if depth == 0:
                return text[i + 1:k]
    return text[i + 1:]


def paths_after(text, prefix):
    """Every path that follows `prefix` (e.g. 'crate::'), groups expanded one level."""
    found = []
    for m in re.finditer(r"(?<![A-Za-z0-9_:])" + re.escape(prefix) + r"\s*", text):
        i = m.end()
        if i < len(text) and text[i] == "{":
            for part in split_group(group_at(text, i)):
                found.append(part)
        else:
            pm = re.match(IDENT + r"(\s*::\s*(" + IDENT + r"|\{))*", text[i:])
            if pm:
                rest = text[i:]
                path = pm.group(0)
                if path.endswith("{"):
                    path = path[:-1] + "{" + group_at(rest, len(path) - 1) + "}"
                found.append(path)
    return found


def expand(path):
    """`a::{b, c::d}` -> ['a::b', 'a::c::d'] (recursively)."""
    path = re.sub(r"\s+", "", path)
    m = re.match(r"^(.*?)\{(.*)\}$", path)
    if not m:
        return [path]
    head, body = m.group(1), m.group(2)
    out = []
    for part in split_group(body):
        for p in expand(part):
            out.append(head + p)
    return out


def reexports(mod_file):
    """Names a `mod.rs`/`lib.rs` re-exports with `pub use x::{...}`: name -> first segment."""
    text = strip_comments(mod_file.read_text())
    names = {}
    for m in re.finditer(r"pub\s+use\s+", text):
        i = m.end()
        k = text.find(";", i)
        for path in expand(text[i:k]):
            segs = [s for s in path.split("::") if s]
            if segs and segs[0] in ("self", "crate"):
                segs = segs[1:]
            if len(segs) >= 2:
                name = segs[-1].split(" as ")[-1]
                names[name] = segs[0]
    return names


WITH_TESTS = False


def lib_text(path):
    text = strip_comments(path.read_text())
    return text if WITH_TESTS else strip_test_blocks(text)


def top_level_graph():
    modules = sorted({
        p.stem if p.is_file() else p.name
        for p in SRC.iterdir()
        if (p.suffix == ".rs" and p.stem not in ("main", "lib")) or (p.is_dir())
    })
    root_exports = reexports(SRC / "lib.rs")
    edges = {m: {} for m in modules}
    for f in sorted(SRC.rglob("*.rs")):
        rel = f.relative_to(SRC)
        if rel.parts[0] in ("main.rs", "lib.rs"):
            continue
        if f.name.endswith("_tests.rs") and not WITH_TESTS:
            continue  # test modules kept in files of their own (`#[cfg(test)] #[path = ...]`)
        src_mod = rel.parts[0][:-3] if len(rel.parts) == 1 else rel.parts[0]
        text = lib_text(f)
        for path in paths_after(text, "crate::"):
            for full in expand(path):
                first = full.split("::")[0]
                target = first if first in edges else root_exports.get(first)
                if target and target != src_mod:
                    edges[src_mod].setdefault(target, set()).add(str(rel))
    return modules, edges


def within_graph(module):
    """Edges between the files of src/<module>/, sub-folders included (`csv/stream`); a path
    is followed through `mod.rs` re-exports to the file that defines the name."""
    base = SRC / module
    files = sorted(f for f in base.rglob("*.rs") if not f.name.endswith("_tests.rs"))
    node = lambda f: f.relative_to(base).with_suffix("").as_posix()
    names = [node(f) for f in files]  # 'mod' is the module's own root file
    exports = {}  # folder ('' = the module) -> its mod.rs re-exports: name -> path
    for f in files:
        if f.name == "mod.rs":
            text = strip_comments(f.read_text())
            folder = f.parent.relative_to(base).as_posix().strip(".")
            found = {}
            for m in re.finditer(r"pub(\([^)]*\))?\s+use\s+", text):
                i = m.end()
                for path in expand(text[i:text.find(";", i)]):
                    found[re.split(r"\s+as\s+|::", path)[-1] if " as " in path else path.split("::")[-1]] = path
            exports[folder] = found
    edges = {n: {} for n in names}

    def join(folder, seg):
        return seg if not folder else folder + "/" + seg

    def resolve(folder, segs, depth=0):
        """The file a path names, read from `folder` (a relative folder, '' = the module)."""
        while segs and segs[0] == "super":
            folder = folder.rpartition("/")[0] if "/" in folder else ""
            segs = segs[1:]
        if segs and segs[0] in ("crate", "self"):
            segs = segs[1:]
        if not segs:
            return join(folder, "mod")
        s = segs[0]
        if join(folder, s) + "/mod" in edges:
            return resolve(join(folder, s), segs[1:], depth)
        if join(folder, s) in edges:
            return join(folder, s)
        target = exports.get(folder, {}).get(s)
        if target and depth < 20:
            return resolve(folder, [x for x in re.sub(r"\s+as\s+\w+$", "", target).split("::") if x], depth + 1)
        return join(folder, "mod")

    for f in files:
        text = lib_text(f)
        me = node(f)
        # the module a file's `super::` starts from, and the folder its own children are in
        here = me.rpartition("/")[0] if "/" in me else ""
        paths = []
        if me != "mod":
            parent = here.rpartition("/")[0] if f.name == "mod.rs" else here
            if f.name == "mod.rs" and "/" not in here:
                parent = ""
            paths += [(parent, p.split("::")) for p in paths_after(text, "super::") for p in expand(p)]
        paths += [("", p.split("::")) for p in paths_after(text, "crate::" + module + "::") for p in expand(p)]
        if f.name == "mod.rs":
            # a root names its children by their bare names: `format::read_any`
            for n in names:
                child = n[len(here) + 1:] if here else n
                if n != me and "/" not in child.replace("/mod", "") and re.search(
                        r"(?<![A-Za-z0-9_:])" + re.escape(child.split("/")[0]) + r"\s*::", text):
                    for m in re.finditer(r"(?<![A-Za-z0-9_:])" + re.escape(child.split("/")[0]) + r"\s*::\s*(\{[^;]*\}|[\w:]+)", text):
                        for p in expand(m.group(0)):
                            paths.append((here, [x for x in p.split("::") if x]))
        for folder, segs in paths:
            segs = [re.sub(r"\s+as\s+\w+$", "", s.strip()) for s in segs if s.strip()]
            target = resolve(folder, segs)
            if target != me and target in edges:
                edges[me].setdefault(target, set()).add(f.relative_to(base).as_posix())
    return names, edges


def sccs(nodes, edges):
    """Tarjan's strongly connected components."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in nodes:
        if v not in index:
            visit(v)
    return out


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `| head` ends quietly
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--within", help="a folder module under src/ (e.g. io): edges between its files, sub-folders included")
    ap.add_argument("--files", action="store_true", help="name the files behind each edge")
    ap.add_argument("--with-tests", action="store_true", help="count #[cfg(test)] code too")
    args = ap.parse_args()
    global WITH_TESTS
    WITH_TESTS = args.with_tests
    if args.within:
        nodes, edges = within_graph(args.within)
        label = lambda n: f"{args.within}/{n}.rs"
    else:
        nodes, edges = top_level_graph()
        label = lambda n: n
    comps = [c for c in sccs(nodes, edges) if len(c) > 1]
    in_cycle = {}
    for i, c in enumerate(comps):
        for n in c:
            in_cycle[n] = i
    cyc_edges = {(a, b) for a in nodes for b in edges[a] if a in in_cycle and in_cycle.get(b) == in_cycle[a]}

    print("Edges (`a` → `b`: code in `a` names `b`; ⟲ = the edge lies on a cycle):\n")
    for a in nodes:
        if not edges[a]:
            print(f"- `{label(a)}` → (nothing)")
            continue
        targets = []
        for b in sorted(edges[a]):
            t = f"`{label(b)}`" + (" ⟲" if (a, b) in cyc_edges else "")
            if args.files:
                t += " (" + ", ".join(sorted(edges[a][b])) + ")"
            targets.append(t)
        print(f"- `{label(a)}` → " + ", ".join(targets))
    print()
    if comps:
        print("Cycles (strongly connected components: every module in one reaches every other):\n")
        for c in comps:
            pairs = sorted(f"`{label(a)}` ⇄ `{label(b)}`" for a in c for b in c if a < b and b in edges[a] and a in edges[b])
            print("- " + ", ".join(f"`{label(n)}`" for n in c) + (" — mutual imports: " + ", ".join(pairs) if pairs else ""))
    else:
        print("Cycles: none.")
    print()
    print("```mermaid")
    print("graph TD")
    ident = lambda n: re.sub(r"\W", "_", label(n))
    for a in nodes:
        print(f'  {ident(a)}["{label(a)}"]')
    for a in nodes:
        for b in sorted(edges[a]):
            arrow = "==>" if (a, b) in cyc_edges else "-->"
            print(f"  {ident(a)} {arrow} {ident(b)}")
    print("```")


if __name__ == "__main__":
    main()
