/// Costs: the period's forecast against the budget, spend per day, breakdowns by model,
/// workflow, team and agent, the biggest executions, advice, and the budgets.
extension ConsoleTemplates {
    static let costs = """
        {{> top}}
        <h1>Costs</h1>
        <form method="get" action="/ui/costs" class="filters">
          <label for="since">Window</label>
          <select id="since" name="since">{{#windows}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/windows}}</select>
          <button type="submit">Show</button>
        </form>
        <section class="cards" aria-label="This period">
          <div class="card"><span class="label">Spent this period</span><span class="value" id="cost-spent">{{forecast.spent}}</span></div>
          <div class="card"><span class="label">Daily rate</span><span class="value">{{forecast.rate}}</span></div>
          <div class="card"><span class="label">Projected by {{forecast.end}}</span><span class="value" id="cost-projected">{{forecast.projected}}</span>
            {{#forecast.budget}}<span class="label">{{percent}} % of the {{limit}} budget</span><meter min="0" max="100" value="{{meter}}" aria-label="Projected share of the budget">{{percent}} %</meter>{{/forecast.budget}}</div>
          <div class="card"><span class="label">In the window</span><span class="value" id="cost-window">{{total}}</span></div>
        </section>
        <figure><figcaption>Cost per day</figcaption>{{{chart}}}</figure>
        <div class="columns">
        {{#breakdowns}}
        <section>
        <h2>By {{dimension}}</h2>
        {{#hasRows}}
        <table class="list" id="costs-by-{{dimension}}"><thead><tr><th scope="col">{{dimension}}</th><th scope="col">Calls</th><th scope="col">Failed</th><th scope="col">Tokens</th><th scope="col">Cost</th></tr></thead><tbody>
        {{#rows}}<tr><td>{{key}}</td><td>{{calls}}</td><td>{{failed}}</td><td>{{tokens}}</td><td>{{cost}}</td></tr>{{/rows}}
        </tbody></table>
        {{/hasRows}}
        {{^hasRows}}<p class="muted">No model calls in the window.</p>{{/hasRows}}
        </section>
        {{/breakdowns}}
        </div>
        <section>
        <h2>Biggest executions</h2>
        {{#hasTop}}
        <table class="list" id="costs-top"><thead><tr><th scope="col">Execution</th><th scope="col">Workflow</th><th scope="col">Status</th><th scope="col">Tokens</th><th scope="col">Cost</th></tr></thead><tbody>
        {{#top}}<tr><td><a href="/ui/executions/{{id}}"><code>{{id}}</code></a></td><td>{{workflow}}</td><td><span class="status {{status}}">{{status}}</span></td><td>{{tokens}}</td><td>{{cost}}</td></tr>{{/top}}
        </tbody></table>
        {{/hasTop}}
        {{^hasTop}}<p class="muted">None in the window.</p>{{/hasTop}}
        </section>
        <section>
        <h2>Advice</h2>
        {{#hasAdvice}}<ul id="advice">{{#advice}}<li><strong>{{subject}}</strong>: {{message}}{{#saving}} <span class="ok">(saves about {{saving}})</span>{{/saving}}</li>{{/advice}}</ul>{{/hasAdvice}}
        {{^hasAdvice}}<p class="muted">Nothing to suggest for this window.</p>{{/hasAdvice}}
        </section>
        <section>
        <h2>Budgets</h2>
        {{#problem}}<p class="alert" role="alert" id="budget-error">{{problem}}</p>{{/problem}}
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        {{#hasBudgets}}
        <table class="list" id="budgets"><thead><tr><th scope="col">For</th><th scope="col">Period</th><th scope="col">Limit</th><th scope="col">Spent</th><th scope="col">Used</th><th scope="col">Overage</th></tr></thead><tbody>
        {{#budgets}}<tr><td>{{scope}}</td><td>{{period}}</td><td>{{limit}}</td><td>{{spent}}</td><td><meter min="0" max="100" value="{{meter}}" aria-label="Share used">{{percent}} %</meter> {{percent}} %</td><td>{{#overage}}allowed{{/overage}}{{^overage}}refused{{/overage}}</td></tr>{{/budgets}}
        </tbody></table>
        {{/hasBudgets}}
        {{^hasBudgets}}<p class="muted">No budget set: spending is not limited.</p>{{/hasBudgets}}
        {{#can.budgetsManage}}
        <form method="post" action="/ui/costs/budget" id="budget-form" class="filters">
          <input type="hidden" name="csrf_token" value="{{csrf}}">
          <label for="budget-team">Team <span class="muted">(empty: the whole org)</span></label><input id="budget-team" name="team">
          <label for="budget-period">Period</label><select id="budget-period" name="period"><option>monthly</option><option>quarterly</option></select>
          <label for="budget-limit">Limit in dollars</label><input id="budget-limit" name="limit" inputmode="decimal" required size="10">
          <label><input type="checkbox" name="allow_overage"> Let steps run past the limit</label>
          <button type="submit" id="set-budget">Set budget</button>
        </form>
        {{/can.budgetsManage}}
        </section>
        {{> bottom}}
        """
}
