# mkseeds_net_app.py - writes the seed corpus of fuzz_net_app (tests/fuzz/corpus/fuzz_net_app):
# conversations as that target reads them (a selector byte, then [ctl][len][bytes] records):
# HTTP, TLS hellos, DNS over UDP and TCP, built field by field here (run by hand when the
# seeds change; not by the tests).
import os, struct
d = 'tests/fuzz/corpus/fuzz_net_app'
os.makedirs(d, exist_ok=True)

def rec(frm, data, ctl=0):
    out = b''
    for k in range(0, max(len(data), 1), 255):
        part = data[k:k + 255]
        out += bytes([ctl | frm, len(part)]) + part
    return out

def seed(name, sel, *records):
    with open(os.path.join(d, name), 'wb') as f:
        f.write(bytes([sel]) + b''.join(records))

req = (b'GET /a/./b/../c%2Fd//e?x=1 HTTP/1.1\r\nHost: WWW.Example.com:8080\r\n'
       b'User-Agent: seed/1\r\nCookie: c=1\r\nX-A: 1\r\nX-A: 2\r\n\r\n')
resp = b'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: s=2\r\nLocation: /x\r\n\r\nhello'
post = b'POST /up.php HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n0\r\n\r\n'
seed('http_get', 0, rec(0, req), rec(1, resp))
seed('http_post_chunked', 3, rec(0, post), rec(1, b'HTTP/1.1 204 No Content\r\n\r\n'))
seed('http_gap', 0, rec(0, req[:20]), rec(0, b'x' * 10, 2), rec(0, req[30:]), rec(1, resp))
seed('http_midstream', 0x08, rec(1, resp), rec(0, req), rec(1, resp, 4))
seed('http_shallow_rst', 0x10, rec(0, req), rec(1, b'HTTP/1.1 200 OK\r\n\r\n' + b'z' * 600),
     rec(1, b'z' * 5000), rec(0, b'', 8))
seed('http_no_bodies', 0x20, rec(0, req), rec(1, resp))

def u24(n):
    return struct.pack('>I', n)[1:]

def hs(t, body):
    return bytes([t]) + u24(len(body)) + body

def ext(t, body):
    return struct.pack('>HH', t, len(body)) + body

def record(t, body):
    return bytes([t, 3, 3]) + struct.pack('>H', len(body)) + body

sni = b'secure.example.net'
name_ext = ext(0, struct.pack('>H', len(sni) + 3) + b'\x00' + struct.pack('>H', len(sni)) + sni)
exts = ext(10, b'\x00\x02\x00\x1d') + name_ext
ch = hs(1, b'\x03\x03' + bytes(32) + b'\x00' + b'\x00\x04\x13\x01\xc0\x2f' + b'\x01\x00'
        + struct.pack('>H', len(exts)) + exts)
sh = hs(2, b'\x03\x03' + bytes(32) + b'\x00' + b'\xc0\x2f' + b'\x00' + struct.pack('>H', 6)
        + ext(43, b'\x03\x04'))
seed('tls_hellos', 1, rec(0, record(22, ch)), rec(1, record(22, sh)), rec(1, record(20, b'\x01')))
seed('tls_dns_only', 0x41, rec(0, record(22, ch)), rec(1, record(22, sh)))
split = record(22, ch)
seed('tls_split', 1, rec(0, split[:7]), rec(0, split[7:]))
# encrypted from the first application data record on (encryption_handling track-only)
seed('tls_app_data', 1, rec(0, record(22, ch)), rec(1, record(22, sh) + record(20, b'\x01')
     + record(23, b'e' * 40)), rec(0, record(20, b'\x01') + record(23, b'f' * 30)),
     rec(1, record(23, b'g' * 300)), rec(0, record(23, b'h' * 20), 4))

def name(s):
    return b''.join(bytes([len(l)]) + l.encode() for l in s.split('.') if l) + b'\0'

q = struct.pack('>HHHHHH', 0x1234, 0x0100, 1, 0, 0, 0) + name('www.example.org') + b'\0\1\0\1'
a = (struct.pack('>HHHHHH', 0x1234, 0x8180, 1, 1, 0, 0) + name('www.example.org') + b'\0\1\0\1'
     + b'\xc0\x0c\0\1\0\1\0\0\0\x3c\0\4\xc0\0\2\7')
seed('dns_udp', 0x06, rec(0, q), rec(1, a), rec(0, q.replace(b'\x12\x34', b'\x99\x99', 1)))
seed('dns_udp_dns_only', 0x46, rec(0, q), rec(1, a))
seed('dns_tcp', 0x02, rec(0, struct.pack('>H', len(q)) + q), rec(1, struct.pack('>H', len(a)) + a))
