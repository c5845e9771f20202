#!/usr/bin/env python3
"""Fails when an #include points against Brook's dependency direction.

The allowed edges are docs/architecture.md's table (from DESIGN.md): a component may
include itself and the components listed for it, nothing else from src/.
Run by `make test` (ctest label `lint`).
"""
import pathlib
import re
import sys

ALLOWED = {
    "base": set(),
    "config": {"base"},
    "protocol": {"base"},
    "records": {"base"},
    "storage": {"records", "config", "base"},
    "net": {"config", "base"},
    "coord": {"storage", "records", "config", "base"},
    "group": {"coord", "protocol", "records", "config", "base"},
    "txn": {"coord", "protocol", "records", "config", "base"},
    "broker": {"group", "txn", "coord", "storage", "records", "protocol", "net", "http", "config", "base"},
    "http": {"net", "config", "base"},
    "client": {"protocol", "base"},
    "registry": {"http", "client", "config", "base"},
    "stream": {"client", "http", "config", "base"},
    "connect": {"client", "http", "config", "base"},
    "cli": {"client", "config", "base"},
    "app": None,  # wires everything
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/')


def main(root: pathlib.Path) -> int:
    src = root / "src"
    errors = []
    for comp_dir in sorted(p for p in src.iterdir() if p.is_dir()):
        comp = comp_dir.name
        if comp not in ALLOWED:
            errors.append(f"src/{comp}: unknown component; add it to scripts/check-layering.py and docs/architecture.md")
            continue
        allowed = ALLOWED[comp]
        for f in sorted(comp_dir.rglob("*")):
            if f.suffix not in (".h", ".cc", ".hpp", ".cpp"):
                continue
            for n, line in enumerate(f.read_text(errors="replace").splitlines(), 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                target = m.group(1)
                if target == comp or target not in ALLOWED or allowed is None:
                    continue
                if target not in allowed:
                    errors.append(f"{f.relative_to(root)}:{n}: {comp} may not include {target} ({line.strip()})")
    for e in errors:
        print(e)
    print(f"layering: {len(errors)} violation(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)))
