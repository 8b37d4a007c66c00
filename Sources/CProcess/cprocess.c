#include "cprocess.h"
#include <sys/prctl.h>
#include <sys/resource.h>

int agentd_disable_core_dumps(void) {
    struct rlimit none = { 0, 0 };
    int limit = setrlimit(RLIMIT_CORE, &none);
    if (limit != 0) {
        /* A system-call filter may refuse setrlimit (agentd.service does, and sets LimitCORE=0
           itself): what matters is that the limit is 0. */
        struct rlimit current;
        if (getrlimit(RLIMIT_CORE, &current) == 0 && current.rlim_cur == 0 && current.rlim_max == 0) limit = 0;
    }
    int dumpable = prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    return (limit == 0 && dumpable == 0) ? 0 : -1;
}
