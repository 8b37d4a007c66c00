import Foundation

/// Where `agentctl login` keeps session tokens: `$XDG_CONFIG_HOME/agentctl/sessions.json`
/// (default `~/.config/agentctl/`), one token per daemon address, mode 0600 in a 0700 folder.
enum SessionFile {
    static var path: String {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        return base + "/agentctl/sessions.json"
    }

    static func load() -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: String] else { return [:] }
        return object
    }

    static func token(for endpoint: String) -> String? { load()[endpoint] }

    static func save(_ token: String?, for endpoint: String) throws {
        var sessions = load()
        sessions[endpoint] = token
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let data = try JSONSerialization.data(withJSONObject: sessions, options: [.sortedKeys])
        // why: create with 0600 before writing, so the token is never readable by others.
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        try data.write(to: URL(fileURLWithPath: path))
    }
}
