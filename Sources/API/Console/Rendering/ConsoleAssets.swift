import Core

/// The console's stylesheet and script, served by agentd itself under names that carry their
/// content's hash (`/ui/assets/console.3f9a0c1d2e4b.css`): a browser may keep them for a year,
/// and a new agentd's pages name new files, so nothing stale is ever used.
enum ConsoleAssets {
    struct Asset: Sendable {
        let path: String
        let body: String
        let contentType: String
    }

    static let stylesheet = asset("console", "css", ConsoleStylesheet.text, "text/css; charset=utf-8")
    static let script = asset("console", "js", ConsoleScript.text, "text/javascript; charset=utf-8")

    /// By file name (the part after `/ui/assets/`).
    static let byName: [String: Asset] = Dictionary(uniqueKeysWithValues: [stylesheet, script].map {
        (String($0.path.dropFirst("/ui/assets/".count)), $0)
    })

    /// For templates: `{{assets.css}}`, `{{assets.js}}`.
    static let paths: [String: String] = ["css": stylesheet.path, "js": script.path]

    private static func asset(_ name: String, _ ext: String, _ body: String, _ type: String) -> Asset {
        let digest = ContentHash.of(text: body).dropFirst("sha256:".count).prefix(12)
        return Asset(path: "/ui/assets/\(name).\(digest).\(ext)", body: body, contentType: type)
    }
}
