"""Summarise a py-spy ``--format raw`` (collapsed stacks) profile: where the samples are.

    python bench/collapsed.py prof/embedded.collapsed.txt [--top 30] [--match workbench]

Prints, per function, the share of samples in which it is on the stack (inclusive) and at the
top of the stack (self), so a profile can be read in a terminal and quoted in a note.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path


def summarise(path: Path, top: int, match: str | None) -> str:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        # "thread (0x..);func (file:line);..." -> "func (file)"
        frames = [re.sub(r":\d+\)$", ")", frame) for frame in stack.split(";")[1:]]
        for frame in set(frames):
            inclusive[frame] += count
        if frames:
            own[frames[-1]] += count
    lines = [f"{total} samples", f"{'incl%':>6} {'self%':>6}  function"]
    for frame, count in inclusive.most_common():
        if match and match not in frame:
            continue
        lines.append(f"{100 * count / total:6.1f} {100 * own[frame] / total:6.1f}  {frame}")
        if len(lines) >= top + 2:
            break
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--match", help="only functions whose frame contains this text")
    args = parser.parse_args()
    print(summarise(args.profile, args.top, args.match))


if __name__ == "__main__":
    main()
