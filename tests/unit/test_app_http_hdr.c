/* test_app_http_hdr.c - unit tests of collectors/net/app_http_hdr.c: line ends, start lines,
 * header fields and what a header block says, read the lenient way browsers and libhtp
 * read them, with each deviation recorded as an anomaly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sw/app_http_hdr.h"

#define AN(a) (1u << SW_HTTP_AN_##a)

/* Line ends: what sw_http_hdr_eol says of the start of s (n bytes, or strlen). */
static void
line_ends_are_read_as_libhtp_reads_them(void **state)
{
    static const struct {
        const char *s;
        size_t n; /* 0: strlen */
        bool eof;
        enum sw_http_eol want;
        size_t content, used;
        int term;
    } cases[] = {
        {"Host: a\r\nX", 0, false, SW_HTTP_EOL_LINE, 7, 9, SW_HTTP_TERM_LF},
        {"Host: a\nX", 0, false, SW_HTTP_EOL_LINE, 7, 8, SW_HTTP_TERM_LF},
        {"Host: a\rX", 0, false, SW_HTTP_EOL_LINE, 7, 8, SW_HTTP_TERM_ODD}, /* lone CR */
        {"Host: a\n\rX", 0, false, SW_HTTP_EOL_LINE, 7, 9, SW_HTTP_TERM_LFCR},
        {"Host: a\n\r\n", 0, false, SW_HTTP_EOL_LINE, 7, 8, SW_HTTP_TERM_LF},   /* LF, CRLF */
        {"Host: a\r\r\nX", 0, false, SW_HTTP_EOL_LINE, 8, 10, SW_HTTP_TERM_LF}, /* CR CR LF */
        {"\r\rTE: x", 0, false, SW_HTTP_EOL_SKIP, 1, 2, SW_HTTP_TERM_ODD},      /* CRs only */
        {"\r\nBODY", 0, false, SW_HTTP_EOL_BLANK, 0, 2, SW_HTTP_TERM_LF},
        {"\nBODY", 0, false, SW_HTTP_EOL_BLANK, 0, 1, SW_HTTP_TERM_LF},
        {" \nBODY", 0, false, SW_HTTP_EOL_BLANK, 0, 2, SW_HTTP_TERM_ODD}, /* libhtp */
        {"\t\nBODY", 0, false, SW_HTTP_EOL_BLANK, 0, 2, SW_HTTP_TERM_ODD},
        /* undecided until the next byte */
        {"Host: a\r", 0, false, SW_HTTP_EOL_MORE, 0, 0, 0},
        {"Host: a\n", 0, false, SW_HTTP_EOL_MORE, 0, 0, 0},
        {"Host: a\n\r", 0, false, SW_HTTP_EOL_MORE, 0, 0, 0},
        {" \n", 0, false, SW_HTTP_EOL_MORE, 0, 0, 0},
        {"Host: a", 0, false, SW_HTTP_EOL_MORE, 0, 0, 0},
        {"Host: a\n", 0, true, SW_HTTP_EOL_LINE, 7, 8, SW_HTTP_TERM_LF},
        {"", 0, false, SW_HTTP_EOL_MORE, 0, 0, 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = cases[i].n != 0 ? cases[i].n : strlen(cases[i].s), content, used;
        int term;
        enum sw_http_eol r =
            sw_http_hdr_eol((const uint8_t *)cases[i].s, n, cases[i].eof, &content, &used, &term);

        if (r != cases[i].want)
            fail_msg("case %zu: %d, want %d", i, r, cases[i].want);
        if (r == SW_HTTP_EOL_MORE)
            continue;
        assert_int_equal(content, cases[i].content);
        assert_int_equal(used, cases[i].used);
        assert_int_equal(term, cases[i].term);
    }
}

static void
chunk_sizes_are_read_with_their_junk(void **state)
{
    static const struct {
        const char *s;
        bool ok, junk, blank;
        uint64_t size;
    } cases[] = {
        {"5", true, false, false, 5},
        {"5;ext=1", true, false, false, 5},
        {"fx", true, true, false, 15},
        {"f,", true, true, false, 15},
        {"f x", true, true, false, 15},
        {"f\r", true, false, false, 15},
        {"\v5", true, false, false, 5},
        {" \t 1A ", true, false, false, 26},
        {"ffffffffffffffff", true, false, false, UINT64_MAX},
        {"10000000000000000", false, false, false, 0}, /* 65 bits */
        {"X5O!", false, false, false, 0},
        {"", false, false, true, 0},
        {"\r", false, false, true, 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t v = 0;
        bool junk, blank;
        bool ok = sw_http_hdr_chunk_size((const uint8_t *)cases[i].s, strlen(cases[i].s), &v, &junk,
                                         &blank);

        if (ok != cases[i].ok || junk != cases[i].junk || blank != cases[i].blank)
            fail_msg("case %zu (%s): ok %d junk %d blank %d", i, cases[i].s, ok, junk, blank);
        if (ok)
            assert_true(v == cases[i].size);
    }
}

/* The field table of read_block's blocks (one block at a time). */
static struct sw_http_field fields[SW_HTTP_MAX_FIELDS];

/* Read a whole header block (lines separated by \n in text; the start line first), its
 * fields recorded into fields[]. */
static void
read_block(struct sw_http_head *hh, int dir, const char *text, uint8_t *buf, size_t cap)
{
    size_t tn = strlen(text), pos = 0;
    uint32_t used = 0;
    bool first = true;

    sw_http_head_init(hh, dir, fields);
    assert_true(tn < cap);
    while (pos < tn) {
        const char *nl = memchr(text + pos, '\n', tn - pos);
        size_t len = nl != NULL ? (size_t)(nl - (text + pos)) : tn - pos;

        memcpy(buf + used, text + pos, len);
        if (first) {
            assert_true(sw_http_head_start(hh, buf, used, (uint32_t)len));
            used += (uint32_t)len;
            first = false;
        } else {
            used = sw_http_head_line(hh, buf, used, (uint32_t)len);
        }
        pos += len + 1;
    }
    sw_http_head_end(hh, buf);
}

static void
status_lines_are_read_leniently(void **state)
{
    static const struct {
        const char *line;
        unsigned status;
        uint8_t version;
        uint32_t an;
    } cases[] = {
        {"HTTP/1.1 200 OK", 200, 11, 0},
        {"HTTP/1.0 404 Not Found", 404, 10, 0},
        {"HTTP/1.1 200", 200, 11, 0},
        {"HTTP/2.0 200 ok", 200, 0, AN(INVALID_PROTOCOL)},
        {"HTTP/1.01 200 ok", 200, 0, AN(INVALID_PROTOCOL)},
        {"http/1.1 200 ok", 200, 0, AN(INVALID_PROTOCOL)},
        {" HTTP/1.1 200 ok", 200, 0, AN(INVALID_PROTOCOL)},
        {"HTTP/1.1  200 ok", 200, 11, AN(INVALID_STATUS)},
        {"HTTP/1.1\t200 ok", 200, 11, AN(INVALID_STATUS)},
        {"HTTP/1.1 2xx ok", 0, 11, AN(INVALID_STATUS)},
        {"HTTP/1.1 0200 ok", 200, 11, AN(INVALID_STATUS)},
        {"HTTP/1.1", 0, 11, AN(INVALID_STATUS)},
        {"HTTP/1.1foobar", 0, 0, AN(INVALID_PROTOCOL) | AN(INVALID_STATUS)},
    };
    uint8_t buf[256];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sw_http_head hh;

        read_block(&hh, 1, cases[i].line, buf, sizeof(buf));
        if (hh.status != cases[i].status || hh.version != cases[i].version ||
            hh.anomalies != cases[i].an)
            fail_msg("case %zu (%s): status %u version %u anomalies %#x", i, cases[i].line,
                     hh.status, hh.version, hh.anomalies);
    }
    /* not status lines at all */
    {
        struct sw_http_head hh;

        sw_http_head_init(&hh, 1, NULL);
        assert_false(sw_http_head_start(&hh, (const uint8_t *)"SIP/2.0 200 OK", 0, 14));
        assert_true(sw_http_hdr_start_like(1, (const uint8_t *)"\0 HT", 4, true));
        assert_false(sw_http_hdr_start_like(1, (const uint8_t *)"X5O!", 4, true));
        assert_true(sw_http_hdr_start_like(0, (const uint8_t *)"GE", 2, true));
        assert_false(sw_http_hdr_start_like(0, (const uint8_t *)"\x16\x03\x01", 3, true));
        assert_true(sw_http_hdr_start_like(0, (const uint8_t *)"GET / HTTP/1.1", 14, false));
    }
}

static void
framing_headers_are_read_as_libhtp_reads_them(void **state)
{
    static const struct {
        const char *block;
        bool chunked, cl_valid;
        uint64_t cl;
        unsigned n_lengths;
        uint32_t an;
    } cases[] = {
        {"HTTP/1.1 200 OK\nContent-Length: 68", false, true, 68, 1, 0},
        {"HTTP/1.1 200 OK\nContent-Length: 68\nContent-Length: 68", false, true, 68, 1, 0},
        {"HTTP/1.1 200 OK\nContent-Length: 68\nContent-Length: 34", false, true, 68, 2,
         AN(CL_DUPLICATE)},
        {"HTTP/1.1 200 OK\nContent-Length: 34( 68)", false, true, 34, 2, AN(CL_INVALID)},
        {"HTTP/1.1 200 OK\nContent-Length: (68) 34", false, true, 68, 2, AN(CL_INVALID)},
        {"HTTP/1.1 200 OK\nContent-Length: 68A", false, true, 68, 1, AN(CL_INVALID)},
        {"HTTP/1.1 200 OK\nContent-Length: abc", false, false, 0, 0, AN(CL_INVALID)},
        {"HTTP/1.1 200 OK\nContent-Length: 99999999999999999999999", false, false, 0, 0,
         AN(CL_INVALID)},
        {"HTTP/1.1 200 OK\nTransfer-Encoding: chunked", true, false, 0, 0, 0},
        {"HTTP/1.1 200 OK\nTransfer-Encoding: Chunked", true, false, 0, 0, 0},
        {"HTTP/1.1 200 OK\nTransfer-Encoding: chunked;", true, false, 0, 0, AN(TE_ABNORMAL)},
        {"HTTP/1.1 200 OK\nTransfer-Encoding: lalala", false, false, 0, 0, AN(TE_ABNORMAL)},
        {"HTTP/1.1 200 OK\nTransfer-Encoding: lalala\nTransfer-Encoding: chunked", true, false, 0,
         0, AN(TE_ABNORMAL) | AN(HEADER_REPETITION)},
        {"HTTP/1.0 200 OK\nTransfer-Encoding: chunked", true, false, 0, 0, AN(TE_OLD_PROTO)},
        {"HTTP/1.1 200 OK\nTransfer-Encoding: chunked\nContent-Length: 5", true, true, 5, 1,
         AN(TE_WITH_CL)},
        {"HTTP/1.1 200 OK\nTransfer-Encoding:\n chunked", true, false, 0, 0, AN(FOLDING)},
        {"HTTP/1.1 200 OK\n Transfer-Encoding: chunked", true, false, 0, 0, AN(FOLDING)},
        {"HTTP/1.1 200 OK\nTransfer-Encoding : chunked", true, false, 0, 0, AN(HEADER_INVALID)},
        {"HTTP/1.1 200 OK\nTransfer\x0b-Encoding: chunked", true, false, 0, 0, AN(HEADER_INVALID)},
        {"HTTP/1.1 200 OK\nX-Foo: bar\n Transfer-Encoding: chunked", true, false, 0, 0,
         AN(FOLDING)},
        {"HTTP/1.1 200 OK\nno colon here", false, false, 0, 0, AN(MISSING_COLON)},
    };
    uint8_t buf[512];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sw_http_head hh;

        read_block(&hh, 1, cases[i].block, buf, sizeof(buf));
        if (hh.chunked != cases[i].chunked || hh.cl_valid != cases[i].cl_valid ||
            hh.cl != cases[i].cl || hh.n_lengths != cases[i].n_lengths ||
            hh.anomalies != cases[i].an)
            fail_msg("case %zu: chunked %d cl_valid %d cl %llu lengths %u anomalies %#x", i,
                     hh.chunked, hh.cl_valid, (unsigned long long)hh.cl, hh.n_lengths,
                     hh.anomalies);
    }
}

