/// One instruction of a compiled pattern (Thompson's construction, as in Pike's VM).
enum RegexInstruction: Sendable {
    /// Consume this scalar.
    case scalar(Unicode.Scalar)
    /// Consume any scalar but a line feed.
    case any
    /// Consume a scalar in `sets[index]`.
    case set(Int)
    /// Continue at both targets.
    case split(Int, Int)
    case jump(Int)
    /// Continue only at the start of the input.
    case assertStart
    /// Continue only at the end of the input.
    case assertEnd
    case match
}

/// Turns a `RegexNode` into a program. Counted repetitions are expanded, so the program's size
/// is limited: `((a{100}){100}){100}` is refused instead of growing to a million instructions.
struct RegexCompiler {
    private(set) var program: [RegexInstruction] = []
    private(set) var sets: [RegexCharacterSet] = []
    private let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// Throws only `RegexSyntaxError`.
    mutating func emit(_ instruction: RegexInstruction) throws {
        guard program.count < limit else {
            throw RegexSyntaxError("the pattern expands to more than \(limit) steps; use smaller {m,n} counts", at: 0)
        }
        program.append(instruction)
    }

    /// Throws only `RegexSyntaxError`. Recurses as deep as the pattern's tree, which the parser
    /// bounds.
    mutating func compile(_ node: RegexNode) throws {
        switch node {
        case .empty:
            break
        case .scalar(let scalar):
            try emit(.scalar(scalar))
        case .any:
            try emit(.any)
        case .set(let set):
            let index = sets.count
            sets.append(set)
            try emit(.set(index))
        case .start:
            try emit(.assertStart)
        case .end:
            try emit(.assertEnd)
        case .concatenation(let items):
            for item in items { try compile(item) }
        case .alternation(let branches):
            // split L1, next; L1: branch; jump end; next: split L2, … ; last branch; end:
            var jumps: [Int] = []
            for (position, branch) in branches.enumerated() {
                if position == branches.count - 1 {
                    try compile(branch)
                } else {
                    let split = program.count
                    try emit(.split(split + 1, -1))
                    try compile(branch)
                    jumps.append(program.count)
                    try emit(.jump(-1))
                    program[split] = .split(split + 1, program.count)
                }
            }
            let end = program.count
            for jump in jumps { program[jump] = .jump(end) }
        case .repetition(let child, let minimum, let maximum):
            for _ in 0..<minimum { try compile(child) }
            if let maximum {
                // Each optional copy may skip to the end: x{2,4} is x x (x (x)?)?.
                var splits: [Int] = []
                if maximum > minimum {
                    for _ in minimum..<maximum {
                        let split = program.count
                        splits.append(split)
                        try emit(.split(split + 1, -1))
                        try compile(child)
                    }
                }
                let end = program.count
                for split in splits { program[split] = .split(split + 1, end) }
            } else {
                // loop: split body, end; body: child; jump loop; end:
                let loop = program.count
                try emit(.split(loop + 1, -1))
                try compile(child)
                try emit(.jump(loop))
                program[loop] = .split(loop + 1, program.count)
            }
        }
    }
}
