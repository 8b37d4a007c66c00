/// The dashboard: numbers that update live (`data-live` elements, filled from
/// `/ui/dashboard/events`), and the charts and lists in the `dashboard-live` part, which the
/// stream sends whole.
extension ConsoleTemplates {
    static let dashboard = """
        {{> top}}
        <h1>Dashboard</h1>
        <div id="dashboard" data-live-source="/ui/dashboard/events">
        {{> dashboard-live}}
        </div>
        {{> bottom}}
        """

    static let dashboardLive = """
        <section class="cards" aria-label="Now">
          <div class="card"><span class="label">Running</span><span class="value" id="dash-running">{{running}}</span></div>
          <div class="card"><span class="label">Queued</span><span class="value" id="dash-queued">{{queued}}</span></div>
          <div class="card"><span class="label">Waiting</span><span class="value" id="dash-waiting">{{waiting}}</span></div>
          <div class="card"><span class="label">Queue depth</span><span class="value" id="dash-queue">{{queueDepth}}</span></div>
          <div class="card"><span class="label">Started in the last hour: succeeded / failed</span><span class="value" id="dash-hour"><span class="ok">{{hour.succeeded}}</span> / <span class="failed">{{hour.failed}}</span></span></div>
          <div class="card"><span class="label">Succeeded / failed, last 24 hours</span><span class="value" id="dash-day"><span class="ok">{{day.succeeded}}</span> / <span class="failed">{{day.failed}}</span></span></div>
          <div class="card"><span class="label">Duration p50 / p95, last 24 hours</span><span class="value" id="dash-duration">{{duration.p50}} / {{duration.p95}}</span></div>
          {{#cost}}<div class="card"><span class="label">Cost today</span><span class="value" id="dash-cost">{{today}}</span>{{#budget}}<span class="label">Budget: {{spent}} of {{limit}} this {{period}}</span><meter min="0" max="100" value="{{percent}}" aria-label="Share of the budget spent">{{percent}} %</meter>{{/budget}}</div>{{/cost}}
        </section>
        <section class="charts">
          <figure><figcaption>Executions ended per hour, last 24 hours: <span class="ok">succeeded</span>, <span class="failed">failed</span>, <span class="muted">cancelled</span></figcaption>{{{chart.runs}}}</figure>
        </section>
        {{#hasBreakers}}
        <section><h2>Open circuit breakers</h2><ul class="breakers">{{#breakers}}<li><code>{{.}}</code></li>{{/breakers}}</ul></section>
        {{/hasBreakers}}
        <section>
        <h2>Recent failures</h2>
        {{#hasFailures}}
        <table class="list" id="recent-failures">
        <thead><tr><th scope="col">Execution</th><th scope="col">Workflow</th><th scope="col">Error</th><th scope="col">When</th></tr></thead>
        <tbody>
        {{#failures}}<tr><td><a href="/ui/executions/{{id}}"><code>{{id}}</code></a></td><td>{{workflow}}</td><td class="error-text">{{error}}</td><td><time datetime="{{at}}">{{when}}</time></td></tr>{{/failures}}
        </tbody></table>
        {{/hasFailures}}
        {{^hasFailures}}<p class="muted">No failures in the last day.</p>{{/hasFailures}}
        </section>
        <p class="muted updated">Updated <time id="dash-at" datetime="{{at}}">{{atText}}</time></p>
        """
}
