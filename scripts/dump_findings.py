#!/usr/bin/env python3
"""Every finding on the development corpus, as JSON: to show a speed change changed none.

Usage: python scripts/dump_findings.py OUT.json   (run on two commits, then diff the files)

The dev corpus's posts one by one, and runs of consecutive posts joined into texts of up to
5,000 characters (the long posts the benchmark times; joined posts meet each other's rules),
each checked with the corpus's policy, register and date as scripts/evaluate_checks.py builds
them. Only the development corpus: never the sealed part or the external sets.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from bot.checks import run_checks

SCRIPTS = Path(__file__).resolve().parent
LONG = 5_000


def main(argv: list[str]) -> int:
    spec = importlib.util.spec_from_file_location("evaluate_checks", SCRIPTS / "evaluate_checks.py")
    assert spec is not None and spec.loader is not None
    ev = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = ev
    spec.loader.exec_module(ev)
    corpus = ev.load_corpus()
    policy = ev.build_policy(corpus)
    register, _ = ev.build_register(corpus)

    texts: list[tuple[str, str, tuple[str, ...]]] = [
        (p.id, p.text, p.platforms) for p in corpus.posts
    ]
    joined: list[str] = []
    for post in corpus.posts:
        if joined and sum(len(t) + 2 for t in joined) + len(post.text) > LONG:
            texts.append((f"joined-{len(texts)}", "\n\n".join(joined), ("x", "facebook")))
            joined = []
        joined.append(post.text)
    out = {}
    for key, text, platforms in texts:
        found = run_checks(text, platforms, policy, register=register, today=corpus.today)
        out[key] = [f.to_dict() for f in found]
    Path(argv[0]).write_text(json.dumps(out, indent=1, sort_keys=True, default=str) + "\n")
    print(f"{len(texts)} texts, {sum(len(v) for v in out.values())} findings")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
