/* systemd.h: what the running systemd says about the units around epmd,
 * asked with systemctl (run by program.c: absolute path, fixed argv and
 * environment, bounded in time): whether a unit is active, which socket
 * unit listens on a TCP port, which LeoFS node units run. The epmd steps
 * use it to tell LeoFS's leofs-epmd.socket from any other unit (Debian's
 * epmd.socket, a site's own) instead of guessing from who holds a port. */
#ifndef LU_SYSTEMD_H
#define LU_SYSTEMD_H

#include "context.h"

#include <stdbool.h>
#include <stddef.h>

#define SYSTEMD_UNIT_MAX 256
#define SYSTEMCTL_TIMEOUT_MS 120000

/* The host's systemctl when the root is this running system and systemd
 * runs it (/run/systemd/system is a directory); NULL otherwise. */
const char *systemd_systemctl(const struct lu_context *ctx);

/* Run `systemctl --no-ask-password ARGS...` (ARGS NULL-terminated, at most
 * 8), logging its output at debug under STEP and keeping it in OUTPUT
 * (may be NULL). Returns its exit status (255 when a signal or the
 * timeout ended it, with how in ERROR), or -1 when it could not be run. */
int systemd_run(struct lu_step *step, const char *systemctl, const char *const args[],
                char *output, size_t output_size, char *error, size_t error_size);

/* `systemctl is-active UNIT`: 1 active, 0 not, -1 cannot ask. */
int systemd_unit_active(struct lu_step *step, const char *systemctl, const char *unit);

/* The active socket unit that listens on TCP PORT: 1 found (its name in
 * UNIT, the service it activates in SERVICE, "" when it says none), 0 no
 * socket unit listens there, -1 cannot ask. */
int systemd_socket_on_port(struct lu_step *step, const char *systemctl, int port, char *unit,
                           char *service);

/* The port of UNIT's first ListenStream (`systemctl show -p Listen`), or
 * FALLBACK when systemd does not say. */
int systemd_socket_port(struct lu_step *step, const char *systemctl, const char *unit,
                        int fallback);

/* LeoFS's node units (leofs-manager-master, -slave, leofs-storage,
 * leofs-gateway) that are active, starting, reloading or stopping, joined
 * with ", " in LIST. Returns how many, or -1 when systemd cannot be asked. */
int systemd_active_node_units(struct lu_step *step, const char *systemctl, char *list,
                              size_t size);

/* Pure parts, for the tests: the socket unit listening on PORT in the
 * text of `systemctl list-sockets --no-legend --full` (true when found),
 * and the port in a `Listen=` value ("0.0.0.0:4369 (Stream)"; 0 if none). */
bool systemd_parse_socket_list(const char *text, int port, char *unit, char *service);
int systemd_parse_listen_port(const char *value);

#endif
