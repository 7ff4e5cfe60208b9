/* fuzz_eve_writer.c - the streaming EVE writer (output/eve_writer.c) against Jansson.
 *
 * The input is split at its first byte's value into a key-ish prefix and a value: the value
 * goes through sw_eve_put_strn as a member of an object and of an array, and the text must
 * be what Jansson's compact dump writes for the same string (or, for bytes Jansson refuses
 * as UTF-8, for their \xNN form), must parse back with json_loads, and sw_eve_utf8_valid must
 * agree with Jansson. A data key (sw_eve_put_key) and a number made of the first bytes ride
 * along. Aborts on any difference. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw/eve_writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The old fallback: \xNN for bytes outside printable ASCII, cut before 1024 characters. */
static json_t *
hex_form(const uint8_t *s, size_t n)
{
    char buf[1024];
    size_t o = 0;

    for (size_t i = 0; i < n && o + 5 < sizeof(buf); i++) {
        if (s[i] >= 0x20 && s[i] < 0x7f)
            buf[o++] = (char)s[i];
        else
            o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\\x%02x", s[i]);
    }
    buf[o] = '\0';
    return json_string(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sw_eve_writer w;
    size_t split = size > 0 ? data[0] % (size + 1) : 0;
    char key[64];
    int64_t num = 0;
    json_t *ref, *root, *back;
    char *want;

    if (size > 16384)
        return 0;
    /* a key without NUL (keys are C strings), at most 63 bytes, ASCII: Jansson cannot dump
     * a key that is not UTF-8 (seawall's keys are its own names and rule metadata keys) */
    size_t kn = 0;
    for (size_t i = 1; i < split && kn < sizeof(key) - 1; i++)
        if ((data[i] & 0x7f) != 0)
            key[kn++] = (char)(data[i] & 0x7f);
    key[kn] = '\0';
    memcpy(&num, data, size < sizeof(num) ? size : sizeof(num));
    const uint8_t *val = data + split;
    size_t vn = size - split;

    ref = json_stringn((const char *)val, vn);
    if ((ref != NULL) != sw_eve_utf8_valid((const char *)val, vn))
        abort();
    if (ref == NULL)
        ref = hex_form(val, vn);
    root = json_object();
    json_t *arr = json_array();
    json_array_append(arr, ref);
    json_array_append_new(arr, json_integer(num));
    json_object_set_new_nocheck(root, "v", ref);
    json_object_set_new_nocheck(root, key, arr); /* a data key: escaped, not checked */
    want = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);

    sw_eve_writer_init(&w, 0);
    sw_eve_open_obj(&w, NULL);
    sw_eve_put_strn(&w, "v", (const char *)val, vn);
    if (strcmp(key, "v") != 0) { /* Jansson replaced "v" in place: skip that shape */
        sw_eve_put_key(&w, key);
        sw_eve_open_arr(&w, NULL);
        sw_eve_put_strn(&w, NULL, (const char *)val, vn);
        sw_eve_put_i64(&w, NULL, num);
        sw_eve_close(&w);
    }
    sw_eve_close(&w);
    if (w.failed || !sw_eve_reserve(&w, 1))
        abort();
    w.buf[w.len] = '\0';
    if (want == NULL || (strcmp(key, "v") != 0 && strcmp(want, w.buf) != 0))
        abort();
    back = json_loads(w.buf, JSON_ALLOW_NUL, NULL);
    if (back == NULL)
        abort();
    json_decref(back);
    free(want);
    json_decref(root);
    sw_eve_writer_fini(&w);
    return 0;
}
