/// Where a secret lives: org, environment and path, plus the version of its value. Its text
/// form is the associated data that binds a ciphertext to that place (see `Vault`), so a
/// ciphertext moved to another org, environment, path or version does not open.
public struct SecretRef: Hashable, Sendable {
    public let orgID: OrgID
    public let environment: DeployEnvironment
    public let path: String
    public let version: Int

    public init(orgID: OrgID, environment: DeployEnvironment, path: String, version: Int) {
        self.orgID = orgID
        self.environment = environment
        self.path = path
        self.version = version
    }

    /// `agentd-secret-v1\0<org>\0<environment>\0<path>\0<version>`: NUL never occurs in the parts.
    public var associatedData: [UInt8] {
        Array("agentd-secret-v1\u{0}\(orgID.rawValue)\u{0}\(environment.rawValue)\u{0}\(path)\u{0}\(version)".utf8)
    }
}

public enum SecretRules {
    /// Largest value accepted, in bytes.
    public static let defaultMaximumValueBytes = 64 * 1024

    /// A path is 1–200 characters: segments of `a-z 0-9 . _ -` separated by single `/`, not
    /// starting or ending with `/`, and no `.` or `..` segment: `payments/sfdc`.
    public static func checkPath(_ path: String, field: String = "path") -> FieldViolation? {
        let bytes = Array(path.utf8)
        guard (1...200).contains(bytes.count) else {
            return FieldViolation(field: field, message: "must be 1 to 200 characters long")
        }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        for segment in segments {
            if segment.isEmpty { return FieldViolation(field: field, message: "must not have empty segments (no leading, trailing or double /)") }
            if segment == "." || segment == ".." { return FieldViolation(field: field, message: "must not have . or .. segments") }
            let ok = segment.utf8.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 46 || $0 == 95 || $0 == 45 }
            if !ok { return FieldViolation(field: field, message: "segments may contain only a-z, 0-9, '.', '_' and '-'") }
        }
        return nil
    }
}
