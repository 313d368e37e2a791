#!/usr/bin/env python3
"""Lists the node attribute paths that aws/opsworks-cookbooks' recipes,
definitions, libraries and templates read, per cookbook, for
tests/fixtures/opsworks-reads/ (which adds each read's JSON type and the
reason for each read stackc does not give).

    scripts/opsworks-reads.py CHECKOUT COOKBOOK_OR_FILE...

CHECKOUT is a checkout of aws/opsworks-cookbooks (branch
release-chef-11.10). Prints `PATH<TAB>CLASS<TAB>FILES` lines: CLASS is
`ohai` (Chef's automatic attributes), `cookbook` (set by an attributes file
of a cookbook other than deploy and opsworks_initial_setup, which ship with
the cookbook that reads them) or `read` (what the node JSON must give).
Dynamic keys read as <app>, <layer>, <host> or <*>; list elements as [].
"""
import os
import re
import sys

SEG = re.compile(r"\[\s*(?::(\w+)|'([^']*)'|\"([^\"]*)\"|(params\[:\w+\]|@?[A-Za-z_][\w.]*))\s*\]")
CHAIN = re.compile(r"(@?[A-Za-z_]\w*)((?:\[[^\[\]]*(?:\[[^\[\]]*\])?[^\[\]]*\])+)")
EACH = re.compile(r"(node(?:\[[^\]]+\])+)\.(?:each|map|each_pair|select)\s*(?:do|\{)\s*\|\s*(\w+)\s*(?:,\s*(\w+))?\s*\|")
OHAI = {"platform", "platform_version", "platform_family", "kernel", "hostname", "fqdn",
        "ipaddress", "languages", "lsb", "cpu", "memory", "os", "ec2", "etc", "passwd", "recipes"}
DYNAMIC = {"application": "<app>", "app": "<app>", "app_name": "<app>", "params[:app]": "<app>", "@application_name": "<app>",
           "layer": "<layer>", "layer_name": "<layer>", "host": "<host>", "hostname": "<host>"}
# Template variables and block arguments whose origin a recipe fixed.
FIXED = {"deploy": "deploy.<app>", "@deploy": "deploy.<app>", "@database": "deploy.<app>.database",
         "@memcached": "deploy.<app>.memcached", "@layers": "opsworks.layers",
         "layer": "opsworks.layers.<layer>", "instance": "opsworks.layers.<layer>.instances.<host>",
         "app_config": "deploy.<app>"}


def segments(text):
    out = []
    pos = 0
    while (m := SEG.match(text, pos)) is not None:
        pos = m.end()
        lit = m.group(1) or m.group(2) or m.group(3)
        if lit is not None and re.fullmatch(r"[\w.-]+", lit):
            out.append(lit)
        elif m.group(4) and not m.group(4)[0].isdigit():
            out.append(DYNAMIC.get(m.group(4), "<*>"))
        else:
            break
    return out


def reads(text):
    found = set()
    alias = dict(FIXED)
    for line in text.splitlines():
        for m in EACH.finditer(line):
            base = ".".join(segments(m.group(1)[4:]))
            if m.group(3):
                key = {"deploy": "<app>", "opsworks.layers": "<layer>"}.get(base, "<*>")
                if base.endswith("_applications"):
                    key = "<app>"
                alias[m.group(3)] = f"{base}.{key}"
            else:
                alias[m.group(2)] = f"{base}[]"
        for m in CHAIN.finditer(line):
            name, rest = m.group(1), m.group(2)
            segs = segments(rest)
            if not segs:
                continue
            if name == "node":
                found.add(".".join(segs))
            elif name in alias:
                found.add(alias[name] + "." + ".".join(segs))
    return found


def attribute_paths(root, skip):
    paths = set()
    for cb in os.listdir(root):
        d = os.path.join(root, cb, "attributes")
        if cb in skip or not os.path.isdir(d):
            continue
        for f in os.listdir(d):
            for m in re.finditer(r"(?:default|normal|set|override)((?:\[[^\]]+\])+)\s*=",
                                 open(os.path.join(d, f), encoding="utf-8").read()):
                segs = segments(m.group(1))
                for n in range(1, len(segs) + 1):
                    paths.add(".".join(segs[:n]))
    return paths


def main():
    root, cookbooks = sys.argv[1], sys.argv[2:]
    own = attribute_paths(root, {"deploy", "opsworks_initial_setup"})
    by_path = {}
    files = []
    for cb in cookbooks:
        if os.path.isfile(os.path.join(root, cb)):
            files.append(os.path.join(root, cb))
            continue
        for sub in ("recipes", "definitions", "libraries", "templates"):
            for dirpath, _, names in os.walk(os.path.join(root, cb, sub)):
                files.extend(os.path.join(dirpath, f) for f in sorted(names))
    for p in files:
        for r in reads(open(p, encoding="utf-8").read()):
            by_path.setdefault(r, set()).add(os.path.relpath(p, root))
    for path in sorted(by_path):
        first = path.split(".")[0]
        if first in OHAI:
            cls = "ohai"
        elif path in own:
            cls = "cookbook"
        else:
            cls = "read"
        print(f"{path}\t{cls}\t{' '.join(sorted(by_path[path]))}")


if __name__ == "__main__":
    main()
