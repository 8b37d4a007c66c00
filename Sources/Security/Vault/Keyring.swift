import Core
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Master keys as kept outside the database: a keyring file of `ID BASE64KEY` lines, readable
/// by its owner only. The key file source reads it from a configured path (root-only, e.g.
/// `/etc/agentd/master.keyring`); the systemd credential source reads it from
/// `$CREDENTIALS_DIRECTORY/agentd-master-key` (`LoadCredentialEncrypted=`).
public enum Keyring {
    public enum Failure: Error, Hashable, CustomStringConvertible {
        case missing(path: String)
        case tooOpen(path: String, mode: Int)
        case wrongOwner(path: String, owner: UInt32)
        case malformed(path: String, line: Int)

        public var description: String {
            switch self {
            case .missing(let path): "no master key at \(path)"
            case .tooOpen(let path, let mode): "\(path) has mode \(String(mode, radix: 8)); a master key file must be 0600 or 0400 (chmod 600 \(path))"
            case .wrongOwner(let path, let owner): "\(path) belongs to uid \(owner); it must belong to agentd's user or root"
            case .malformed(let path, let line): "\(path) line \(line) is not `ID BASE64KEY` with a 32-byte key"
            }
        }
    }

    /// Reads every key in the file, refusing a file others can read or that someone else owns.
    public static func load(_ path: String, checkPermissions: Bool = true) throws(Failure) -> [MasterKey] {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .missing(path: path) }
        if checkPermissions {
            let mode = Int(info.st_mode) & 0o777
            guard mode & 0o077 == 0 else { throw .tooOpen(path: path, mode: mode) }
            guard info.st_uid == getuid() || info.st_uid == 0 else { throw .wrongOwner(path: path, owner: info.st_uid) }
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw .missing(path: path) }
        var keys: [MasterKey] = []
        for (index, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
            let parts = line.split(separator: " ")
            guard parts.count == 2, !parts[0].isEmpty, var bytes = Data(base64Encoded: String(parts[1])).map(Array.init),
                  bytes.count == 32 else { throw .malformed(path: path, line: index + 1) }
            keys.append(MasterKey(id: String(parts[0]), bytes: &bytes))
        }
        guard !keys.isEmpty else { throw .malformed(path: path, line: 1) }
        return keys
    }

    /// The key's bytes for writing a keyring (kept only as long as the write).
    static func export(_ key: MasterKey) -> [UInt8] {
        key.material.withBytes { Array($0) }
    }

    /// Replaces the keyring atomically: a new 0600 file beside it, fsynced, renamed over it.
    public static func write(_ path: String, keys: [(String, [UInt8])]) throws(Failure) {
        let temporary = path + ".new"
        unlink(temporary)
        var text = ""
        for (id, bytes) in keys { text += "\(id) \(Data(bytes).base64EncodedString())\n" }
        let line = Array(text.utf8)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .missing(path: temporary) }
        guard Glibc.write(fd, line, line.count) == line.count, fsync(fd) == 0 else {
            close(fd)
            throw .missing(path: temporary)
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw .missing(path: path) }
    }

    /// Writes a keyring with one new random key `id` (dev mode, first start), mode 0600 from
    /// creation. Refuses to overwrite.
    public static func create(_ path: String, id: String) throws(Failure) -> MasterKey {
        var bytes = SecretHasher.randomBytes(32)
        let line = Array("\(id) \(Data(bytes).base64EncodedString())\n".utf8)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .missing(path: path) }
        defer { close(fd) }
        guard Glibc.write(fd, line, line.count) == line.count, fsync(fd) == 0 else { throw .missing(path: path) }
        return MasterKey(id: id, bytes: &bytes)
    }
}

/// Where the master keys come from, as configured (`[vault] key_source`).
public enum MasterKeySource: Sendable, Hashable, CustomStringConvertible {
    /// A keyring file (root-only).
    case keyFile(String)
    /// A systemd credential: `$CREDENTIALS_DIRECTORY/agentd-master-key`.
    case credential(directory: String)

    public static let credentialName = "agentd-master-key"

    public var path: String {
        switch self {
        case .keyFile(let path): path
        case .credential(let directory): directory + "/" + Self.credentialName
        }
    }

    public var description: String {
        switch self {
        case .keyFile(let path): "key file \(path)"
        case .credential(let directory): "systemd credential \(directory)/\(Self.credentialName)"
        }
    }
}

/// Checks, at start, that the keys agentd was given are the ones the database's secrets are
/// sealed under: a wrong or missing key stops agentd now, with a message naming the key id the
/// database expects and where agentd looked, never a "could not decrypt" in the middle of a run.
public enum KeyVerification {
    public struct Mismatch: Error, Hashable, CustomStringConvertible {
        public let expectedKeyID: String
        public let source: String
        public let found: [String]

        public var description: String {
            let got = found.isEmpty ? "no keys" : "keys " + found.joined(separator: ", ")
            return "the database's secrets are sealed under master key \(expectedKeyID), but \(source) holds \(got) "
                + "(or a different key under that id); restore the right key there (see docs/vault.md)"
        }
    }

    /// `expected`: key id → check value, for every key the database still uses.
    public static func verify(_ keys: [MasterKey], expected: [String: String], source: String) throws(Mismatch) {
        for (id, check) in expected.sorted(by: { $0.key < $1.key }) {
            guard let key = keys.first(where: { $0.id == id }), key.checkValue == check else {
                throw Mismatch(expectedKeyID: id, source: source, found: keys.map(\.id))
            }
        }
    }
}
