import ArgumentParser
import Client
import Foundation

/// Printing results and failures the same way in every command.
enum Output {
    /// Prints a JSON value indented, keys sorted.
    static func json(_ value: Any) {
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) {
            print(String(decoding: data, as: UTF8.self))
        }
    }

    /// Prints rows under headers, columns padded to their widest cell.
    static func table(headers: [String], rows: [[String]]) {
        var widths = headers.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        print(line(headers))
        for row in rows { print(line(row)) }
    }

    /// Prints `key  value` pairs, keys aligned.
    static func pairs(_ pairs: [(String, String)]) {
        let width = pairs.map(\.0.count).max() ?? 0
        for (key, value) in pairs {
            print(key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value)
        }
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// Runs a command's body, turning failures into the documented exit statuses and messages.
func reportingFailures(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch ClientError.problem(let problem) {
        Output.error("error: \(problem.title) (\(problem.code))")
        Output.error(problem.detail)
        for field in problem.errors ?? [] { Output.error(field.field.isEmpty ? "  \(field.message)" : "  \(field.field): \(field.message)") }
        if let requestID = problem.requestId { Output.error("request id: \(requestID)") }
        throw ExitCode(1)
    } catch ClientError.unreachable(let endpoint, let reason) {
        Output.error("error: cannot reach agentd at \(endpoint): \(reason)")
        Output.error("Is it running? Start it with `make run` (dev) or `systemctl start agentd`; or pass --socket / --url.")
        throw ExitCode(2)
    } catch let error as ClientError {
        Output.error("error: \(error)")
        throw ExitCode(2)
    }
}

extension Dictionary where Key == String, Value == Any {
    func text(_ key: String) -> String {
        switch self[key] {
        case let value as String: value
        case is NSNull: ""
        case let value as NSNumber: value.stringValue
        case nil: ""
        case let value?: "\(value)"
        }
    }
}
