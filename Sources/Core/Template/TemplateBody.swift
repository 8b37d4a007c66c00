/// A parsed template: plain text, exactly one interpolation (whose value is returned as is), or
/// text and interpolations rendered into one string.
enum TemplateBody: Sendable {
    case literal(String)
    case single(TemplateNode)
    case parts([TemplatePart])
}

enum TemplatePart: Sendable {
    case text(String)
    case expression(TemplateNode)
}
