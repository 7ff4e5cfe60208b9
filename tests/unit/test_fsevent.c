/* test_fsevent.c - unit tests of the fanotify and inotify record parsers
 * (include/sw/fsevent.h, collectors/file/fsevent.c).
 *
 * Buffers are built here as the kernel lays them out; each malformation the parser must
 * refuse (cut records, lengths past the end, names without their NUL, handles longer than
 * MAX_HANDLE_SZ or than their record, a zero event length that would never advance) is one
 * case, and a refused record leaves the offset where it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <linux/fanotify.h>
#include <string.h>
#include <sys/inotify.h>

#include "sw/fsevent.h"

struct buf {
    uint8_t b[4096];
    size_t n;
};

static void
put(struct buf *b, const void *p, size_t n)
{
    assert_true(b->n + n <= sizeof(b->b));
    memcpy(b->b + b->n, p, n);
    b->n += n;
}

/* A FID record of rtype with a handle of hb bytes (0xab) and an optional name; total length
 * padded to 4. Returns its length. */
static size_t
fid_record(struct buf *b, uint8_t rtype, uint32_t hb, const char *name)
{
    size_t start = b->n, body = 8 + 8 + hb + (name != NULL ? strlen(name) + 1 : 0);
    size_t len = 4 + body + ((4 - (4 + body) % 4) % 4);
    struct fanotify_event_info_header h = {.info_type = rtype, .len = (uint16_t)len};
    uint32_t fsid[2] = {0x11111111u, 0x22222222u}, hbytes = hb;
    int32_t ht = 1;
    uint8_t handle[256];

    memset(handle, 0xab, sizeof(handle));
    put(b, &h, sizeof(h));
    put(b, fsid, sizeof(fsid));
    put(b, &hbytes, 4);
    put(b, &ht, 4);
    put(b, handle, hb);
    if (name != NULL)
        put(b, name, strlen(name) + 1);
    while (b->n - start < len)
        put(b, "", 1);
    return len;
}

/* Start an event at b->n; finish_event() patches its length. */
static size_t
begin_event(struct buf *b, uint64_t mask, int32_t fd)
{
    struct fanotify_event_metadata m = {
        .vers = FANOTIFY_METADATA_VERSION,
        .metadata_len = sizeof(m),
        .mask = mask,
        .fd = fd,
        .pid = 77,
    };
    size_t at = b->n;

    put(b, &m, sizeof(m));
    return at;
}

static void
finish_event(struct buf *b, size_t at)
{
    uint32_t len = (uint32_t)(b->n - at);

    memcpy(b->b + at, &len, sizeof(len));
}

static void
fan_create_rename_attrib_parse(void **state)
{
    struct buf b = {.n = 0};
    struct sw_fan_event ev;
    size_t off = 0, at;

    (void)state;
    at = begin_event(&b, FAN_CREATE, FAN_NOFD);
    fid_record(&b, FAN_EVENT_INFO_TYPE_DFID_NAME, 8, "shell.php");
    finish_event(&b, at);
    at = begin_event(&b, FAN_RENAME | FAN_ONDIR, FAN_NOFD);
    fid_record(&b, FAN_EVENT_INFO_TYPE_OLD_DFID_NAME, 8, "old");
    fid_record(&b, FAN_EVENT_INFO_TYPE_NEW_DFID_NAME, 12, "new\n\xff");
    fid_record(&b, FAN_EVENT_INFO_TYPE_FID, 8, NULL);
    finish_event(&b, at);
    at = begin_event(&b, FAN_ATTRIB, FAN_NOFD);
    fid_record(&b, FAN_EVENT_INFO_TYPE_FID, SW_FSEVENT_MAX_HANDLE, NULL);
    finish_event(&b, at);

    assert_int_equal(sw_fsevent_fan_next(b.b, b.n, &off, &ev), SW_OK);
    assert_int_equal(ev.mask, FAN_CREATE);
    assert_int_equal(ev.pid, 77);
    assert_true(ev.has_dfid && !ev.has_fid && !ev.has_old);
    assert_string_equal(ev.name, "shell.php");
    assert_int_equal(ev.dfid.handle_bytes, 8);
    assert_int_equal(ev.dfid.fsid, 0x2222222211111111ull);
    assert_int_equal(ev.dfid.handle[0], 0xab);

    assert_int_equal(sw_fsevent_fan_next(b.b, b.n, &off, &ev), SW_OK);
    assert_true(ev.has_old && ev.has_new && ev.has_fid && !ev.has_dfid);
    assert_string_equal(ev.old_name, "old");
    assert_string_equal(ev.new_name, "new\n\xff"); /* bytes as they are: escaped in EVE */
    assert_int_equal(ev.new_dfid.handle_bytes, 12);
    assert_null(ev.name);

    assert_int_equal(sw_fsevent_fan_next(b.b, b.n, &off, &ev), SW_OK);
    assert_true(ev.has_fid);
    assert_int_equal(ev.fid.handle_bytes, SW_FSEVENT_MAX_HANDLE);
    assert_int_equal(sw_fsevent_fan_next(b.b, b.n, &off, &ev), SW_EOF);
    assert_int_equal(off, b.n);
}

