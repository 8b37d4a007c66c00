/// The version of agentd and agentctl, shown by `agentd --version`, `agentctl --version` and
/// `GET /api/v1/status`.
public enum AgentdVersion {
    public static let current = "0.1.0"
}
