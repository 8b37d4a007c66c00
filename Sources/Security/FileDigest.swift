import CSodium
import Foundation

/// SHA-256 of a file, read in 1 MiB pieces (a backup may be gigabytes): what `agentctl backup`
/// prints so that a copy can be checked with `sha256sum`.
public enum FileDigest {
    public static func sha256(path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path]) }
        defer { try? handle.close() }
        var state = crypto_hash_sha256_state()
        crypto_hash_sha256_init(&state)
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            _ = chunk.withUnsafeBytes { bytes in
                crypto_hash_sha256_update(&state, bytes.bindMemory(to: UInt8.self).baseAddress, UInt64(bytes.count))
            }
        }
        var out = [UInt8](repeating: 0, count: Int(crypto_hash_sha256_BYTES))
        crypto_hash_sha256_final(&state, &out)
        return out.map { String(format: "%02x", $0) }.joined()
    }
}
