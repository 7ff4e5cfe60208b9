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

static json_t *
state_json(const struct sw_fim_state *s)
{
    json_t *o = json_object();
    char mode[16];

    set_str(o, "type", type_name(s->mode));
    set_int(o, "size", s->size);
    snprintf(mode, sizeof(mode), "%04o", (unsigned)(s->mode & 07777));
    set_str(o, "mode", mode);
    set_int(o, "uid", s->uid);
    set_int(o, "gid", s->gid);
    set_str(o, "owner", s->owner);
    set_time(o, "mtime", s->mtime_ns > 0 ? (uint64_t)s->mtime_ns / 1000u : 0);
    set_str(o, "sha256", s->sha256);
    set_str(o, "target", s->target);
    return o;
}

json_t *
sw_eve_fim_json(const struct sw_fim_part *p)
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
    json_t *o = json_object();

    set_str(o, "action", action_name(p->action));
    set_str(o, "origin", p->origin == SW_FIM_ORIGIN_LIVE ? "live" : "walk");
    set_str(o, "path", p->path);
    set_str(o, "old_path", p->old_path);
    if (p->changed != 0) {
        json_t *c = json_array();

        for (size_t i = 0; i < sizeof(changed) / sizeof(changed[0]); i++)
            if (p->changed & changed[i].bit)
                json_array_append_new(c, json_string(changed[i].name));
        json_object_set_new_nocheck(o, "changed", c);
    }
    if (p->old_state.present)
        json_object_set_new_nocheck(o, "old", state_json(&p->old_state));
    if (p->new_state.present)
        json_object_set_new_nocheck(o, "new", state_json(&p->new_state));
    if (p->pid > 0 || p->comm != NULL) {
        json_t *pr = json_object();

        if (p->pid > 0)
            set_int(pr, "pid", (uint64_t)p->pid);
        set_str(pr, "comm", p->comm);
        json_object_set_new_nocheck(o, "process", pr);
    }
    return o;
}
