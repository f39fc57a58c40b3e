/* confdefaults.h: what the takeover knows about LeoFS's configuration keys
 * beyond the files themselves: which keys hold data paths, which keys a
 * version added or removed, and the few shipped defaults that changed
 * between versions (leofs-facts.md; keep this table small and verified). */
#ifndef LU_CONFDEFAULTS_H
#define LU_CONFDEFAULTS_H

#include <stdbool.h>

/* KEY of a TYPE ("manager", "storage", "gateway") node names where the
 * node keeps data that must stay where it is: object containers, the
 * manager's mnesia, message queues, stacked objects. Logs and the
 * gateway's disk cache are not data: they start afresh in the new dir. */
bool confdefaults_is_data_key(const char *type, const char *key);

/* The version after OLD_VERSION, up to NEW_VERSION, that removed KEY from
 * TYPE's configuration, or NULL when none is known. */
const char *confdefaults_removed_in(const char *type, const char *key, const char *old_version,
                                    const char *new_version);

/* The version after OLD_VERSION, up to NEW_VERSION, that added KEY, or NULL. */
const char *confdefaults_added_in(const char *type, const char *key, const char *old_version,
                                  const char *new_version);

/* LeoFS VERSION's shipped value of KEY when it differs from later
 * versions' (so a value equal to it is "not changed by the operator"), or
 * NULL when the table does not know one. */
const char *confdefaults_old_default(const char *type, const char *key, const char *version);

#endif
