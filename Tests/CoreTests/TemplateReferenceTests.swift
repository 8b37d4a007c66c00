import Core
import Testing

@Suite struct TemplateReferenceTests {
    @Test func referencesListEveryPathWithItsLeadingKeys() throws {
        let text = "Hello {{ input.ticket.subject }} from {{ nodes.fetch.output.body[0].name }}, "
            + "{{ default(env.region, 'eu') }}"
        let template = try Template.parse(text)
        #expect(template.references == [
            TemplateReference(root: "input", path: [.key("ticket"), .key("subject")], offset: 9),
            TemplateReference(root: "nodes", path: [.key("fetch"), .key("output"), .key("body"), .index(0), .key("name")],
                              offset: 41),
            TemplateReference(root: "env", path: [.key("region")], offset: 88),
        ])
        #expect(template.references.map(\.segments) == [["ticket", "subject"], ["fetch", "output", "body"], ["region"]])
    }

    @Test func bracketKeysAreSegmentsToo() throws {
        let template = try Template.parse(#"{{ nodes["fetch-2"].output }}"#)
        #expect(template.references.first?.segments == ["fetch-2", "output"])
    }

    @Test func computedValuesAreNotReferencesButTheirInputsAre() throws {
        let template = try Template.parse("{{ split(input.email, '@')[1] }}")
        #expect(template.references.map(\.root) == ["input"])
        #expect(template.references.first?.segments == ["email"])
    }

    @Test func secretPathsAreFoundWithoutEvaluating() throws {
        let template = try Template.parse("{{ secret('payments/key') }} and {{ secret(\"db/main\", 'password') }}")
        #expect(template.secretPaths == ["payments/key", "db/main"])
        #expect(template.references.isEmpty)
    }

    @Test func unknownRootsAreReportedWithSuggestions() throws {
        let template = try Template.parse("{{ inptu.name }} {{ nodes.x }} {{ nope }}")
        let errors = template.unknownRoots(allowed: ["input", "nodes"])
        #expect(errors.count == 2)
        #expect(errors.first?.message == "unknown name 'inptu' — did you mean 'input'?")
        #expect(errors.first?.column == 4)
        #expect(errors.last?.kind == .unknownName)
    }

    @Test func literalTemplatesSayWhatTheyAre() throws {
        let plain = try Template.parse("just text")
        #expect(plain.isLiteral)
        #expect(plain.literalText == "just text")
        let dynamic = try Template.parse("{{ 1 }}")
        #expect(!dynamic.isLiteral)
        #expect(dynamic.literalText == nil)
    }
}
