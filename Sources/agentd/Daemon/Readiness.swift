/// Counts the parts of the daemon that must be up before it says it is ready (to systemd and
/// in its log), and runs `onReady` once all are: both listeners, and the engine once it has
/// taken over what an earlier process left open (or waits for the vault to be unsealed, which
/// needs the API). A client that sees agentd ready sees recovered executions, not stale ones.
actor Readiness {
    private let expected: Int
    private var up = 0
    private var closed = false
    private let onReady: @Sendable () -> Void

    init(expected: Int, onReady: @escaping @Sendable () -> Void) {
        self.expected = expected
        self.onReady = onReady
    }

    func partUp() {
        up += 1
        if up == expected, !closed { onReady() }
    }

    /// A shutdown began: a part that comes up now (the engine finishing its recovery during
    /// the drain) must not announce a daemon that is stopping as ready.
    func close() { closed = true }
}
