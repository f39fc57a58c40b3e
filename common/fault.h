/* fault.h: named fault points for the crash and race tests.
 *
 * FAULT_POINT("name") marks a place where a crash or a race matters (a
 * step boundary, between writing a temporary file and renaming it). In
 * builds without LEOFS_FAULT_POINTS (the default, and every release or
 * package build) it compiles to nothing. In test builds each hit is
 * counted per name, and the environment drives it:
 *   LEOFS_FAULT_COUNT=FILE   append "name\n" to FILE at every hit;
 *   LEOFS_FAULT_AT=NAME:N    the Nth hit of NAME kills the process (SIGKILL);
 *   LEOFS_FAULT_AT=NAME:N:pause  ... stops it instead (SIGSTOP), so that a
 *                            test can change the tree, then SIGCONT it. */
#ifndef LU_FAULT_H
#define LU_FAULT_H

#ifdef LEOFS_FAULT_POINTS
void fault_point(const char *name);
#define FAULT_POINT(name) fault_point(name)
#else
#define FAULT_POINT(name) ((void)0)
#endif

#endif
