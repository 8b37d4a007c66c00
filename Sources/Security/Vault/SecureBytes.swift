import CSodium

/// Key material in memory that libsodium guards: allocated with `sodium_malloc` (guard pages,
/// excluded from core dumps where the system allows), kept `PROT_NONE` except inside
/// `withBytes`, and zeroed when freed.
///
/// why @unchecked: the buffer is written once at init and then only read inside `withBytes`,
/// which holds `lock` while the pages are readable.
public final class SecureBytes: @unchecked Sendable {
    public let count: Int
    private let pointer: UnsafeMutableRawPointer
    private let lock = NSLockShim()

    /// Copies `bytes` into guarded memory and zeroes the caller's copy.
    public init(consuming bytes: inout [UInt8]) {
        count = bytes.count
        // sodium_malloc aborts unless libsodium is initialised; sodium_init is idempotent.
        guard sodium_init() >= 0, let memory = sodium_malloc(max(1, bytes.count)) else {
            // Out of locked memory: there is no safe way to hold a key.
            fatalError("sodium_malloc failed: cannot hold key material")
        }
        pointer = memory
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress { pointer.copyMemory(from: base, byteCount: bytes.count) }
        }
        sodium_memzero(&bytes, bytes.count)
        sodium_mprotect_noaccess(pointer)
    }

    deinit {
        sodium_free(pointer)  // zeroes before freeing
    }

    /// Reads the bytes; they are unreadable again when `body` returns.
    public func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        lock.lock()
        defer {
            sodium_mprotect_noaccess(pointer)
            lock.unlock()
        }
        sodium_mprotect_readonly(pointer)
        return try body(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}

/// A minimal lock, so this file needs no Foundation.
final class NSLockShim: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func lock() { pthread_mutex_lock(&mutex) }
    func unlock() { pthread_mutex_unlock(&mutex) }
}

#if canImport(Glibc)
import Glibc
#endif