static void
content_codings_are_read_as_libhtp_reads_them(void **state)
{
    static const struct {
        const char *block;
        const char *codings; /* g gzip, d deflate, b br, in listed order */
        uint32_t an;
    } cases[] = {
        {"HTTP/1.1 200 OK\nContent-Encoding: gzip", "g", 0},
        {"HTTP/1.1 200 OK\nContent-Encoding: x-gzip", "g", 0},
        {"HTTP/1.1 200 OK\nContent-Encoding: br", "b", 0},
        {"HTTP/1.1 200 OK\nContent-Encoding: identity", "", 0},
        {"HTTP/1.1 200 OK\nContent-Encoding: gzip, deflate", "gd", 0},
        {"HTTP/1.1 200 OK\nContent-Encoding: gzip\nContent-Encoding: gzip", "gg",
         AN(HEADER_REPETITION)},
        {"HTTP/1.1 200 OK\nContent-Encoding: gz\x01ip", "g", AN(CE_ABNORMAL)},
        {"HTTP/1.1 200 OK\nContent-Encoding: gzip_x", "g", AN(CE_ABNORMAL)},
        {"HTTP/1.1 200 OK\nContent-Encoding: x gzip", "g", AN(CE_ABNORMAL)},
        {"HTTP/1.1 200 OK\nContent-Encoding: ,gzip", "g", 0},
        {"HTTP/1.1 200 OK\nContent-Encoding: compress", "", AN(CE_ABNORMAL)},
        {"HTTP/1.1 200 OK\nContent-Encoding: gzip,deflate,gzip,deflate", "gdg",
         AN(TOO_MANY_LAYERS)},
        {"HTTP/1.1 200 OK\nContent-Encoding:\n gzip", "g", AN(FOLDING)},
    };
    uint8_t buf[512];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sw_http_head hh;
        char got[8] = "";

        read_block(&hh, 1, cases[i].block, buf, sizeof(buf));
        for (unsigned k = 0; k < hh.n_coding; k++)
            got[k] = sw_http_coding_name(hh.coding[k])[0];
        if (strcmp(got, cases[i].codings) != 0 || hh.anomalies != cases[i].an)
            fail_msg("case %zu: codings %s anomalies %#x", i, got, hh.anomalies);
    }
}

