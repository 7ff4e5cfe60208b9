/* fuzz_truncate.c - libFuzzer target for the cut of an oversize event to max_message_size
 * (sw_sink_truncate_json in output/sink.c: a scanner of top-level JSON members, used by the
 * syslog sink).
 *
 * Input: two bytes of limit (little-endian, the max of the cut), then the line. Checks: the
 * result never exceeds the limit (nor writes past it: the output buffer is exactly max bytes,
 * so the sanitizer build sees an overrun); a line that fits is copied unchanged; when the line
 * is a JSON object (Jansson parses it), a non-empty cut is a JSON object too, ending in
 * "truncated":true, and starts with the line's bytes up to its last comma. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sw/sink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char tail[] = "\"truncated\":true}";
    const char *line;
    size_t max, len, n;
    char *out;
    json_t *in;

    if (size < 2)
        return 0;
    max = (size_t)data[0] | (size_t)data[1] << 8;
    line = (const char *)data + 2;
    len = size - 2;
    out = malloc(max > 0 ? max : 1);
    if (out == NULL)
        return 0;
    n = sw_sink_truncate_json(line, len, out, max);
    if (n > max)
        abort();
    if (len <= max && (n != len || memcmp(out, line, len) != 0))
        abort();
    in = json_loadb(line, len, 0, NULL);
    if (len > max && n > 0 && in != NULL && json_is_object(in)) {
        json_t *cut = json_loadb(out, n, 0, NULL);

        if (cut == NULL || !json_is_object(cut) ||
            json_object_get(cut, "truncated") != json_true() ||
            memcmp(out + n - (sizeof(tail) - 1), tail, sizeof(tail) - 1) != 0 ||
            memcmp(out, line, n - (sizeof(tail) - 1)) != 0)
            abort();
        json_decref(cut);
    }
    json_decref(in);
    free(out);
    return 0;
}
