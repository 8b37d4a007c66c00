/// What a workflow run as a child (a `workflow` step, or a workflow agent an llm step calls as
/// a tool) may be handed: never a secret's value. The child's input is stored (in the
/// database, in backups, shown by the API), and the vault's promise is that values are stored
/// only sealed; a child reads the secrets it needs itself, by path.
public enum ChildInput {
    /// The refusal for a child-starting config that reads any secret (`secret(...)` in a
    /// template, or a `secrets:` map), or nil when it reads none. One check for both paths, made
    /// before anything is rendered or stored.
    public static func secretsRefusal(_ secretPaths: some Collection<String>) -> StepError? {
        guard !secretPaths.isEmpty else { return nil }
        return StepError(.validation, "a workflow step cannot pass secrets to its child; let the child workflow read them")
    }
}
