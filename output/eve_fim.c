/* eve_fim.c - the "fim" object of fim events (an EVE extension: Suricata has no file
 * integrity events). Field names are documented in README "File integrity (FIM)":
 *   fim.action     added | modified | attributes | moved | deleted
 *   fim.origin     walk (found by comparing a walk with the baseline) | live (a file event)
 *   fim.path, fim.old_path (moved; modified by a file moved in over it)
 *   fim.changed    names in this order: size, mode, uid, gid, mtime, sha256, type
 *   fim.old, fim.new  type, size, mode (octal text), uid, gid, owner, mtime, sha256, target
 *   fim.process    pid, comm (live events where the source knows the writer) */
#include "eve_parts.h"

#include <stdio.h>
#include <sys/stat.h>

static const char *
action_name(uint8_t a)
{
    switch (a) {
    case SW_FIM_ADDED: return "added";
    case SW_FIM_MODIFIED: return "modified";
    case SW_FIM_ATTRIBUTES: return "attributes";
    case SW_FIM_MOVED: return "moved";
    case SW_FIM_DELETED: return "deleted";
    default: return "unknown";
    }
}

static const char *
type_name(uint32_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG: return "file";
    case S_IFLNK: return "symlink";
    case S_IFDIR: return "directory";
    case S_IFIFO: return "fifo";
    case S_IFSOCK: return "socket";
    case S_IFCHR: return "chardev";
    case S_IFBLK: return "blockdev";
    default: return "unknown";
    }
}

static void
put_state(struct sw_eve_writer *w, const char *key, const struct sw_fim_state *s)
{
    char mode[16];

    sw_eve_open_obj(w, key);
    sw_eve_put_str(w, "type", type_name(s->mode));
    sw_eve_put_u64(w, "size", s->size);
    snprintf(mode, sizeof(mode), "%04o", (unsigned)(s->mode & 07777));
    sw_eve_put_str(w, "mode", mode);
    sw_eve_put_u64(w, "uid", s->uid);
    sw_eve_put_u64(w, "gid", s->gid);
    sw_eve_put_str(w, "owner", s->owner);
    sw_eve_put_time(w, "mtime", s->mtime_ns > 0 ? (uint64_t)s->mtime_ns / 1000u : 0);
    sw_eve_put_str(w, "sha256", s->sha256);
    sw_eve_put_str(w, "target", s->target);
    sw_eve_close(w);
}

void
sw_eve_put_fim(struct sw_eve_writer *w, const struct sw_fim_part *p)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } changed[] = {
        {SW_FIM_CHANGED_SIZE, "size"},     {SW_FIM_CHANGED_MODE, "mode"},
        {SW_FIM_CHANGED_UID, "uid"},       {SW_FIM_CHANGED_GID, "gid"},
        {SW_FIM_CHANGED_MTIME, "mtime"},   {SW_FIM_CHANGED_SHA256, "sha256"},
        {SW_FIM_CHANGED_TYPE, "type"},
    };

    sw_eve_open_obj(w, "fim");
    sw_eve_put_str(w, "action", action_name(p->action));
    sw_eve_put_str(w, "origin", p->origin == SW_FIM_ORIGIN_LIVE ? "live" : "walk");
    sw_eve_put_str(w, "path", p->path);
    sw_eve_put_str(w, "old_path", p->old_path);
    if (p->changed != 0) {
        sw_eve_open_arr(w, "changed");
        for (size_t i = 0; i < sizeof(changed) / sizeof(changed[0]); i++)
            if (p->changed & changed[i].bit)
                sw_eve_put_str(w, NULL, changed[i].name);
        sw_eve_close(w);
    }
    if (p->old_state.present)
        put_state(w, "old", &p->old_state);
    if (p->new_state.present)
        put_state(w, "new", &p->new_state);
    if (p->pid > 0 || p->comm != NULL) {
        sw_eve_open_obj(w, "process");
        if (p->pid > 0)
            sw_eve_put_u64(w, "pid", (uint64_t)p->pid);
        sw_eve_put_str(w, "comm", p->comm);
        sw_eve_close(w);
    }
    sw_eve_close(w);
}
