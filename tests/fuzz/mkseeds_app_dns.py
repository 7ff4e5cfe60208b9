# mkseeds_app_dns.py - writes the seed corpus of fuzz_app_dns (tests/fuzz/corpus/fuzz_app_dns):
# DNS messages built field by field (control byte 0x00: one UDP message; 0x01: TCP records).
import os, struct
d = 'tests/fuzz/corpus/fuzz_app_dns'
os.makedirs(d, exist_ok=True)

def name(s):
    out = b''
    for l in s.split('.'):
        if l:
            out += bytes([len(l)]) + l.encode()
    return out + b'\0'

def hdr(i, fl, qd, an, ns, ar):
    return struct.pack('>HHHHHH', i, fl, qd, an, ns, ar)

def rr(nm, t, ttl, rd):
    return nm + struct.pack('>HHIH', t, 1, ttl, len(rd)) + rd

q = hdr(0x1234, 0x0100, 1, 0, 0, 0) + name('www.example.org') + struct.pack('>HH', 1, 1)
ptr16 = b'\xc0\x10'
resp = (hdr(0x1234, 0x8180, 1, 4, 1, 1) + name('www.example.org') + struct.pack('>HH', 1, 1)
        + rr(b'\xc0\x0c', 5, 3597, ptr16)
        + rr(ptr16, 1, 597, bytes([35, 212, 0, 44]))
        + rr(ptr16, 28, 5, bytes(16))
        + rr(ptr16, 16, 9, b'\x03abc\x05v=spf')
        + rr(ptr16, 6, 60, name('ns1.example.org') + name('h.example.org') + bytes(20))
        + rr(b'\0', 41, 0, b''))
srv = (hdr(2, 0x8180, 0, 2, 0, 0) + rr(name('_sip._tcp.example'), 33, 1, b'\0\1\0\2\x13\xc4' + b'\xc0\x0c')
       + rr(b'\xc0\x0c', 44, 1, b'\1\2\xde\xad\xbe\xef'))
loop = hdr(3, 0, 1, 0, 0, 0) + b'\xc0\x0c' + struct.pack('>HH', 1, 1)
chain = (hdr(4, 0, 3, 0, 0, 0) + name('x') + struct.pack('>HH', 1, 1) + b'\x01y\xc0\x0c'
         + struct.pack('>HH', 1, 1) + b'\x01z\xc0\x0f' + struct.pack('>HH', 1, 1))
longname = hdr(5, 0, 1, 0, 0, 0) + (b'\x3f' + b'a' * 63) * 4 + b'\0' + struct.pack('>HH', 16, 1)
badutf = hdr(6, 0, 1, 0, 0, 0) + b'\x04a\xff\0\xc0\0' + struct.pack('>HH', 1, 1)

def tcp(msgs):
    stream = b''.join(struct.pack('>H', len(m)) + m for m in msgs)
    out = bytearray([0x01])
    for k in range(0, len(stream), 50):
        piece = stream[k:k + 50]
        out.append(len(piece)); out += piece
    return bytes(out)

seeds = {
    'query': b'\0' + q,
    'response': b'\0' + resp,
    'srv_sshfp': b'\0' + srv,
    'loop': b'\0' + loop,
    'chain': b'\0' + chain,
    'longname': b'\0' + longname,
    'badutf': b'\0' + badutf,
    'short': b'\0' + q[:7],
    'tcp_pair': tcp([q, resp]),
    'tcp_gap': bytes([0x01, 3]) + struct.pack('>H', len(q)) + q[:1] + bytes([0x7f]) + bytes([20]) + q[:20],
    'tcp_oversize': tcp([b'\0' * 400, q]),
    'allocfail': b'\x22' + resp,
}
for k, v in seeds.items():
    open(os.path.join(d, k), 'wb').write(v)
