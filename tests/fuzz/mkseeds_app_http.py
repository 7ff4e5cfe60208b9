import zlib, os
d='tests/fuzz/corpus/fuzz_app_http'
def enc(ctl, recs):
    out=bytearray([ctl])
    for dr, payload in recs:
        if dr in ('gap0','gap1'):
            out += bytes([0x7f | (0x80 if dr=='gap1' else 0), payload]); continue
        for k in range(0, len(payload), 126):
            piece=payload[k:k+126]
            out.append(len(piece) | (0x80 if dr else 0)); out += piece
    return bytes(out)
plain=b"hello world, " * 50
c=zlib.compressobj(9, zlib.DEFLATED, 31); gz=c.compress(plain)+c.flush()
c=zlib.compressobj(9, zlib.DEFLATED, -15); raw=c.compress(plain)+c.flush()
zw=zlib.compress(plain)
c=zlib.compressobj(9, zlib.DEFLATED, 31); bomb=c.compress(b"\0"*1000000)+c.flush()
def hx(n): return ("%x" % n).encode()
def dc(n): return ("%d" % n).encode()
seeds={
 'get_200': enc(2,[(0,b"GET /a/b.txt?x=1 HTTP/1.1\r\nHost: h\r\nUser-Agent: ua\r\n\r\n"),(1,b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello")]),
 'post_chunked': enc(2,[(0,b"POST /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n"),(1,b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n")]),
 'pipeline': enc(2,[(0,b"GET /1 HTTP/1.1\r\n\r\nHEAD /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\n\r\n"),(1,b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"),(1,b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nHTTP/1.1 304 Not Modified\r\n\r\n")]),
 'gzip': enc(2,[(0,b"GET /g HTTP/1.1\r\n\r\n"),(1,b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Disposition: attachment; filename*=UTF-8''a%20b.gz\r\nContent-Length: "+dc(len(gz))+b"\r\n\r\n"+gz)]),
 'deflate_raw': enc(2,[(0,b"GET /d HTTP/1.1\r\n\r\n"),(1,b"HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nTransfer-Encoding: chunked\r\n\r\n"+hx(len(raw))+b"\r\n"+raw+b"\r\n0\r\n\r\n")]),
 'deflate_zlib_close': enc(2,[(0,b"GET /d HTTP/1.0\r\n\r\n"),(1,b"HTTP/1.0 200 OK\r\nContent-Encoding: deflate\r\n\r\n"+zw)]),
 'bomb': enc(2,[(0,b"GET /bomb HTTP/1.1\r\n\r\n"),(1,b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: "+dc(len(bomb))+b"\r\n\r\n"+bomb)]),
 'huge_chunk': enc(2,[(0,b"GET / HTTP/1.1\r\n\r\n"),(1,b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n"+b"A"*300)]),
 'gap_resync': enc(2,[(0,b"GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n"),(1,b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nabc"),('gap1',60),(1,b"junk\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")]),
 'connect_tunnel': enc(0,[(0,b"CONNECT h:443 HTTP/1.1\r\n\r\n"),(1,b"HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x01")]),
 'garbage_allocfail': enc(0x31,[(0,b"SSH-2.0-x\r\n"),(1,bytes(range(256)))]),
}
for k,v in seeds.items():
    open(os.path.join(d,k),'wb').write(v)
