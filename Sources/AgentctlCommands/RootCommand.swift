import ArgumentParser

extension AsyncParsableCommand {
    /// Runs this command as the program's root, as `@main` would. Called by name from another
    /// entry point, `Self.main()` resolves to ParsableCommand's synchronous `main`, which refuses
    /// an asynchronous root (swift-argument-parser#688); through the existential it cannot.
    public static func runAsRoot() async {
        let command: any AsyncParsableCommand.Type = Self.self
        await command.main(nil)
    }
}
