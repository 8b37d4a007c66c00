/// One step of a path after its root: `.field` or `["key"]` is a key, `[2]` or `[-1]` an index
/// (negative indexes count from the end).
public enum TemplatePathStep: Hashable, Sendable {
    case key(String)
    case index(Int)
}

/// A path a template reads, found without evaluating it: what the definitions validator checks
/// (does `nodes.fetch` name a node that runs before this one? is the root one the context
/// provides?).
///
/// `{{ nodes.fetch.output.body[0].id }}` gives root `nodes`, segments `["fetch", "output", "body"]`
/// (the keys before the first integer index) and the whole `path`.
public struct TemplateReference: Hashable, Sendable {
    /// The first name of the path, looked up in `TemplateContext.roots`.
    public let root: String
    /// The leading keys of the path, up to (not including) its first integer index.
    public let segments: [String]
    /// Every step after the root.
    public let path: [TemplatePathStep]
    /// Where the root name starts, in Unicode scalars from the start of the text.
    public let offset: Int

    public init(root: String, path: [TemplatePathStep], offset: Int) {
        self.root = root
        self.path = path
        self.offset = offset
        var segments: [String] = []
        for step in path {
            guard case .key(let key) = step else { break }
            segments.append(key)
        }
        self.segments = segments
    }
}

extension TemplateReference {
    /// An error for every reference whose root is not in `allowed`, with a suggestion when a
    /// known root is spelled close to it.
    static func unknownRoots(in references: [TemplateReference], allowed: Set<String>,
                             source: String) -> [TemplateError] {
        var errors: [TemplateError] = []
        let known = allowed.sorted()
        for reference in references where !allowed.contains(reference.root) {
            errors.append(TemplateError(.unknownName, TemplateSuggestion.unknownNameMessage(reference.root, known: known),
                                        at: reference.offset, in: source))
        }
        return errors
    }
}
