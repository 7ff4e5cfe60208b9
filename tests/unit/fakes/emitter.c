/* emitter.c - the collecting emitter (see fakes.h). Test thread only. */
#include "fakes.h"

#include <stdio.h>
#include <string.h>

static void
collect(struct sw_emitter *em, struct sw_event *ev)
{
    struct fake_emitter *fe = em->ctx;

    if (fe->n < FAKE_EMITTER_MAX) {
        fe->type[fe->n] = (int)ev->type;
        fe->rule[fe->n][0] = '\0';
        if (ev->type == SW_EV_ALERT && ev->file != NULL && ev->file->rule != NULL)
            snprintf(fe->rule[fe->n], sizeof(fe->rule[0]), "%s", ev->file->rule);
    }
    fe->n++;
    sw_event_destroy(ev);
}

void
fake_emitter_init(struct fake_emitter *fe)
{
    memset(fe, 0, sizeof(*fe));
    fe->em.emit = collect;
    fe->em.ctx = fe;
}

size_t
fake_emitter_rule_count(const struct fake_emitter *fe, const char *rule)
{
    size_t k = 0;

    for (size_t i = 0; i < fe->n && i < FAKE_EMITTER_MAX; i++)
        if (strcmp(fe->rule[i], rule) == 0)
            k++;
    return k;
}
