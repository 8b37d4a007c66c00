/// Which kinds of personal data a policy covers: built-in detectors by name (`email`,
/// `payment_card`, …) and `custom` for the org's own patterns. Nil or absent: all of them.
public struct PIIKindSelection: Sendable, Hashable {
    public var kinds: Set<PIIKind>
    /// The org's custom patterns are covered.
    public var custom: Bool

    public init(kinds: Set<PIIKind> = Set(PIIKind.allCases), custom: Bool = true) {
        self.kinds = kinds
        self.custom = custom
    }

    public static let all = PIIKindSelection()

    public var isAll: Bool { kinds.count == PIIKind.allCases.count && custom }

    /// The word for the org's own patterns in a list of kinds.
    public static let customName = "custom"

    /// The names as written: built-in kinds in order, then `custom`.
    public var names: [String] { kinds.sorted().map(\.rawValue) + (custom ? [Self.customName] : []) }

    /// Reads a list of kind names; the problem names the first unknown one and what is known.
    public static func parse(_ names: [String]) -> Result<PIIKindSelection, PrivacyProblem> {
        var selection = PIIKindSelection(kinds: [], custom: false)
        for name in names {
            if name == customName {
                selection.custom = true
            } else if let kind = PIIKind(rawValue: name) {
                selection.kinds.insert(kind)
            } else {
                return .failure(PrivacyProblem(.unknownKind, "\"\(name)\" is not a kind of personal data; known: \(known)"))
            }
        }
        guard !names.isEmpty else { return .failure(PrivacyProblem(.unknownKind, "name at least one kind (known: \(known)), or leave kinds out for all")) }
        return .success(selection)
    }

    public static let known = (PIIKind.allCases.map(\.rawValue).sorted() + [customName]).joined(separator: ", ")
}
