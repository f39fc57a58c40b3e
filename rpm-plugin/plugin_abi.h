/* plugin_abi.h: the librpm transaction plugin hook table, declared in one
 * place. rpm 4.20 and later ship <rpm/rpmplugin.h>, and then it is used;
 * rpm 4.14 to 4.19 keep it internal, so the same layout is declared here.
 * The layout is unchanged from rpm 4.12 on except for the arguments of the
 * fsm_file_prepare hook (an fd was added in 4.18); the file hooks are left
 * unset, so the same source builds against every rpm from 4.14 to 6.x.
 * A built plugin still fits one rpm only: it is bound to the librpm
 * soname it was built against (4.14: librpm.so.8, 4.16-4.18: .9,
 * 4.19-6.0: .10), whose functions it takes from the loaded librpm
 * (leofs.c), and fails every transaction under another. So it is built
 * for each rpm version, as distributions build theirs (CMake asks that
 * rpm where its plugins go: rpm-plugin/CMakeLists.txt). rpm 4.11 (EL7)
 * has no transaction plugins at all. */
#ifndef LEOFS_PLUGIN_ABI_H
#define LEOFS_PLUGIN_ABI_H

#include <rpm/rpmte.h>
#include <rpm/rpmts.h>
#include <rpm/rpmtypes.h>

#if defined(__has_include)
#if __has_include(<rpm/rpmplugin.h>)
#include <rpm/rpmplugin.h>
#define LEOFS_SYSTEM_PLUGIN_ABI 1
#endif
#endif

#ifndef LEOFS_SYSTEM_PLUGIN_ABI
typedef rpmRC (*plugin_init_func)(rpmPlugin plugin, rpmts ts);
typedef void (*plugin_cleanup_func)(rpmPlugin plugin);
typedef rpmRC (*plugin_tsm_pre_func)(rpmPlugin plugin, rpmts ts);
typedef rpmRC (*plugin_tsm_post_func)(rpmPlugin plugin, rpmts ts, int res);
typedef rpmRC (*plugin_psm_pre_func)(rpmPlugin plugin, rpmte te);
typedef rpmRC (*plugin_psm_post_func)(rpmPlugin plugin, rpmte te, int res);
typedef rpmRC (*plugin_scriptlet_pre_func)(rpmPlugin plugin, const char *name, int type);
typedef rpmRC (*plugin_scriptlet_fork_post_func)(rpmPlugin plugin, const char *path, int type);
typedef rpmRC (*plugin_scriptlet_post_func)(rpmPlugin plugin, const char *name, int type, int res);
/* The file hooks' arguments differ between rpm versions: never set here. */
typedef void (*plugin_unused_file_hook)(void);

struct rpmPluginHooks_s {
    plugin_init_func init;
    plugin_cleanup_func cleanup;
    plugin_tsm_pre_func tsm_pre;
    plugin_tsm_post_func tsm_post;
    plugin_psm_pre_func psm_pre;
    plugin_psm_post_func psm_post;
    plugin_scriptlet_pre_func scriptlet_pre;
    plugin_scriptlet_fork_post_func scriptlet_fork_post;
    plugin_scriptlet_post_func scriptlet_post;
    plugin_unused_file_hook fsm_file_pre;
    plugin_unused_file_hook fsm_file_post;
    plugin_unused_file_hook fsm_file_prepare;
};
#endif

#endif
