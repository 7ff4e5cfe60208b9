#!/usr/bin/env python3
"""pcap_linktype.py FILE... - print "LINKTYPE<TAB>FILE" for each capture, read from its header.

pcap: the 32-bit link type at offset 20 of the file header (byte order from the magic, micro-
or nanosecond magic). pcapng: the link type of every Interface Description Block; a file whose
interfaces do not all share one link type prints "mixed". A file that is neither prints
"unknown". LINKTYPE is the number of the tcpdump.org list (1 = Ethernet, 113 = Linux cooked,
101 = raw IP, ...). Only the headers are read, so no capture tool (tcpdump, tshark) is needed:
live tests use it to pick the captures tcpreplay can send as they are (Ethernet).
Exit 0, or 2 when a file cannot be read.
"""
import struct
import sys

PCAP_MAGICS = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">",
               b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">"}
PCAPNG_SHB = 0x0A0D0D0A
PCAPNG_IDB = 1
BOM = 0x1A2B3C4D


def pcapng_linktypes(f):
    """Link types of every IDB of a pcapng file (section byte order honoured per section)."""
    types = set()
    order = "<"
    while True:
        head = f.read(8)
        if len(head) < 8:
            return types
        btype = struct.unpack("<I", head[:4])[0]
        if btype == PCAPNG_SHB:  # the SHB's own byte-order magic says how to read it all
            bom = f.read(4)
            if len(bom) < 4:
                return types
            order = "<" if struct.unpack("<I", bom)[0] == BOM else ">"
            blen = struct.unpack(order + "I", head[4:8])[0]
            rest = blen - 12
        else:
            btype, blen = struct.unpack(order + "II", head)
            rest = blen - 8
        if blen < 12 or blen % 4:
            return types  # a cut or corrupt block: what was read so far stands
        body = f.read(rest)
        if len(body) < rest:
            return types
        if btype == PCAPNG_IDB and len(body) >= 2:
            types.add(struct.unpack(order + "H", body[:2])[0])


def linktype(path):
    with open(path, "rb") as f:
        magic = f.read(4)
        if magic in PCAP_MAGICS:
            hdr = f.read(20)
            if len(hdr) < 20:
                return "unknown"
            # The FCS bits live in the top of the same word: keep the low 16 (LINKTYPE_ mask).
            return str(struct.unpack(PCAP_MAGICS[magic] + "I", hdr[16:20])[0] & 0xFFFF)
        if magic == struct.pack("<I", PCAPNG_SHB):
            f.seek(0)
            types = pcapng_linktypes(f)
            if not types:
                return "unknown"
            return str(types.pop()) if len(types) == 1 else "mixed"
    return "unknown"


def main():
    if len(sys.argv) < 2:
        sys.stderr.write("usage: pcap_linktype.py FILE...\n")
        return 2
    rc = 0
    for path in sys.argv[1:]:
        try:
            print("%s\t%s" % (linktype(path), path))
        except OSError as e:
            sys.stderr.write("pcap_linktype.py: %s: %s\n" % (path, e.strerror))
            rc = 2
    return rc


if __name__ == "__main__":
    sys.exit(main())
