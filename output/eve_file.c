/* eve_file.c - EVE encoding of files (see output/eve_parts.h): files on disk from
 * `seawall scan` (fileinfo, seawall's file object, yara matches, the closing stats), HTTP
 * bodies of flows (fileinfo, http, seawall.http_body) and YARA matches on flows. */
#include <stdio.h>
#include <string.h>

#include "eve_parts.h"

void
sw_eve_put_fileinfo(struct sw_eve_writer *w, const struct sw_file_part *f)
{
    sw_eve_open_obj(w, "fileinfo");
    if (f->has_http) { /* a body off the wire: Suricata's fields for a file of a flow */
        sw_eve_put_str(w, "filename", f->path);
        sw_eve_put_str(w, "magic", f->magic);
        sw_eve_put_bool(w, "gaps", f->gaps);
        /* Suricata's file states; ERROR: a content coding did not decode (the bytes are as
         * they came; seawall.http_body.decode_error names the coding) */
        sw_eve_put_str(w, "state",
                       f->decode_error ? "ERROR"
                       : f->truncated  ? "TRUNCATED"
                                       : "CLOSED");
        sw_eve_put_str(w, "sha256", f->sha256);
        sw_eve_put_bool(w, "stored", false);
        sw_eve_put_u64(w, "size", f->size);
    } else {
        sw_eve_put_str(w, "filename", f->path);
        sw_eve_put_u64(w, "size", f->size);
        sw_eve_put_str(w, "sha256", f->sha256);
        sw_eve_put_str(w, "magic", f->magic);
    }
    sw_eve_close(w);
}

/* seawall's own "file" object: ownership and times that Suricata's fileinfo has no place
 * for. mode is the octal text ls -l users read ("0644"). */
static void
put_file(struct sw_eve_writer *w, const struct sw_file_part *f)
{
    char mode[16];

    sw_eve_open_obj(w, "file");
    sw_eve_put_str(w, "owner", f->owner);
    snprintf(mode, sizeof(mode), "%04o", (unsigned)(f->mode & 07777));
    sw_eve_put_str(w, "mode", mode);
    sw_eve_put_u64(w, "uid", f->uid);
    sw_eve_put_u64(w, "gid", f->gid);
    sw_eve_put_time(w, "mtime", (uint64_t)(f->mtime_s > 0 ? f->mtime_s : 0) * 1000000u);
    if (f->pid > 0) { /* the writer, as fim.process has it */
        sw_eve_open_obj(w, "process");
        sw_eve_put_u64(w, "pid", (uint64_t)f->pid);
        sw_eve_put_str(w, "comm", f->comm);
        sw_eve_close(w);
    }
    sw_eve_close(w);
}

/* Rule meta keys are the rule author's: a key that is not valid UTF-8 is left out. A key
 * given twice in a rule keeps its last value at its first place, as yara -m prints. */
static void
put_yara_meta(struct sw_eve_writer *w, const struct sw_file_part *f)
{
    sw_eve_open_obj(w, "meta");
    for (unsigned i = 0; i < f->n_meta; i++) {
        const struct sw_yara_meta_kv *m = &f->meta[i];
        bool seen = false;

        if (m->key == NULL || !sw_eve_utf8_valid(m->key, strlen(m->key)))
            continue;
        for (unsigned j = 0; j < i && !seen; j++)
            seen = f->meta[j].key != NULL && strcmp(f->meta[j].key, m->key) == 0;
        if (seen)
            continue;
        for (unsigned j = i + 1; j < f->n_meta; j++)
            if (f->meta[j].key != NULL && strcmp(f->meta[j].key, m->key) == 0)
                m = &f->meta[j];
        sw_eve_put_key(w, m->key);
        if (m->kind == SW_YARA_META_KIND_INT)
            sw_eve_put_i64(w, NULL, m->num);
        else if (m->kind == SW_YARA_META_KIND_BOOL)
            sw_eve_put_bool(w, NULL, m->num != 0);
        else
            sw_eve_put_strn(w, NULL, m->str, strlen(m->str));
    }
    sw_eve_close(w);
}

void
sw_eve_put_yara(struct sw_eve_writer *w, const struct sw_file_part *f)
{
    sw_eve_open_obj(w, "yara");
    sw_eve_put_str(w, "rule", f->rule);
    sw_eve_put_str(w, "namespace", f->ns);
    sw_eve_open_arr(w, "tags");
    for (unsigned i = 0; i < f->n_tags; i++)
        sw_eve_put_str_valid(w, NULL, f->tags[i]);
    sw_eve_close(w);
    put_yara_meta(w, f);
    sw_eve_open_arr(w, "strings");
    for (unsigned i = 0; i < f->n_strings; i++) {
        const struct sw_yara_str_match *s = &f->strings[i];

        sw_eve_open_obj(w, NULL);
        sw_eve_put_str(w, "identifier", s->identifier);
        sw_eve_put_u64(w, "offset", s->offset);
        sw_eve_put_u64(w, "length", s->length);
        sw_eve_put_str_valid(w, "data", s->data != NULL ? s->data : "");
        sw_eve_close(w);
    }
    sw_eve_close(w);
    sw_eve_put_u64(w, "strings_total", f->strings_total);
    sw_eve_close(w);
}

