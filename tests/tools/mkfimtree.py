#!/usr/bin/env python3
"""mkfimtree.py DIR N - make a tree of N small files for the FIM benchmark: directories of
1000 files two levels deep (d000/e00/...), sizes 0..2047 bytes (mean about 1 KiB), content
derived from the index so every file differs; a symlink every 1000 files. Prints the bytes
written. Deterministic."""
import os
import sys


def main():
    root, n = sys.argv[1], int(sys.argv[2])
    total = 0
    for i in range(n):
        d = os.path.join(root, "d%03d" % (i // 100000), "e%02d" % (i // 1000 % 100))
        if i % 1000 == 0:
            os.makedirs(d, exist_ok=True)
            if i > 0:
                os.symlink("f%07d" % (i - 1), os.path.join(d, "link"))
        size = (i * 7919) % 2048
        line = b"file %07d of the seawall FIM benchmark\n" % i
        data = (line * (size // len(line) + 1))[:size]
        with open(os.path.join(d, "f%07d" % i), "wb") as f:
            f.write(data)
        total += size
    print(total)


if __name__ == "__main__":
    main()
