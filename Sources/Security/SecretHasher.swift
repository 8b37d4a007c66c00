import CSodium
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Keyed hashes of bearer secrets (API keys; later session tokens): HMAC-SHA-256 under a
/// server key that is kept outside the database, so that a copy of the database alone does
/// not let anyone test guesses offline. Comparison is constant-time.
public struct SecretHasher: Sendable {
    private let key: [UInt8]

    /// `key` must be 32 bytes (`crypto_auth_hmacsha256_KEYBYTES`).
    public init(key: [UInt8]) {
        precondition(key.count == Int(crypto_auth_hmacsha256_KEYBYTES), "the hash key is 32 bytes")
        self.key = key
    }

    public func hash(_ secret: String) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(crypto_auth_hmacsha256_BYTES))
        let bytes = Array(secret.utf8)
        _ = crypto_auth_hmacsha256(&out, bytes, UInt64(bytes.count), key)
        return out
    }

    /// True when `secret` hashes to `expected`, compared in constant time.
    public func matches(_ secret: String, expected: [UInt8]) -> Bool {
        let computed = hash(secret)
        guard computed.count == expected.count else { return false }
        return sodium_memcmp(computed, expected, computed.count) == 0
    }

    /// Random bytes from libsodium's CSPRNG.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        randombytes_buf(&bytes, count)
        return bytes
    }
}

/// The server's hash key file: 32 random bytes, created on first start with mode 0600 and
/// refused if anyone but the owner can read it.
public enum HashKeyFile {
    public enum Failure: Error, CustomStringConvertible {
        case wrongSize(path: String, bytes: Int)
        case tooOpen(path: String, mode: Int)
        case unreadable(path: String, String)

        public var description: String {
            switch self {
            case .wrongSize(let path, let bytes): "\(path) holds \(bytes) bytes; a hash key is 32. Restore it from backup"
            case .tooOpen(let path, let mode): "\(path) has mode \(String(mode, radix: 8)); make it 0600 (chmod 600 \(path))"
            case .unreadable(let path, let reason): "cannot read or create \(path): \(reason)"
            }
        }
    }

    /// Loads the key, creating it if the file does not exist.
    public static func loadOrCreate(at path: String) throws -> [UInt8] {
        let manager = FileManager.default
        if !manager.fileExists(atPath: path) {
            let key = SecretHasher.randomBytes(32)
            // why open(2): the file must be 0600 from the moment it exists, and O_EXCL refuses to
            // follow a planted symlink or overwrite a file created meanwhile.
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw Failure.unreadable(path: path, "could not create the file (errno \(errno))") }
            defer { close(fd) }
            guard write(fd, key, key.count) == key.count, fsync(fd) == 0 else {
                throw Failure.unreadable(path: path, "could not write the file (errno \(errno))")
            }
            return key
        }
        let attributes: [FileAttributeKey: Any]
        do { attributes = try manager.attributesOfItem(atPath: path) } catch {
            throw Failure.unreadable(path: path, error.localizedDescription)
        }
        let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0
        guard mode & 0o077 == 0 else { throw Failure.tooOpen(path: path, mode: mode) }
        guard let data = manager.contents(atPath: path) else { throw Failure.unreadable(path: path, "no permission") }
        guard data.count == 32 else { throw Failure.wrongSize(path: path, bytes: data.count) }
        return Array(data)
    }
}