/* Whether seawall.http_body has something to say. */
bool
sw_eve_has_http_body(const struct sw_file_part *f)
{
    return f->decode_error || (f->http_reading != NULL && f->http_reading[0] != '\0');
}

/* seawall.http_body: what Suricata's fileinfo has no field for. */
void
sw_eve_put_http_body(struct sw_eve_writer *w, const struct sw_file_part *f)
{
    sw_eve_open_obj(w, "http_body");
    if (f->http_reading != NULL && f->http_reading[0] != '\0') {
        sw_eve_put_str(w, "reading", f->http_reading);
        sw_eve_put_str(w, "anomaly", f->http_anomaly);
    }
    if (f->decode_error)
        sw_eve_put_str(w, "decode_error", f->http_decode_failed);
    sw_eve_close(w);
}

/* Suricata's http object for the transaction an HTTP body belongs to. */
void
sw_eve_put_http_of_body(struct sw_eve_writer *w, const struct sw_file_part *f)
{
    sw_eve_open_obj(w, "http");
    sw_eve_put_str(w, "hostname", f->http_host);
    sw_eve_put_str(w, "url", f->http_url);
    sw_eve_put_str(w, "http_user_agent", f->http_user_agent);
    sw_eve_put_str(w, "http_content_type", f->http_content_type);
    sw_eve_put_str(w, "http_method", f->http_method);
    if (f->http_status != 0)
        sw_eve_put_u64(w, "status", f->http_status);
    sw_eve_close(w);
}

static void
put_scan(struct sw_eve_writer *w, const struct sw_scan_counts *c)
{
    sw_eve_open_obj(w, "scan");
    sw_eve_put_u64(w, "files", c->files);
    sw_eve_put_u64(w, "bytes", c->bytes);
    sw_eve_put_u64(w, "dirs", c->dirs);
    sw_eve_put_u64(w, "matches", c->matches);
    sw_eve_put_u64(w, "files_matched", c->files_matched);
    sw_eve_open_obj(w, "skipped");
    sw_eve_put_u64(w, "size", c->skipped_size);
    sw_eve_put_u64(w, "special", c->skipped_special);
    sw_eve_put_u64(w, "symlink", c->skipped_symlink);
    sw_eve_put_u64(w, "excluded", c->skipped_excluded);
    sw_eve_put_u64(w, "other_fs", c->skipped_other_fs);
    sw_eve_close(w);
    sw_eve_put_u64(w, "errors", c->errors);
    sw_eve_put_u64(w, "timeouts", c->timeouts);
    sw_eve_put_u64(w, "too_many_matches", c->too_many_matches);
    sw_eve_put_u64(w, "elapsed_ms", c->elapsed_us / 1000u);
    sw_eve_open_obj(w, "rules");
    sw_eve_put_u64(w, "files", c->rule_files);
    sw_eve_put_u64(w, "files_failed", c->rule_files_failed);
    sw_eve_put_u64(w, "rules", c->rules);
    sw_eve_close(w);
    sw_eve_close(w);
}

/* A file on disk: what follows the host, the seawall object last (left out when empty). */
void
sw_eve_put_file_event(struct sw_eve_writer *w, const struct sw_event *ev)
{
    const struct sw_file_part *f = ev->file;

    switch (ev->type) {
    case SW_EV_ALERT:
        sw_eve_put_alert(w, &ev->u.alert);
        if (f->rule != NULL) /* not an IOC list match, which has no yara part */
            sw_eve_put_yara(w, f);
        sw_eve_put_fileinfo(w, f);
        put_file(w, f);
        break;
    case SW_EV_FILEINFO:
        sw_eve_put_fileinfo(w, f);
        put_file(w, f);
        break;
    case SW_EV_STATS:
        sw_eve_open_obj(w, "stats");
        sw_eve_put_u64(w, "uptime", f->scan.elapsed_us / 1000000u);
        sw_eve_close(w);
        break;
    default:
        break;
    }
    struct sw_eve_mark m = sw_eve_open_obj(w, "seawall");
    if (ev->type == SW_EV_ALERT)
        sw_eve_put_str(w, "detector", ev->u.alert.detector);
    if (ev->type == SW_EV_STATS && f->has_scan)
        put_scan(w, &f->scan);
    sw_eve_close_drop_empty(w, m);
}
