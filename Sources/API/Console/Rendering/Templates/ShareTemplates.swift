/// The page a share link opens: one workflow or execution, read-only, with no navigation (the
/// person holding the link is not signed in and may open nothing else).
extension ConsoleTemplates {
    static let shared = """
        {{> top}}
        <h1>{{name}} <span class="muted">shared {{kind}}</span></h1>
        <p class="muted" id="shared-expires">This read-only link works until {{expires}}.</p>
        {{#status}}<p><span class="status {{status}}" id="shared-status">{{status}}</span></p>{{/status}}
        <table class="list" id="shared-fields"><tbody>
        {{#fields}}<tr><th scope="row">{{key}}</th><td><pre>{{value}}</pre></td></tr>{{/fields}}
        </tbody></table>
        {{#hasSteps}}
        <h2>Steps</h2>
        <table class="list" id="shared-steps"><thead><tr><th scope="col">Step</th><th scope="col">Status</th><th scope="col">Output</th><th scope="col">Error</th></tr></thead><tbody>
        {{#steps}}<tr><td>{{node}}</td><td><span class="status {{status}}">{{status}}</span></td><td><pre>{{output}}</pre></td><td><pre>{{error}}</pre></td></tr>{{/steps}}
        </tbody></table>
        {{/hasSteps}}
        {{> bottom}}
        """
}
