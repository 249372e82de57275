/* SPDX-License-Identifier: Apache-2.0 */
/* OH_Ability_AcquireChildProcessInfos(): the application's live children,
 * read from the per-app slot files every process of the app writes
 * (src/app/slots.c).  The accessors and the release are in libability_runtime
 * (src/ability_runtime/child_process_info.c), as on the reference platform. */
#include <stdlib.h>
#include <string.h>

#include "ability_runtime/child_process_info.h"
#include "common/log.h"
#include "common/macro.h"
#include "slots.h"
#include "spawn/spawn.h"

_public_ Ability_NativeChildProcess_ErrCode OH_Ability_AcquireChildProcessInfos(
    OH_AbilityRuntime_ChildProcessInfosHandle *infos, uint32_t *count)
{
    if (!infos || !count) {
        log_error("AcquireChildProcessInfos: %s is NULL", !infos ? "infos" : "count");
        return NCP_ERR_INVALID_PARAM;
    }
    *infos = NULL;
    *count = 0;
    char bundle[160];
    struct ncp_settings settings;
    int r = ncp_bundle_name(bundle, sizeof(bundle));
    if (r < 0) {
        log_error("AcquireChildProcessInfos: no bundle name: %s", strerror(-r));
        return NCP_ERR_INTERNAL;
    }
    ncp_settings_load(&settings);
    _cleanup_free_ struct ncp_slot_entry *list = NULL;
    size_t n = 0;
    r = ncp_slot_list(bundle, settings.max_children_per_app, &list, &n);
    if (r < 0) {
        log_error("AcquireChildProcessInfos: cannot read the slots of %s: %s", bundle, strerror(-r));
        return NCP_ERR_INTERNAL;
    }
    if (n == 0)
        return NCP_NO_ERROR;

    size_t size = sizeof(struct OH_AbilityRuntime_ChildProcessInfos) + n * sizeof(struct OH_AbilityRuntime_ChildProcessInfo);
    for (size_t i = 0; i < n; i++)
        size += strlen(list[i].name) + 1;
    struct OH_AbilityRuntime_ChildProcessInfos *all = malloc(size);
    if (!all) {
        log_error("AcquireChildProcessInfos: out of memory for %zu children", n);
        return NCP_ERR_INTERNAL;
    }
    all->magic = NCP_CHILD_INFOS_MAGIC;
    all->count = (uint32_t)n;
    char *names = (char *)&all->items[n];
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(list[i].name) + 1;
        memcpy(names, list[i].name, len);
        all->items[i] = (struct OH_AbilityRuntime_ChildProcessInfo){
            .pid = (int32_t)list[i].pid, .parent_pid = (int32_t)list[i].parent,
            .name = names, .name_size = (uint32_t)len,
        };
        names += len;
    }
    *infos = all;
    *count = (uint32_t)n;
    return NCP_NO_ERROR;
}
