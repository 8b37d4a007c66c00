/// A comment on a workflow or an execution (`cmt_…`).
public enum CommentKind: ResourceKind { public static let prefix = "cmt" }
public typealias CommentID = ResourceID<CommentKind>

/// What a comment may be about.
public enum CommentTarget: String, CaseIterable, Hashable, Sendable {
    case workflow, execution

    /// What a caller needs to read the target, and so to read and write its comments.
    public var viewPermission: Permission {
        switch self {
        case .workflow: .workflowsView
        case .execution: .executionsView
        }
    }

    /// `workflow/support-triage` or `execution/ex_…`: the kind and the name or ID.
    public static func parse(_ text: String) -> (CommentTarget, String)? {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2, let kind = CommentTarget(rawValue: parts[0]), !parts[1].isEmpty else { return nil }
        return (kind, parts[1])
    }
}

/// Limits on a comment's text.
public enum CommentRules {
    public static let maximumBody = 10_000

    /// Why `body` cannot be a comment, or nil.
    public static func problem(body: String) -> String? {
        if body.allSatisfy(\.isWhitespace) { return "is empty" }
        if body.count > maximumBody { return "is \(body.count) characters; at most \(maximumBody)" }
        if body.unicodeScalars.contains(where: { $0.value < 32 && $0 != "\n" && $0 != "\t" && $0 != "\r" }) { return "holds control characters" }
        return nil
    }
}
