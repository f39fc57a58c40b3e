/* confdefaults.c: the takeover's table of LeoFS configuration keys (see
 * confdefaults.h). Sources: the schema diffs between LeoFS tags listed in
 * leofs-facts.md. The default-change table is empty on purpose: no shipped
 * default of a key kept between 1.3.2 and 1.4.3 is known to have changed.
 * When one is verified, add {type, key, first version with the new default,
 * the old default}; until then the old version's shipped file, when it is
 * beside the old file (.leofs-dist, .rpmnew, .dpkg-dist), is the source. */
#include "confdefaults.h"
#include "leofs/upgrade.h"

#include <stddef.h>
#include <string.h>

static const struct {
    const char *type, *key;
} data_keys[] = {
    {"storage", "obj_containers.path"},
    {"storage", "leo_ordning_reda.temp_stacked_dir"},
    {"storage", "del_bucket_state_dir"},
    {"manager", "mnesia.dir"},
    {NULL, "queue_dir"}, /* every node type */
};

enum change { ADDED, REMOVED };

static const struct {
    const char *version, *type, *key;
    enum change change;
} changes[] = {
    {"1.3.3", "manager", "mdc_replication.max_targets", ADDED},
    {"1.3.3", "manager", "mdc_replication.num_of_replicas_a_dc", ADDED},
    {"1.3.3", "manager", "mdc_replication.consistency.write", ADDED},
    {"1.3.3", "manager", "mdc_replication.consistency.read", ADDED},
    {"1.3.3", "manager", "mdc_replication.consistency.delete", ADDED},
    {"1.3.3", "storage", "obj_containers.sync_mode", ADDED},
    {"1.3.3", "storage", "obj_containers.sync_interval_in_ms", ADDED},
    {"1.3.3", "storage", "log.access_log_level", ADDED},
    {"1.3.3", "gateway", "nfs.nfsd.readdir_scan_int", ADDED},
    {"1.3.3", "gateway", "nfs.nfsd.readdir_entry_ttl", ADDED},
    {"1.3.3", "gateway", "nfs.nfsd.readdir_mem_thres", ADDED},
    {"1.3.3", "gateway", "nfs.nfsd.rtmax", ADDED},
    {"1.3.3", "gateway", "nfs.nfsd.wtmax", ADDED},
    {"1.3.5", "storage", "del_bucket_state_dir", ADDED},
    {"1.3.5", "storage", "mq.num_of_del_dir_workers", ADDED},
    {"1.3.7", "storage", "os_mon.disk_space_check_interval", ADDED},
    {"1.3.8", "storage", "del_bucket_state_dir", REMOVED},
    {"1.3.8", "storage", "watchdog.msgs.is_enabled", ADDED},
    {"1.3.8", "gateway", "multipart.dont_abort_cleanup", ADDED},
    {"1.3.8", "gateway", "os_mon.disk_almost_full_threshold", ADDED},
    {"1.4.0", "storage", "backend_db.eleveldb.fadvise_willneed", ADDED},
    {"1.4.1", "manager", "console.bind_address", ADDED},
    {"1.4.3", "gateway", "http.is_compatible_with_s3_content_type", ADDED},
};

static const struct {
    const char *type, *key, *since, *old_default;
} default_changes[] = {
    {NULL, NULL, NULL, NULL}, /* none verified yet, see the top of the file */
};

bool confdefaults_is_data_key(const char *type, const char *key)
{
    for (size_t i = 0; i < sizeof data_keys / sizeof *data_keys; i++)
        if ((!data_keys[i].type || strcmp(data_keys[i].type, type) == 0) &&
            strcmp(data_keys[i].key, key) == 0)
            return true;
    return false;
}

static const char *find_change(const char *type, const char *key, const char *old_version,
                               const char *new_version, enum change change)
{
    for (size_t i = 0; i < sizeof changes / sizeof *changes; i++)
        if (changes[i].change == change && strcmp(changes[i].type, type) == 0 &&
            strcmp(changes[i].key, key) == 0 &&
            lu_version_compare(changes[i].version, old_version) > 0 &&
            lu_version_compare(changes[i].version, new_version) <= 0)
            return changes[i].version;
    return NULL;
}

const char *confdefaults_removed_in(const char *type, const char *key, const char *old_version,
                                    const char *new_version)
{
    return find_change(type, key, old_version, new_version, REMOVED);
}

const char *confdefaults_added_in(const char *type, const char *key, const char *old_version,
                                  const char *new_version)
{
    return find_change(type, key, old_version, new_version, ADDED);
}

const char *confdefaults_old_default(const char *type, const char *key, const char *version)
{
    for (size_t i = 0; i < sizeof default_changes / sizeof *default_changes; i++)
        if (default_changes[i].key && strcmp(default_changes[i].type, type) == 0 &&
            strcmp(default_changes[i].key, key) == 0 &&
            lu_version_compare(version, default_changes[i].since) < 0)
            return default_changes[i].old_default;
    return NULL;
}
