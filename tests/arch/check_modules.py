#!/usr/bin/env python3
"""check_modules.py - holds the module table of docs/modules.md to the code: includes, library headers, CMake links.

usage: check_modules.py SOURCE_DIR [BUILD_DIR]     check the tree (and the built libraries' symbols)
       check_modules.py --selftest SOURCE_DIR [BUILD_DIR]
                                                  plant each kind of fault in a copy; each must be caught
Exit 0 when the tree keeps the table, 1 with one line per violation otherwise.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

# Library header families: an include matching one of these is a library
# header; the module's row must name the family. Everything else in <...> is
# the C library or POSIX and allowed everywhere.
LIB_FAMILIES = {
    "pcap": r"pcap(\.h|/)",
    "libnet": r"libnet",
    "maxminddb": r"maxminddb",
    "sqlite3": r"sqlite3",
    "jansson": r"jansson",
    "sodium": r"sodium",
    "cap-ng": r"cap-ng",
    "graphviz": r"graphviz/",
    "scamper": r"scamper_",
    "zlib": r"zlib\.h",
    "seccomp": r"seccomp",
    "libpq": r"libpq-fe\.h",
    "bzip2": r"bzlib\.h",
    "curses": r"n?curses\.h",
    "c-ares": r"ares\.h",
}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def family(header):
    for name, rx in LIB_FAMILIES.items():
        if re.match(rx, header):
            return name
    return None


def split_list(cell):
    cell = cell.strip()
    if cell in ("", "-"):
        return []
    return [x.strip() for x in cell.split(",") if x.strip()]


def read_table(root, errors):
    path = os.path.join(root, "docs", "modules.md")
    text = open(path, encoding="utf-8").read()
    m = re.search(r"<!-- modules:begin -->(.*?)<!-- modules:end -->", text, re.S)
    if not m:
        errors.append("docs/modules.md: no <!-- modules:begin --> ... <!-- modules:end --> table")
        return {}
    mods = {}
    for line in m.group(1).strip().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or cells[0] in ("module", "") or set(cells[0]) <= set("-"):
            continue
        name, _role, headers, deps, libs = cells
        fams = set()
        for lib in split_list(libs):
            f = family(lib.rstrip("*"))
            if not f:
                errors.append("docs/modules.md: %s: '%s' is no known library header" % (name, lib))
            fams.add(f)
        mods[name] = {"headers": split_list(headers), "deps": set(split_list(deps)), "libs": fams}
    for name, mod in mods.items():
        for d in mod["deps"]:
            if d not in mods:
                errors.append("docs/modules.md: %s may depend on '%s', which is no module" % (name, d))
    # the table itself must be acyclic
    state = {}

    def visit(n, stack):
        if state.get(n) == 1:
            errors.append("docs/modules.md: dependency cycle: %s" % " -> ".join(stack + [n]))
            return
        if state.get(n) == 2:
            return
        state[n] = 1
        for d in sorted(mods.get(n, {}).get("deps", ())):
            visit(d, stack + [n])
        state[n] = 2

    for n in sorted(mods):
        visit(n, [])
    return mods


def check_includes(root, mods, errors):
    owner = {}
    for name, mod in mods.items():
        for h in mod["headers"]:
            owner["pathmortem/" + h] = name
    incdir = os.path.join(root, "include", "pathmortem")
    # public headers: only their module's allowed headers, never a library header
    for h in sorted(os.listdir(incdir)):
        if not h.endswith(".h"):
            continue
        rel = "include/pathmortem/" + h
        me = owner.get("pathmortem/" + h)
        if not me:
            errors.append("%s: no module in docs/modules.md owns this public header" % rel)
            continue
        text = open(os.path.join(incdir, h), encoding="utf-8").read()
        for kind, inc in INCLUDE.findall(text):
            if kind == "<":
                if family(inc):
                    errors.append("%s: public header includes library header <%s>" % (rel, inc))
                continue
            o = owner.get(inc)
            if o is None:
                errors.append('%s: includes "%s", no public header of any module' % (rel, inc))
            elif o != me and o not in mods[me]["deps"]:
                errors.append('%s: %s may not depend on %s (includes "%s")' % (rel, me, o, inc))
    srcdir = os.path.join(root, "src")
    for m in sorted(os.listdir(srcdir)):
        if not os.path.isdir(os.path.join(srcdir, m)):
            continue
        if m not in mods:
            errors.append("src/%s: module not in docs/modules.md" % m)
            continue
        allowed = mods[m]["deps"] | {m}
        for f in sorted(os.listdir(os.path.join(srcdir, m))):
            if not f.endswith((".c", ".h")):
                continue
            rel = "src/%s/%s" % (m, f)
            text = open(os.path.join(srcdir, m, f), encoding="utf-8", errors="replace").read()
            for kind, inc in INCLUDE.findall(text):
                if kind == "<":
                    fam = family(inc)
                    if fam and fam not in mods[m]["libs"]:
                        errors.append("%s: %s may not include library header <%s>" % (rel, m, inc))
                    continue
                if inc.startswith("pathmortem/"):
                    o = owner.get(inc)
                    if o is None:
                        errors.append('%s: includes "%s", no public header of any module' % (rel, inc))
                    elif o not in allowed:
                        errors.append('%s: %s may not depend on %s (includes "%s")' % (rel, m, o, inc))
                    continue
                top = inc.split("/", 1)[0] if "/" in inc else None
                if top is None:
                    if not os.path.exists(os.path.join(srcdir, m, inc)):
                        errors.append('%s: includes "%s", which is not beside it' % (rel, inc))
                elif top == m or (top == "util" and "util" in allowed):
                    continue
                elif top in mods:
                    errors.append('%s: includes "%s", a private header of %s' % (rel, inc, top))
                else:
                    errors.append('%s: includes "%s", no module\'s header' % (rel, inc))


def cmake_links(root):
    text = open(os.path.join(root, "CMakeLists.txt"), encoding="utf-8").read()
    text = re.sub(r"#[^\n]*", "", text)
    links = {}
    for m in re.finditer(r"target_link_libraries\s*\(\s*pm_(\w+)([^)]*)\)", text, re.S):
        for tok in m.group(2).split():
            if tok.startswith("pm_"):
                links.setdefault(m.group(1), []).append(tok[3:])
    return links


def nm_symbols(lib, defined):
    args = ["nm", "-g", "--defined-only" if defined else "--undefined-only", lib]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    syms = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and not line.endswith(":"):
            syms.add(parts[-1])
    return syms


def check_links(root, build, mods, errors):
    links = cmake_links(root)
    for x, ys in sorted(links.items()):
        if x not in mods:
            errors.append("CMakeLists.txt: pm_%s is no module of docs/modules.md" % x)
            continue
        for y in ys:
            if y not in mods[x]["deps"]:
                errors.append("CMakeLists.txt: pm_%s links pm_%s, which docs/modules.md does not allow" % (x, y))
    if not build:
        return
    libs = {}
    for m in mods:
        p = os.path.join(build, "libpm_%s.a" % m)
        if os.path.exists(p):
            libs[m] = (nm_symbols(p, True), nm_symbols(p, False))
    for x, (_defs, undef) in sorted(libs.items()):
        used = {y for y, (ydefs, _u) in libs.items() if y != x and undef & ydefs}
        declared = set(links.get(x, []))
        for y in sorted(declared - used):
            if y in libs:
                errors.append("CMakeLists.txt: pm_%s links pm_%s but uses none of its symbols" % (x, y))
        for y in sorted(used - declared):
            errors.append("CMakeLists.txt: pm_%s uses symbols of pm_%s but does not link it" % (x, y))


def check(root, build=None):
    errors = []
    mods = read_table(root, errors)
    if mods:
        check_includes(root, mods, errors)
        check_links(root, build, mods, errors)
    return errors


def selftest(root, build):
    """Each planted fault must be reported; the untouched copy must pass."""
    def append(path, line):
        with open(path, "a", encoding="utf-8") as f:
            f.write(line + "\n")

    def replace(path, old, new):
        s = open(path, encoding="utf-8").read()
        assert old in s, (path, old)
        open(path, "w", encoding="utf-8").write(s.replace(old, new, 1))

    def first(d):
        return sorted(f for f in os.listdir(d) if f.endswith(".c"))[0]

    cases = [
        ("library header in analyze", "may not include library header <pcap/pcap.h>",
         lambda t: append(os.path.join(t, "src/analyze", first(os.path.join(t, "src/analyze"))),
                          "#include <pcap/pcap.h>")),
        ("store header in wire", "wire may not depend on store",
         lambda t: append(os.path.join(t, "src/wire", first(os.path.join(t, "src/wire"))),
                          '#include "pathmortem/store.h"')),
        ("analyze's private header in output", "a private header of analyze",
         lambda t: append(os.path.join(t, "src/output", first(os.path.join(t, "src/output"))),
                          '#include "analyze/internal.h"')),
        ("library header in a public header", "public header includes library header <sqlite3.h>",
         lambda t: replace(os.path.join(t, "include/pathmortem/trace.h"), '#include "pathmortem/common.h"',
                           '#include "pathmortem/common.h"\n#include <sqlite3.h>')),
        ("link against the table", "pm_wire links pm_trace, which docs/modules.md does not allow",
         lambda t: append(os.path.join(t, "CMakeLists.txt"), "target_link_libraries(pm_wire PUBLIC pm_trace)")),
        ("link the code does not use", "pm_analyze links pm_geo but uses none of its symbols",
         lambda t: append(os.path.join(t, "CMakeLists.txt"), "target_link_libraries(pm_analyze PUBLIC pm_geo)")),
        ("cycle in the table", "dependency cycle",
         lambda t: replace(os.path.join(t, "docs/modules.md"), "| wire.h, cursor.h | util |",
                           "| wire.h, cursor.h | util, trace |")),
        ("module missing from the table", "src/newmod: module not in docs/modules.md",
         lambda t: os.makedirs(os.path.join(t, "src/newmod"))),
    ]
    if not build:
        cases = [c for c in cases if c[0] != "link the code does not use"]
    failed = 0
    with tempfile.TemporaryDirectory(prefix="pm-arch.") as tmp:
        def fresh():
            t = os.path.join(tmp, "tree")
            shutil.rmtree(t, ignore_errors=True)
            os.makedirs(t)
            for d in ("docs", "src", "include"):
                shutil.copytree(os.path.join(root, d), os.path.join(t, d))
            shutil.copy(os.path.join(root, "CMakeLists.txt"), t)
            return t
        errs = check(fresh(), build)
        if errs:
            print("selftest: the unchanged tree does not pass:\n  " + "\n  ".join(errs))
            failed += 1
        for name, want, plant in cases:
            t = fresh()
            plant(t)
            errs = check(t, build)
            hit = [e for e in errs if want in e]
            if hit:
                print("selftest: caught %s: %s" % (name, hit[0]))
            else:
                print("selftest: MISSED %s (want '%s'; got %s)" % (name, want, errs or "nothing"))
                failed += 1
    return 1 if failed else 0


def main(argv):
    if len(argv) >= 2 and argv[1] == "--selftest":
        if len(argv) not in (3, 4):
            print(__doc__)
            return 2
        return selftest(argv[2], argv[3] if len(argv) == 4 else None)
    if len(argv) not in (2, 3):
        print(__doc__)
        return 2
    errors = check(argv[1], argv[2] if len(argv) == 3 else None)
    for e in errors:
        print(e)
    if errors:
        print("%d violation(s) of docs/modules.md" % len(errors))
        return 1
    print("modules: the tree keeps docs/modules.md")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
