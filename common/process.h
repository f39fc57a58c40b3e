/* process.h: what /proc tells about the processes around a TCP port: who
 * holds a listening socket, what a process is called, which systemd unit
 * it runs in, and signalling one process only while it is still the one
 * that was checked. */
#ifndef LU_PROCESS_H
#define LU_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PROCESS_LISTENER_MAX 16

/* Processes that hold a socket listening on TCP PORT (IPv4 or IPv6, any
 * address), at most MAX of them, lowest pid first. Returns the count, or
 * -1 with errno when /proc/net/tcp cannot be read. */
int process_listeners(int port, pid_t *pids, size_t max);

/* /proc/PID/comm, e.g. "epmd"; false when it cannot be read. */
bool process_comm(pid_t pid, char *name, size_t size);

/* The process runs epmd: the basename of /proc/PID/exe or its comm is "epmd". */
bool process_is_epmd(pid_t pid);

/* /proc/PID/cgroup names the systemd unit UNIT ("leofs-epmd.service") as
 * a path component. */
bool process_in_unit(pid_t pid, const char *unit);

/* The systemd unit (a .service or .scope) whose cgroup holds PID, from
 * /proc/PID/cgroup: systemd's own hierarchy (name=systemd, else the
 * unified one), its last component with a unit's suffix, in UNIT (at
 * least 256 bytes). False when no unit holds it (outside systemd's tree,
 * or in no service or scope) or /proc does not say. */
bool process_unit(pid_t pid, char *unit, size_t size);

/* Pure parts, for the tests: one line of /proc/net/tcp or tcp6 (true
 * when it is a socket listening on PORT, its inode in *inode), whether
 * the text of a /proc/PID/cgroup file names UNIT as a path component, and
 * the unit it puts the process in (as process_unit). */
bool process_parse_tcp_line(const char *line, int port, unsigned long *inode);
bool process_cgroup_names_unit(const char *text, const char *unit);
bool process_cgroup_unit(const char *text, char *unit, size_t size);

/* The start time of PID (field 22 of /proc/PID/stat, clock ticks after
 * boot), which tells a process from a later one with the same PID; the
 * parser of that text, for the tests. */
bool process_start_time(pid_t pid, unsigned long long *start);
bool process_parse_start_time(const char *text, unsigned long long *start);

/* Send SIGTERM to PID only if it still listens on PORT and runs epmd; the
 * check and the signal go to the same process (a pidfd, where the kernel
 * has them; before Linux 5.3, the start time read before and after the
 * check: process.c says what window is left). 0 when sent, -1 with errno
 * (ESRCH: gone, EPERM: no longer proven to be epmd). */
int process_terminate_epmd(pid_t pid, int port);

#endif
