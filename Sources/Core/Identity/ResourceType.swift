/// The kinds of stored resources, as named in errors and the API (`"org"`).
public enum ResourceType: String, Hashable, Sendable, Codable {
    case org
    case user
    case apiKey = "api_key"
    case session
    case team
    case role
    case secret
    case agent
    case workflow
    case agentVersion = "agent_version"
    case workflowVersion = "workflow_version"
    case execution
    case model
    case budget
    case backup
    case schedule
    case webhook
    case approval
    case change
    case environment
    case errorGroup = "error_group"
    case alertRule = "alert_rule"
    case alertChannel = "alert_channel"
    case alertSilence = "alert_silence"
    case ssoProvider = "sso_provider"
    case savedSearch = "saved_search"
    case comment
    case searchIndex = "search_index"
    case shareLink = "share_link"
}
