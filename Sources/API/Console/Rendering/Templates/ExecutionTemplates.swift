/// Executions: the list with its filters, and one execution's page, whose `execution-live`
/// part the page's script fetches again whenever the execution's event stream says something
/// happened.
extension ConsoleTemplates {
    static let executionRows = """
        <table class="list" id="executions">
        <thead><tr><th scope="col">Execution</th><th scope="col">Workflow</th><th scope="col">Status</th><th scope="col">Environment</th><th scope="col">Trigger</th><th scope="col">Started</th><th scope="col">Duration</th><th scope="col">Cost</th></tr></thead>
        <tbody>
        {{#executions}}<tr data-status="{{status}}"><td><a href="/ui/executions/{{id}}"><code>{{id}}</code></a></td><td><a href="/ui/workflows/{{workflowLink}}">{{workflow}}</a> v{{version}}</td><td><span class="status {{status}}">{{status}}</span></td><td>{{environment}}</td><td>{{trigger}}</td><td><time datetime="{{createdAt}}">{{created}}</time></td><td>{{duration}}</td><td>{{cost}}</td></tr>{{/executions}}
        </tbody></table>
        """

    static let executions = """
        {{> top}}
        <h1>Executions</h1>
        <form method="get" action="/ui/executions" class="filters" role="search">
          <label for="status">Status</label>
          <select id="status" name="status"><option value="">any</option>{{#statuses}}<option{{#selected}} selected{{/selected}}>{{name}}</option>{{/statuses}}</select>
          <label for="workflow">Workflow</label><input id="workflow" name="workflow" value="{{filter.workflow}}">
          <label for="since">Since</label><input id="since" name="since" value="{{filter.since}}" placeholder="1h, 7d or a time" size="10">
          <button type="submit">Filter</button>
        </form>
        {{#problem}}<p class="alert" role="alert">{{problem}}</p>{{/problem}}
        {{#hasExecutions}}{{> execution-rows}}{{/hasExecutions}}
        {{^hasExecutions}}<p class="muted" id="no-executions">No executions{{#filtered}} match these filters{{/filtered}}.</p>{{/hasExecutions}}
        {{#next}}<p><a href="/ui/executions?{{next}}" rel="next">Next page</a></p>{{/next}}
        {{> bottom}}
        """

    static let execution = """
        {{> top}}
        <div class="heading">
        <h1>Execution <code>{{id}}</code></h1>
        {{> favorite-button}}
        </div>
        <div id="execution" data-id="{{id}}"{{^terminal}} data-events="/api/v1/executions/{{id}}/events" data-live="/ui/executions/{{id}}/live"{{/terminal}}>
        {{> execution-live}}
        </div>
        <section>
        <h2>Input</h2>
        <pre class="json" id="input">{{input}}</pre>
        </section>
        <section>
        <h2>Events</h2>
        <ol id="events" class="events" aria-live="polite">{{#events}}<li data-type="{{type}}"><time datetime="{{at}}">{{time}}</time> <code>{{type}}</code>{{#node}} {{node}}{{/node}}{{#detail}} — {{detail}}{{/detail}}</li>{{/events}}</ol>
        </section>
        {{> bottom}}
        """

    static let executionLive = """
        <p class="meta">
          <span id="execution-status" class="status {{status}}" data-status="{{status}}">{{status}}</span>
          <a href="/ui/workflows/{{workflowLink}}">{{workflow}}</a> v{{version}} in {{environment}} · {{trigger}} · started <time datetime="{{createdAt}}">{{created}}</time>{{#duration}} · took {{duration}}{{/duration}} · {{stepsDone}}/{{stepsTotal}} steps · {{cost}}{{#tokens}} · {{tokens}} tokens{{/tokens}}
        </p>
        <div class="actions">
        {{#canCancel}}<form method="post" action="/ui/executions/{{id}}/cancel"><input type="hidden" name="csrf_token" value="{{csrf}}"><button id="cancel" type="submit" class="danger">Cancel</button></form>{{/canCancel}}
        {{#canRetry}}<form method="post" action="/ui/executions/{{id}}/retry"><input type="hidden" name="csrf_token" value="{{csrf}}"><button id="retry" type="submit">Retry</button></form>{{/canRetry}}
        </div>
        {{#error}}<p class="alert" role="alert" id="execution-error">{{error}}</p>{{/error}}
        <figure class="dag" aria-label="Steps and their status">{{{svg}}}</figure>
        <h2>Steps</h2>
        <ol id="timeline" class="timeline">
        {{#steps}}<li class="step" data-node="{{node}}" data-status="{{status}}">
          <span class="status {{status}}">{{status}}</span> <strong>{{node}}</strong>
          <span class="muted">{{#attempt}}attempt {{attempt}}{{/attempt}}{{#duration}} · {{duration}}{{/duration}}{{#usage}} · {{usage}}{{/usage}}</span>
          {{#error}}<p class="error-text">{{error}}</p>{{/error}}
          {{#output}}<details><summary>Output</summary><pre class="json">{{output}}</pre></details>{{/output}}
          <pre class="stream" data-stream="{{node}}" hidden></pre>
        </li>{{/steps}}
        </ol>
        {{#output}}<h2>Output</h2><pre class="json" id="output">{{output}}</pre>{{/output}}
        """
}
