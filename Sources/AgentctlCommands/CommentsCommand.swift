import ArgumentParser
import Client
import Foundation

/// `agentctl comments`: comments on workflows and executions, threads, mentions, resolving.
struct Comments: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Comments on workflows and executions.",
        discussion: """
            Name what a comment is about as workflow/NAME or execution/ID. @login mentions
            someone of the org who may open it (anyone else is refused). Text is markdown, kept
            as written and shown as text.

            Examples:
              agentctl comments add workflow/support-triage "@alice the timeout is too short" --node fetch
              agentctl comments add workflow/support-triage "raised to 60 s" --reply-to cmt_01…
              agentctl comments resolve cmt_01…
            """,
        subcommands: [List.self, Add.self, Edit.self, Delete.self, Resolve.self, Reopen.self]
    )

    static func print(_ comments: [[String: Any]]) {
        for comment in comments {
            let reply = comment["thread"] is String
            var head = "\(reply ? "  ↳ " : "")\(comment.text("id"))  \(comment.text("author"))  \(comment.text("created_at"))"
            if let node = comment["node"] as? String { head += "  on step \(node)" }
            if comment["edited_at"] is String { head += "  (edited)" }
            if let resolved = comment["resolved_by"] as? String { head += "  resolved by \(resolved)" }
            Swift.print(head)
            for line in comment.text("body").split(separator: "\n", omittingEmptySubsequences: false) {
                Swift.print((reply ? "      " : "    ") + line)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the comments on a workflow or an execution, thread by thread.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "workflow/NAME or execution/ID.") var on: String

        func run() async throws {
            try await reportingFailures {
                let listing = try await Listing.read(connection.client, "/api/v1/comments?on=\(segment(on))", all: true)
                if connection.output == .json { return Output.json(listing.json) }
                if listing.items.isEmpty { return Swift.print("no comments on \(on)") }
                Comments.print(listing.items)
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Comment on a workflow or an execution, or reply in a thread.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "workflow/NAME or execution/ID.") var on: String
        @Argument(help: "The text (markdown); @login mentions someone.") var body: String
        @Option(help: "The step the comment is about.") var node: String?
        @Option(name: .customLong("reply-to"), help: "A comment of the thread to reply in.") var replyTo: String?

        func run() async throws {
            try await reportingFailures {
                var request: [String: Any] = ["on": on, "body": body]
                request["node"] = node
                request["reply_to"] = replyTo
                let added = try await connection.client.call(.POST, "/api/v1/comments", json: request).json ?? [:]
                if connection.output == .json { return Output.json(added) }
                let mentions = added["mentions"] as? [String] ?? []
                Swift.print("added \(added.text("id"))" + (mentions.isEmpty ? "" : ", mentioning \(mentions.joined(separator: ", "))"))
            }
        }
    }

    struct Edit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change the text of your comment.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The comment (cmt_…).") var id: String
        @Argument(help: "The new text.") var body: String

        func run() async throws {
            try await reportingFailures {
                let edited = try await connection.client.call(.PATCH, "/api/v1/comments/\(segment(id))", json: ["body": body]).json ?? [:]
                if connection.output == .json { return Output.json(edited) }
                Swift.print("edited \(id)")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove your comment (a thread's first takes its replies).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The comment (cmt_…).") var id: String

        func run() async throws {
            try await reportingFailures {
                _ = try await connection.client.call(.DELETE, "/api/v1/comments/\(segment(id))")
                Swift.print("deleted \(id)")
            }
        }
    }

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resolve the thread a comment is in.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "A comment of the thread (cmt_…).") var id: String

        func run() async throws {
            try await reportingFailures {
                let thread = try await connection.client.call(.POST, "/api/v1/comments/\(segment(id))/resolve").json ?? [:]
                if connection.output == .json { return Output.json(thread) }
                Swift.print("resolved the thread of \(thread.text("id"))")
            }
        }
    }

    struct Reopen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reopen the thread a comment is in.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "A comment of the thread (cmt_…).") var id: String

        func run() async throws {
            try await reportingFailures {
                let thread = try await connection.client.call(.POST, "/api/v1/comments/\(segment(id))/reopen").json ?? [:]
                if connection.output == .json { return Output.json(thread) }
                Swift.print("reopened the thread of \(thread.text("id"))")
            }
        }
    }
}
