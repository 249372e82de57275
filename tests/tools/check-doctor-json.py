#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Checks `ncp-run --doctor --json` (read from stdin) against the schema in
# doc/doctor.md (argv[1]): the layout, the types of every field, that every
# key is snake_case and documented, and that every documented key is there.
# Extra facts to compare with the machine come as KEY=JSON arguments.
import json
import re
import sys

doc = open(sys.argv[1], encoding="utf-8").read()
expected = {}
for arg in sys.argv[2:]:
    key, _, value = arg.partition("=")
    expected[key] = json.loads(value)

problems = []
report = json.load(sys.stdin)

def need(cond, what):
    if not cond:
        problems.append(what)

need(report.get("schema") == 1, "schema is not 1")
for key in ("normal_children", "isolated_children"):
    need(isinstance(report.get(key), bool), f"{key} is not a boolean")
checks = report.get("checks")
need(isinstance(checks, dict) and checks, "checks is not a non-empty object")
checks = checks if isinstance(checks, dict) else {}

# The documented table: | `key` | kind | value type ... |
documented = {}
for m in re.finditer(r"^\| `([a-z0-9_]+)` \| (fact|wall) \| (\w+)", doc, re.M):
    documented[m.group(1)] = (m.group(2), m.group(3))
need(documented, "no check table in doc/doctor.md")

types = {"boolean": (bool,), "number": (int,), "string": (str,)}
for key, check in checks.items():
    need(re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", key) is not None, f"{key!r} is not snake_case")
    need(key in documented, f"{key} is not documented in doc/doctor.md")
    if not isinstance(check, dict):
        problems.append(f"{key} is not an object")
        continue
    need(set(check) == {"kind", "label", "value", "holds", "reason", "fix"},
         f"{key} has fields {sorted(check)}")
    need(check.get("kind") in ("fact", "wall"), f"{key}: kind {check.get('kind')!r}")
    need(isinstance(check.get("label"), str) and check["label"], f"{key}: label")
    need(isinstance(check.get("holds"), bool), f"{key}: holds is not a boolean")
    need(isinstance(check.get("reason"), str) and check["reason"], f"{key}: reason is not a non-empty string")
    if check.get("holds") is True:
        need(check.get("fix") is None, f"{key} holds but has a fix")
    else:
        need(isinstance(check.get("fix"), str) and check["fix"], f"{key} does not hold and has no fix")
    if key in documented:
        kind, vtype = documented[key]
        need(check.get("kind") == kind, f"{key}: kind {check.get('kind')} but documented {kind}")
        value = check.get("value")
        ok = value is None if vtype == "null" else \
            (isinstance(value, types.get(vtype, ())) and not (vtype == "number" and isinstance(value, bool))) or \
            (value is None and "or null" in doc.split(f"`{key}`", 1)[1].split("\n", 1)[0])
        need(ok, f"{key}: value {value!r} is not a {vtype}")
        if kind == "wall":
            need(value is check.get("holds"), f"{key}: a wall's value is whether it holds")
for key in documented:
    need(key in checks, f"{key} is documented but not reported")
for key, value in expected.items():
    got = checks.get(key, {}).get("value")
    need(got == value, f"{key}: reported {got!r}, the machine says {value!r}")

for p in problems:
    print("schema: " + p)
sys.exit(1 if problems else 0)
