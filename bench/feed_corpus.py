"""Feed reading over the corpus in tests/feed_corpus: how many documents are read, refused or
crash the reader, and the cost per document, so a parser change is measured, not assumed.

    .venv/bin/python bench/feed_corpus.py [--repeat N]
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's code, not an installed copy

from tracker.feedparse import FeedError, parse

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "feed_corpus"
_HEADER = re.compile(rb"^\s*Header:\s*([\w-]+):\s*(.*?)\s*$", re.M)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    documents = []
    for path in sorted(CORPUS.glob("*.xml")):
        body = path.read_bytes()
        found = _HEADER.findall(body.replace(b"\x00", b"")[:2000])
        documents.append((body, {k.decode(): v.decode("latin-1") for k, v in found}))
    read = refused = crashed = entries = 0
    for body, headers in documents:
        try:
            entries += len(parse(body, "http://feeds.test/feed", headers=headers).entries)
            read += 1
        except FeedError:
            refused += 1
        except Exception:
            crashed += 1
    started = time.perf_counter()
    for _ in range(args.repeat):
        for body, headers in documents:
            with contextlib.suppress(Exception):
                parse(body, "http://feeds.test/feed", headers=headers)
    per_document_ms = 1000 * (time.perf_counter() - started) / (args.repeat * len(documents))
    print(f"documents   {len(documents)}")
    print(f"read        {read}  ({entries} entries)")
    print(f"refused     {refused}")
    print(f"crashed     {crashed}")
    print(f"ms/document {per_document_ms:.2f}")


if __name__ == "__main__":
    main()
