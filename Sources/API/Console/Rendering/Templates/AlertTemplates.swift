/// Alerts and errors: what fires now, what changed lately, and the failures grouped by
/// fingerprint.
extension ConsoleTemplates {
    static let alerts = """
        {{> top}}
        <h1>Alerts and errors</h1>
        <section>
        <h2>Now</h2>
        {{#hasActive}}
        <table class="list" id="active-alerts"><thead><tr><th scope="col">Rule</th><th scope="col">Subject</th><th scope="col">Severity</th><th scope="col">State</th><th scope="col">Since</th><th scope="col">Value</th></tr></thead><tbody>
        {{#active}}<tr data-state="{{state}}"><td>{{rule}}</td><td>{{subject}}</td><td>{{severity}}</td><td><span class="status {{stateClass}}">{{state}}</span>{{#silenced}} (silenced){{/silenced}}</td><td>{{since}}</td><td>{{value}}</td></tr>{{/active}}
        </tbody></table>
        {{/hasActive}}
        {{^hasActive}}<p class="muted" id="no-alerts">Nothing fires.</p>{{/hasActive}}
        </section>
        <section>
        <h2>Lately</h2>
        {{#hasHistory}}
        <ol class="events" id="alert-history">{{#history}}<li>{{when}} <code>{{change}}</code> {{rule}}{{#subject}} · {{subject}}{{/subject}}{{#detail}} — {{detail}}{{/detail}}</li>{{/history}}</ol>
        {{/hasHistory}}
        {{^hasHistory}}<p class="muted">No changes in the last 7 days.</p>{{/hasHistory}}
        </section>
        {{#can.errorsView}}
        <section>
        <h2>Errors, last 7 days</h2>
        {{#hasErrors}}
        <table class="list" id="errors"><thead><tr><th scope="col">Count</th><th scope="col">Kind</th><th scope="col">Step</th><th scope="col">Message</th><th scope="col">Workflows</th><th scope="col">Last seen</th></tr></thead><tbody>
        {{#errors}}<tr><td>{{count}}</td><td><code>{{kind}}</code></td><td>{{node}}</td><td class="error-text">{{message}}</td><td>{{workflows}}</td><td><a href="/ui/executions/{{sample}}">{{lastSeen}}</a></td></tr>{{/errors}}
        </tbody></table>
        {{/hasErrors}}
        {{^hasErrors}}<p class="muted">No failures.</p>{{/hasErrors}}
        </section>
        {{/can.errorsView}}
        {{> bottom}}
        """
}
