/// The approvals inbox: what waits for the signed-in person's decision, then the org's other
/// requests.
extension ConsoleTemplates {
    static let approvals = """
        {{> top}}
        <h1>Approvals</h1>
        {{#problem}}<p class="alert" role="alert" id="approval-error">{{problem}}</p>{{/problem}}
        <section>
        <h2>Waiting for you</h2>
        {{#hasMine}}
        <ul class="timeline" id="approvals-mine">
        {{#mine}}<li class="step" data-approval="{{id}}">
          <strong>{{workflow}}</strong> · step {{node}} in {{environment}} · <a href="/ui/executions/{{execution}}">execution</a>
          <span class="muted">· asked {{when}}{{#expires}} · expires {{expires}}{{/expires}} · {{approvals}} of {{quorum}} approvals</span>
          {{#message}}<p>{{message}}</p>{{/message}}
          {{#canDecide}}
          <form method="post" action="/ui/approvals/{{id}}" class="decision">
            <input type="hidden" name="csrf_token" value="{{csrf}}">
            <label for="comment-{{id}}">Comment <span class="muted">(optional)</span></label>
            <input id="comment-{{id}}" name="comment" maxlength="4000">
            <button type="submit" name="decision" value="approve" class="primary">Approve</button>
            <button type="submit" name="decision" value="reject" class="danger">Reject</button>
          </form>
          {{/canDecide}}
        </li>{{/mine}}
        </ul>
        {{/hasMine}}
        {{^hasMine}}<p class="muted" id="nothing-waiting">Nothing waits for your decision.</p>{{/hasMine}}
        </section>
        <section>
        <h2>All requests</h2>
        {{#hasAll}}
        <table class="list" id="approvals"><thead><tr><th scope="col">Workflow</th><th scope="col">Step</th><th scope="col">Status</th><th scope="col">Asked</th><th scope="col">Decided</th><th scope="col">Votes</th></tr></thead><tbody>
        {{#all}}<tr><td><a href="/ui/executions/{{execution}}">{{workflow}}</a></td><td>{{node}}</td><td><span class="status {{status}}">{{status}}</span></td><td>{{when}}</td><td>{{decided}}</td><td>{{#votes}}{{by}} {{decision}}{{#comment}}: “{{comment}}”{{/comment}}<br>{{/votes}}</td></tr>{{/all}}
        </tbody></table>
        {{/hasAll}}
        {{^hasAll}}<p class="muted">No approval requests yet.</p>{{/hasAll}}
        </section>
        {{> bottom}}
        """
}
