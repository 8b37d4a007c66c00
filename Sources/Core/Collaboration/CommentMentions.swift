/// The people a comment mentions: `@login` (docs/collaboration.md#comments).
///
/// A mention starts with `@` at the start of the text or after a space or an opening bracket
/// or quote, so an e-mail address (`bob@corp.local`) mentions no one. It runs over the
/// characters a login may hold (`a-z 0-9 . _ @ + -`, upper case read as lower), without a
/// trailing `.` `-` or `@` (the end of a sentence). Logins are then looked up by the caller.
public enum CommentMentions {
    public static let maximum = 20

    public static func logins(in text: String) -> [String] {
        var found: [String] = []
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            let opens = index == 0 || characters[index - 1].isWhitespace || "([{\"'“‘".contains(characters[index - 1])
            guard character == "@", opens else {
                index += 1
                continue
            }
            var end = index + 1
            while end < characters.count, isLoginCharacter(characters[end]) { end += 1 }
            var login = String(characters[(index + 1)..<end]).lowercased()
            while let last = login.last, ".-@".contains(last) { login.removeLast() }
            if UserRules.checkLogin(login) == nil, !found.contains(login) { found.append(login) }
            index = max(end, index + 1)
        }
        return found
    }

    static func isLoginCharacter(_ character: Character) -> Bool {
        guard character.isASCII, let value = character.asciiValue else { return false }
        return (97...122).contains(value) || (65...90).contains(value) || (48...57).contains(value) || ".-_@+".contains(character)
    }
}
