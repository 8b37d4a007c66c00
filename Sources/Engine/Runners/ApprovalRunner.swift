import Core

/// `approval`: no worker waits for people. The runner reads the policy and the rendered
/// message; the completion opens the request and leaves the step waiting, and a decision (or
/// the expiry's timer job) completes it (`Storage/Approvals`).
struct ApprovalRunner: StepRunner {
    func run(_ step: StepInvocation) async -> StepOutcome {
        do {
            return .approval(try ApprovalPolicy.parse(step.config), message: step.config["message"]?.stringValue)
        } catch {
            return .failed(error)
        }
    }
}