static void
kept_values_survive_folding(void **state)
{
    uint8_t buf[512];
    struct sw_http_head hh;

    (void)state;
    read_block(&hh, 0,
               "GET /dir/file.exe?x=1 HTTP/1.1\nHost: example.com\nUser-Agent: a\n b\n"
               "Content-Type: text/plain",
               buf, sizeof(buf));
    assert_int_equal(hh.method.len, 3);
    assert_memory_equal(buf + hh.method.off, "GET", 3);
    assert_memory_equal(buf + hh.uri.off, "/dir/file.exe?x=1", hh.uri.len);
    assert_int_equal(hh.hdr[SW_HTTP_H_HOST].len, 11);
    assert_memory_equal(buf + hh.hdr[SW_HTTP_H_HOST].off, "example.com", 11);
    assert_int_equal(hh.hdr[SW_HTTP_H_UA].len, 3);
    assert_memory_equal(buf + hh.hdr[SW_HTTP_H_UA].off, "a b", 3);
    assert_memory_equal(buf + hh.hdr[SW_HTTP_H_CTYPE].off, "text/plain", 10);
    assert_true(hh.anomalies & AN(FOLDING));
}

/* The span of buf a field part is, as a string (for comparing). */
static const char *
text_of(const uint8_t *buf, struct sw_http_span sp)
{
    static char out[256];

    assert_true(sp.len < sizeof(out));
    memcpy(out, buf + sp.off, sp.len);
    out[sp.len] = '\0';
    return out;
}

