# mkseeds_app_tls.py - writes the seed corpus of fuzz_app_tls (tests/fuzz/corpus/fuzz_app_tls):
# TLS hellos built field by field and a throw-away self-signed certificate made here with the
# openssl command (run by hand when the seeds change; not by the tests).
import os, struct, subprocess, tempfile
d = 'tests/fuzz/corpus/fuzz_app_tls'
os.makedirs(d, exist_ok=True)

def u24(n):
    return struct.pack('>I', n)[1:]

def hs(t, body):
    return bytes([t]) + u24(len(body)) + body

def ext(t, body):
    return struct.pack('>HH', t, len(body)) + body

def client_hello(sni, early=False):
    e = ext(10, b'\x00\x02\x00\x1d') + (ext(42, b'') if early else b'')
    if sni is not None:
        name = b'\x00' + struct.pack('>H', len(sni)) + sni
        e += ext(0, struct.pack('>H', len(name)) + name)
    body = (b'\x03\x03' + bytes(32) + b'\x00' + b'\x00\x04\x13\x01\xc0\x2f' + b'\x01\x00'
            + struct.pack('>H', len(e)) + e)
    return hs(1, body)

def server_hello(tls13):
    e = ext(43, b'\x03\x04') if tls13 else b''
    body = b'\x03\x03' + bytes(32) + b'\x00' + b'\xc0\x2f' + b'\x00' + struct.pack('>H', len(e)) + e
    return hs(2, body)

def records(payload, typ=22, size=16384):
    out = b''
    for k in range(0, len(payload), size):
        p = payload[k:k + size]
        out += bytes([typ]) + b'\x03\x03' + struct.pack('>H', len(p)) + p
    return out

def enc(ctl, recs):
    out = bytearray([ctl])
    for dr, payload in recs:
        if dr in ('gap0', 'gap1'):
            out.append(0x7f | (0x80 if dr == 'gap1' else 0)); continue
        for k in range(0, len(payload), 126):
            piece = payload[k:k + 126]
            out.append(len(piece) | (0x80 if dr else 0)); out += piece
    return bytes(out)

with tempfile.TemporaryDirectory() as tmp:
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
                    '-nodes', '-keyout', tmp + '/k', '-subj', '/C=US/O=Example/CN=www.example.org',
                    '-days', '30', '-outform', 'DER', '-out', tmp + '/c'], check=True,
                   capture_output=True)
    der = open(tmp + '/c', 'rb').read()
cert = hs(11, u24(len(der) + 3) + u24(len(der)) + der)
seeds = {
    'client_hello': enc(0, [(0, records(client_hello(b'www.example.org')))]),
    'split_records': enc(0, [(0, records(client_hello(b'split.example'), size=7))]),
    'server_cert': enc(0, [(0, records(client_hello(b'a.example'))),
                           (1, records(server_hello(False) + cert, size=500))]),
    'tls13': enc(0, [(1, records(server_hello(True)) + records(b'\x01', 20) + records(b'x' * 40, 23))]),
    'ccs_then_cert': enc(0, [(1, records(server_hello(False)) + records(b'\x01', 20) + records(cert))]),
    'not_tls': enc(0, [(0, b'GET / HTTP/1.1\r\n\r\n')]),
    'big_message': enc(0, [(0, records(hs(4, b'\xee' * 2000) + client_hello(b'after.example')))]),
    'gap': enc(0, [(0, records(client_hello(b'g.example'))[:20]), ('gap0', 0)]),
    'allocfail': enc(0x21, [(1, records(server_hello(False) + cert))]),
    # control bit 1: records tracked up to the first application data
    'track_app_data': enc(0x02, [(0, records(client_hello(b't.example')) + records(b'\x01', 20)
                                  + records(b'f' * 40)),
                                 (1, records(server_hello(False) + cert, size=500)
                                  + records(b'\x01', 20) + records(b'f' * 40)),
                                 (0, records(b'x' * 60, 23))]),
    'track_early_data': enc(0x02, [(0, records(client_hello(b'z.example', True))
                                    + records(b'e' * 30, 23)),
                                   (1, records(server_hello(True)) + records(b'\x01', 20)
                                    + records(b'y' * 30, 23))]),
}
for k, v in seeds.items():
    open(os.path.join(d, k), 'wb').write(v)
