import CProcess

/// Process-wide protections agentd applies to itself at start.
public enum ProcessHardening {
    /// No core dumps (they would hold master keys and secret values) and no ptrace attach by
    /// other processes of the same user. Returns false if the kernel refused.
    @discardableResult
    public static func disableCoreDumps() -> Bool {
        agentd_disable_core_dumps() == 0
    }
}
