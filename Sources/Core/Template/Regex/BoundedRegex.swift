/// A compiled `regex_match` pattern, matched by simulating its NFA (a Pike VM that keeps no
/// captures, since only "does it match" is asked).
///
/// Matching visits each instruction at most twice per input scalar, so it costs
/// O(input length × program size) whatever the pattern: `(a+)+$` against `aaaa…b` is linear,
/// not exponential. Patterns are at most 256 scalars and compile to at most 10,000
/// instructions, and every match runs against a budget the caller passes in.
///
/// `matches` is a search: true when the pattern matches anywhere in the input. Anchor with `^`
/// and `$`, which match only at the start and the end of the whole input. See `RegexParser`
/// for the dialect.
struct BoundedRegex: Sendable {
    static let maxPatternLength = 256
    static let maxProgramSize = 10_000

    let program: [RegexInstruction]
    let sets: [RegexCharacterSet]
    /// True when every match must start at the beginning of the input (the program starts
    /// with `^`), so no new attempt is started at later positions.
    let anchored: Bool

    /// Throws only `RegexSyntaxError`.
    init(_ pattern: String) throws {
        // More than 4 UTF-8 bytes per allowed scalar is certainly too long; don't split it.
        guard pattern.utf8.count <= 4 * Self.maxPatternLength else {
            throw RegexSyntaxError("the pattern is longer than \(Self.maxPatternLength) characters", at: Self.maxPatternLength)
        }
        let scalars = Array(pattern.unicodeScalars)
        guard scalars.count <= Self.maxPatternLength else {
            throw RegexSyntaxError("the pattern is longer than \(Self.maxPatternLength) characters", at: Self.maxPatternLength)
        }
        var parser = RegexParser(pattern: scalars)
        let tree = try parser.parse()
        var compiler = RegexCompiler(limit: Self.maxProgramSize)
        try compiler.compile(tree)
        try compiler.emit(.match)
        program = compiler.program
        sets = compiler.sets
        if case .assertStart? = compiler.program.first {
            anchored = true
        } else {
            anchored = false
        }
    }

    /// The pattern compiled, or why it is not valid.
    static func compile(_ pattern: String) -> Result<BoundedRegex, RegexSyntaxError> {
        do {
            let regex = try BoundedRegex(pattern)
            return .success(regex)
        } catch let error as RegexSyntaxError {
            return .failure(error)
        } catch {
            return .failure(RegexSyntaxError("invalid pattern", at: 0))
        }
    }

    /// Whether the pattern matches somewhere in `input`. Every instruction visited costs one
    /// unit of `budget`; nil when the budget runs out before the answer is known.
    func matches(_ input: String, budget: inout Int) -> Bool? {
        var current = RegexThreadList(capacity: program.count)
        var next = RegexThreadList(capacity: program.count)
        var stack: [Int] = []
        stack.reserveCapacity(program.count * 2 + 1)
        var iterator = input.unicodeScalars.makeIterator()
        var scalar = iterator.next()
        switch addThread(from: 0, to: &current, atStart: true, atEnd: scalar == nil, stack: &stack, budget: &budget) {
        case .matched: return true
        case .exhausted: return nil
        case .running: break
        }
        while let consumed = scalar {
            if anchored && current.count == 0 { return false }
            let following = iterator.next()
            let atEnd = following == nil
            next.removeAll()
            for slot in 0..<current.count {
                budget -= 1
                if budget < 0 { return nil }
                let position = current.dense[slot]
                let advances: Bool
                switch program[position] {
                case .scalar(let expected): advances = expected == consumed
                case .any: advances = consumed != "\n"
                case .set(let index): advances = sets[index].contains(consumed)
                case .split, .jump, .assertStart, .assertEnd, .match: advances = false
                }
                guard advances else { continue }
                switch addThread(from: position + 1, to: &next, atStart: false, atEnd: atEnd, stack: &stack,
                                 budget: &budget) {
                case .matched: return true
                case .exhausted: return nil
                case .running: break
                }
            }
            if !anchored {
                // A search: a new attempt starts after every scalar.
                switch addThread(from: 0, to: &next, atStart: false, atEnd: atEnd, stack: &stack, budget: &budget) {
                case .matched: return true
                case .exhausted: return nil
                case .running: break
                }
            }
            swap(&current, &next)
            scalar = following
        }
        return false
    }

    private enum Progress {
        case running, matched, exhausted
    }

    /// Adds `start` and everything reachable from it without consuming input (the epsilon
    /// closure), with an explicit stack: no recursion, and a visited set so empty loops end.
    private func addThread(from start: Int, to list: inout RegexThreadList, atStart: Bool, atEnd: Bool,
                           stack: inout [Int], budget: inout Int) -> Progress {
        stack.removeAll(keepingCapacity: true)
        stack.append(start)
        while let position = stack.popLast() {
            budget -= 1
            if budget < 0 { return .exhausted }
            if list.contains(position) { continue }
            list.insert(position)
            switch program[position] {
            case .jump(let target):
                stack.append(target)
            case .split(let first, let second):
                stack.append(second)
                stack.append(first)
            case .assertStart:
                if atStart { stack.append(position + 1) }
            case .assertEnd:
                if atEnd { stack.append(position + 1) }
            case .match:
                return .matched
            case .scalar, .any, .set:
                break
            }
        }
        return .running
    }
}