/* Each field is recorded with its name and value (blanks trimmed, an obsolete folded line
 * joined to its header; a folded line with a colon after a header with one is a header of
 * its own, as libhtp reads it), and the start line's parts: the detection stage's HTTP
 * buffers are built from them. A block without a table records nothing; past the table's
 * size fields are counted. */
static void
fields_and_start_line_parts_are_recorded(void **state)
{
    uint8_t buf[8192];
    struct sw_http_head hh;
    char big[6000];
    size_t o;

    (void)state;
    read_block(&hh, 0,
               "POST /up.php HTTP/1.0\nHost:  h.example  \nX-Long: a\n b\nA: 1\n C: 2\nEmpty:",
               buf, sizeof(buf));
    assert_string_equal(text_of(buf, hh.line), "POST /up.php HTTP/1.0");
    assert_string_equal(text_of(buf, hh.proto), "HTTP/1.0");
    assert_int_equal(hh.n_fields, 5);
    assert_string_equal(text_of(buf, hh.fields[0].name), "Host");
    assert_string_equal(text_of(buf, hh.fields[0].value), "h.example");
    assert_string_equal(text_of(buf, hh.fields[1].name), "X-Long");
    assert_string_equal(text_of(buf, hh.fields[1].value), "a b");
    assert_string_equal(text_of(buf, hh.fields[2].name), "A");
    assert_string_equal(text_of(buf, hh.fields[3].name), "C");
    assert_string_equal(text_of(buf, hh.fields[3].value), "2");
    assert_string_equal(text_of(buf, hh.fields[4].name), "Empty");
    assert_int_equal(hh.fields[4].value.len, 0);

    read_block(&hh, 1, "HTTP/1.1 404 Not  Found\nServer: x", buf, sizeof(buf));
    assert_string_equal(text_of(buf, hh.proto), "HTTP/1.1");
    assert_string_equal(text_of(buf, hh.stat), "404");
    assert_string_equal(text_of(buf, hh.stat_msg), "Not  Found");
    assert_int_equal(hh.n_fields, 1);

    o = (size_t)snprintf(big, sizeof(big), "GET / HTTP/1.1");
    for (int i = 0; i < SW_HTTP_MAX_FIELDS + 3; i++)
        o += (size_t)snprintf(big + o, sizeof(big) - o, "\nH%d: v", i);
    read_block(&hh, 0, big, buf, sizeof(buf));
    assert_int_equal(hh.n_fields, SW_HTTP_MAX_FIELDS);
    assert_int_equal(hh.fields_cut, 3);

    sw_http_head_init(&hh, 0, NULL); /* no table: nothing recorded, nothing cut */
    memcpy(buf, "GET / HTTP/1.1", 14);
    assert_true(sw_http_head_start(&hh, buf, 0, 14));
    memcpy(buf + 14, "A: 1", 4);
    (void)sw_http_head_line(&hh, buf, 14, 4);
    sw_http_head_end(&hh, buf);
    assert_int_equal(hh.n_fields, 0);
    assert_int_equal(hh.fields_cut, 0);
}

