import ArgumentParser
import Foundation
import AgentSecurity

/// `agentd keygen FILE`: creates the vault's master keyring (mode 0600) for a new installation.
/// Keep it apart from the database and back it up separately: without it the secrets are lost.
struct KeyGen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Create a master keyring file for the vault (refuses to overwrite one)."
    )

    @Argument(help: "Where to write it, e.g. /etc/agentd/master.keyring.")
    var file: String

    func run() throws {
        do {
            let key = try Keyring.create(file, id: "mk1")
            print("created \(file) with master key \(key.id); back it up apart from the database")
        } catch {
            FileHandle.standardError.write(Data("error: cannot create \(file): it exists or its folder is not writable\n".utf8))
            throw ExitCode(1)
        }
    }
}
