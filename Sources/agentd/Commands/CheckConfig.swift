import ArgumentParser
import Foundation

/// `agentd check-config FILE`: validates a configuration file (and the environment's
/// `AGENTD_*` overrides) without starting anything.
struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file without starting the daemon."
    )

    @Argument(help: "The file to check.")
    var file: String = ConfigOptions.defaultFile

    func run() throws {
        do {
            let config = try ConfigLoader.load(file: file, requireFile: true, base: Config())
            print("ok: \(file)")
            print("  server.listen = \(config.server.listen)")
            print("  server.socket = \(config.server.socket)")
            print("  database.path = \(config.database.path)")
            print("  database.synchronous = \(config.database.synchronous.rawValue.lowercased())")
            print("  egress.allow = [\(config.egress.site.allow.map { "\"\($0)\"" }.joined(separator: ", "))]")
            print("  egress.deny = [\(config.egress.site.deny.map { "\"\($0)\"" }.joined(separator: ", "))]")
            for (org, rules) in config.egress.orgs.sorted(by: { $0.key < $1.key }) {
                print("  egress.orgs.\(org): allow [\(rules.allow.map(\.description).joined(separator: ", "))], deny [\(rules.deny.map(\.description).joined(separator: ", "))]")
            }
            // Whether the log may carry personal data is worth seeing before a start.
            print("  privacy.mask_logs = \(config.privacy.maskLogs)")
        } catch {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
    }
}