/* The file name of a body (moved here from test_app_http.c with the helpers): the
 * Content-Disposition's (filename* first, directories removed), else the URI's last path
 * segment. */
static void
file_names_come_from_disposition_or_uri(void **state)
{
    static const struct {
        const char *cd, *uri, *want;
    } cases[] = {
        {"attachment; filename=\"a b.exe\"", "/x", "a b.exe"},
        {"attachment; filename=plain.zip", "/x", "plain.zip"},
        {"attachment; filename=\"x.txt\"; filename*=UTF-8''%E2%82%AC%20rates.pdf", "/x",
         "\xe2\x82\xac rates.pdf"},
        {"attachment; filename*=UTF-8''first.doc; filename=\"second.doc\"", "/x", "first.doc"},
        {"attachment; filename=\"../../etc/passwd\"", "/x", "passwd"},
        {"attachment; filename=\"C:\\\\dir\\\\evil.dll\"", "/x", "evil.dll"},
        {"inline", "/path/to/doc%20one.pdf?q=1#f", "doc one.pdf"},
        {NULL, "http://host.example/dir/name.js?v=2", "name.js"},
        {NULL, "/dir/", ""},
        {NULL, "*", "*"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[512] = "";

        if (cases[i].cd != NULL)
            sw_http_hdr_disposition_name((const uint8_t *)cases[i].cd, strlen(cases[i].cd), out);
        if (out[0] == '\0')
            sw_http_hdr_uri_name((const uint8_t *)cases[i].uri, strlen(cases[i].uri), out);
        assert_string_equal(out, cases[i].want);
    }
}

static void
anomaly_names_follow_suricata(void **state)
{
    (void)state;
    assert_string_equal(sw_http_anomaly_name(SW_HTTP_AN_CL_DUPLICATE, 1),
                        "DUPLICATE_CONTENT_LENGTH_FIELD_IN_RESPONSE");
    assert_string_equal(sw_http_anomaly_name(SW_HTTP_AN_CL_DUPLICATE, 0),
                        "DUPLICATE_CONTENT_LENGTH_FIELD_IN_REQUEST");
    assert_string_equal(sw_http_anomaly_name(SW_HTTP_AN_GZIP_FAILED, 1),
                        "GZIP_DECOMPRESSION_FAILED");
    assert_string_equal(sw_http_anomaly_name(SW_HTTP_AN_COUNT, 1), "");
    for (int a = 0; a < SW_HTTP_AN_COUNT; a++) {
        for (int dir = 0; dir < 2; dir++) {
            const char *n = sw_http_anomaly_name((enum sw_http_anomaly)a, dir);

            assert_true(n[0] != '\0');
            for (const char *p = n; *p != '\0'; p++)
                assert_true((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_');
        }
    }
    assert_string_equal(sw_http_anomaly_first(AN(FOLDING) | AN(CL_INVALID), 1),
                        "INVALID_CONTENT_LENGTH_FIELD_IN_RESPONSE");
    assert_string_equal(sw_http_anomaly_first(0, 1), "");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(line_ends_are_read_as_libhtp_reads_them),
        cmocka_unit_test(chunk_sizes_are_read_with_their_junk),
        cmocka_unit_test(status_lines_are_read_leniently),
        cmocka_unit_test(framing_headers_are_read_as_libhtp_reads_them),
        cmocka_unit_test(content_codings_are_read_as_libhtp_reads_them),
        cmocka_unit_test(kept_values_survive_folding),
        cmocka_unit_test(fields_and_start_line_parts_are_recorded),
        cmocka_unit_test(file_names_come_from_disposition_or_uri),
        cmocka_unit_test(anomaly_names_follow_suricata),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
