/// The rules an org's names follow. Pure: the API and storage both call these.
public enum OrgRules {
    public static let nameLengths = 2...63
    public static let displayNameMaxLength = 200

    /// A name is 2–63 characters of `a-z`, `0-9` and `-`, starts with a letter and does not end
    /// with `-`: safe in URLs, file names and DNS labels, and unambiguous next to `org_…` IDs.
    public static func checkName(_ name: String, field: String = "name") -> FieldViolation? {
        let bytes = Array(name.utf8)
        guard nameLengths.contains(bytes.count) else {
            return FieldViolation(field: field, message: "must be \(nameLengths.lowerBound) to \(nameLengths.upperBound) characters long; got \(bytes.count)")
        }
        guard let first = bytes.first, (97...122).contains(first) else {
            return FieldViolation(field: field, message: "must start with a lower-case letter a-z")
        }
        guard bytes.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 45 }) else {
            return FieldViolation(field: field, message: "may contain only lower-case letters a-z, digits 0-9 and '-'")
        }
        guard bytes.last != 45 else {
            return FieldViolation(field: field, message: "must not end with '-'")
        }
        return nil
    }

    /// A display name is 1–200 characters with no control characters.
    public static func checkDisplayName(_ value: String, field: String = "display_name") -> FieldViolation? {
        guard !value.trimmingWhitespace.isEmpty else {
            return FieldViolation(field: field, message: "must not be empty")
        }
        guard value.count <= displayNameMaxLength else {
            return FieldViolation(field: field, message: "must be at most \(displayNameMaxLength) characters")
        }
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            return FieldViolation(field: field, message: "must not contain control characters")
        }
        return nil
    }
}

extension String {
    var trimmingWhitespace: Substring {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let end = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return Substring(scalars[start...end])
    }
}