static void
fan_descriptor_mode_and_overflow_parse(void **state)
{
    struct buf b = {.n = 0};
    struct sw_fan_event ev;
    size_t off = 0, at;

    (void)state;
    at = begin_event(&b, FAN_CLOSE_WRITE, 9);
    finish_event(&b, at);
    at = begin_event(&b, FAN_Q_OVERFLOW, FAN_NOFD);
    finish_event(&b, at);
    assert_int_equal(sw_fsevent_fan_next(b.b, b.n, &off, &ev), SW_OK);
    assert_int_equal(ev.fd, 9);
    assert_false(ev.has_fid || ev.has_dfid);
    assert_int_equal(sw_fsevent_fan_next(b.b, b.n, &off, &ev), SW_OK);
    assert_int_equal(ev.mask, FAN_Q_OVERFLOW);
    assert_int_equal(ev.fd, FAN_NOFD);
}

/* Every malformed event is refused and leaves the offset alone. */
static void
fan_malformed_records_are_refused(void **state)
{
    enum { CUT, ZERO_LEN, PAST_END, BAD_VERSION, META_SHORT, NAME_NO_NUL, EMPTY_NAME,
           HANDLE_TOO_LONG, HANDLE_PAST_RECORD, INFO_LEN_SHORT, INFO_PAST_EVENT, TWICE, N };

    (void)state;
    for (int c = 0; c < N; c++) {
        struct buf b = {.n = 0};
        struct sw_fan_event ev;
        size_t off = 0, at, rl = 0;
        uint32_t v;

        at = begin_event(&b, FAN_CREATE, FAN_NOFD);
        if (c == HANDLE_TOO_LONG)
            rl = fid_record(&b, FAN_EVENT_INFO_TYPE_DFID_NAME, SW_FSEVENT_MAX_HANDLE + 1, "x");
        else if (c == EMPTY_NAME)
            rl = fid_record(&b, FAN_EVENT_INFO_TYPE_DFID_NAME, 8, "");
        else
            rl = fid_record(&b, FAN_EVENT_INFO_TYPE_DFID_NAME, 8, "name");
        if (c == TWICE)
            fid_record(&b, FAN_EVENT_INFO_TYPE_DFID_NAME, 8, "again");
        finish_event(&b, at);
        switch (c) {
        case CUT:
            b.n -= 3;
            break;
        case ZERO_LEN:
            v = 0;
            memcpy(b.b, &v, 4);
            break;
        case PAST_END:
            v = (uint32_t)b.n + 4;
            memcpy(b.b, &v, 4);
            break;
        case BAD_VERSION:
            b.b[4] = FANOTIFY_METADATA_VERSION + 1;
            break;
        case META_SHORT:
            b.b[6] = 8; /* metadata_len below the fixed part */
            b.b[7] = 0;
            break;
        case NAME_NO_NUL:
            memset(b.b + b.n - 8, 'z', 8); /* "name" + NUL + padding overwritten */
            break;
        case HANDLE_PAST_RECORD:
            v = 64;
            memcpy(b.b + sizeof(struct fanotify_event_metadata) + 4 + 8, &v, 4);
            break;
        case INFO_LEN_SHORT:
            b.b[sizeof(struct fanotify_event_metadata) + 2] = 2;
            b.b[sizeof(struct fanotify_event_metadata) + 3] = 0;
            break;
        case INFO_PAST_EVENT:
            b.b[sizeof(struct fanotify_event_metadata) + 2] = (uint8_t)(rl + 4);
            break;
        default:
            break;
        }
        assert_int_equal(sw_fsevent_fan_next(b.b, b.n, &off, &ev), SW_EINVAL);
        assert_int_equal(off, 0);
    }
}

