/// Counts listeners that are up and runs `onReady` once all are.
actor ListenerReadiness {
    private let expected: Int
    private var up = 0
    private let onReady: @Sendable () -> Void

    init(expected: Int, onReady: @escaping @Sendable () -> Void) {
        self.expected = expected
        self.onReady = onReady
    }

    func listenerUp() {
        up += 1
        if up == expected { onReady() }
    }
}
