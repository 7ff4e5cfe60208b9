/* fuzz_http_answer.c - libFuzzer target for the http sink's readers of receiver answers
 * (output/sink_http_fmt.c): an Elasticsearch _bulk answer, a Splunk HEC answer and a HEC
 * acknowledgement answer. The answers come from the network, so they are hostile input.
 *
 * Input: the first byte picks how many documents the _bulk request held (0..255); the rest
 * is the answer body, given to all three readers.
 * Checks: every per-item result is one of the four outcomes and every reason is a
 * NUL-terminated line; acknowledged ids are never more than asked for and never negative;
 * the sanitizer build finds any read outside the body. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../output/http_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum item_result res[256];
    char why[256][200];
    char err[256], text[160];
    int64_t acked[8], ack_id, invalid;
    long code, n_acked;
    size_t n;

    if (size < 1)
        return 0;
    n = data[0];
    data++;
    size--;
    if (http_es_results((const char *)data, size, n, res, why, err, sizeof(err))) {
        for (size_t i = 0; i < n; i++) {
            if (res[i] != ITEM_ACK && res[i] != ITEM_RESEND && res[i] != ITEM_RESEND_MAYBE &&
                res[i] != ITEM_REJECT)
                abort();
            if (memchr(why[i], '\0', sizeof(why[i])) == NULL)
                abort();
        }
    } else if (memchr(err, '\0', sizeof(err)) == NULL) {
        abort();
    }
    http_hec_answer((const char *)data, size, &code, &ack_id, &invalid, text, sizeof(text));
    if (memchr(text, '\0', sizeof(text)) == NULL || ack_id < -1 || invalid < -1)
        abort();
    n_acked = http_hec_acks((const char *)data, size, acked, 8);
    if (n_acked > 8 || n_acked < -1)
        abort();
    for (long i = 0; i < n_acked; i++)
        if (acked[i] < 0)
            abort();
    return 0;
}
