#ifndef AGENTD_CPROCESS_H
#define AGENTD_CPROCESS_H

/// Makes the process non-dumpable (no core dumps, no ptrace by other users) and sets its core
/// size limit to 0. Returns 0 on success. A C function because prctl is variadic, which Swift
/// cannot call.
int agentd_disable_core_dumps(void);

#endif