static void
fan_empty_buffer_is_eof(void **state)
{
    struct sw_fan_event ev;
    size_t off = 0;
    uint8_t one = 0;

    (void)state;
    assert_int_equal(sw_fsevent_fan_next(&one, 0, &off, &ev), SW_EOF);
    assert_int_equal(sw_fsevent_fan_next(&one, 1, &off, &ev), SW_EINVAL);
}

static void
in_put(struct buf *b, int32_t wd, uint32_t mask, uint32_t cookie, const char *name, size_t pad)
{
    size_t nl = name != NULL ? strlen(name) + 1 + pad : 0;
    struct inotify_event ie = {.wd = wd, .mask = mask, .cookie = cookie, .len = (uint32_t)nl};

    put(b, &ie, sizeof(ie));
    if (name != NULL) {
        put(b, name, strlen(name) + 1);
        for (size_t i = 0; i < pad; i++)
            put(b, "", 1);
    }
}

static void
in_events_parse_and_malformed_are_refused(void **state)
{
    struct buf b = {.n = 0};
    struct sw_in_event ev;
    size_t off = 0;

    (void)state;
    in_put(&b, 3, IN_MOVED_FROM, 99, "a.tmp", 10);
    in_put(&b, 4, IN_MOVED_TO, 99, "x\ny", 0);
    in_put(&b, -1, IN_Q_OVERFLOW, 0, NULL, 0);
    assert_int_equal(sw_fsevent_in_next(b.b, b.n, &off, &ev), SW_OK);
    assert_int_equal(ev.wd, 3);
    assert_int_equal(ev.cookie, 99);
    assert_string_equal(ev.name, "a.tmp");
    assert_int_equal(sw_fsevent_in_next(b.b, b.n, &off, &ev), SW_OK);
    assert_string_equal(ev.name, "x\ny");
    assert_int_equal(sw_fsevent_in_next(b.b, b.n, &off, &ev), SW_OK);
    assert_int_equal(ev.mask, IN_Q_OVERFLOW);
    assert_string_equal(ev.name, "");
    assert_int_equal(sw_fsevent_in_next(b.b, b.n, &off, &ev), SW_EOF);

    /* Cut in the header, cut in the name, a name without its NUL. */
    b.n = 0;
    in_put(&b, 3, IN_CREATE, 0, "abc", 0);
    off = 0;
    assert_int_equal(sw_fsevent_in_next(b.b, 10, &off, &ev), SW_EINVAL);
    assert_int_equal(sw_fsevent_in_next(b.b, b.n - 1, &off, &ev), SW_EINVAL);
    b.b[b.n - 1] = 'd';
    assert_int_equal(sw_fsevent_in_next(b.b, b.n, &off, &ev), SW_EINVAL);
    assert_int_equal(off, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fan_create_rename_attrib_parse),
        cmocka_unit_test(fan_descriptor_mode_and_overflow_parse),
        cmocka_unit_test(fan_malformed_records_are_refused),
        cmocka_unit_test(fan_empty_buffer_is_eof),
        cmocka_unit_test(in_events_parse_and_malformed_are_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
