/// The search page: results with their matched words marked, or, without words, the person's
/// saved searches, favourites and recent items.
extension ConsoleTemplates {
    static let search = """
        {{> top}}
        <h1>Search</h1>
        <form method="get" action="/ui/search" class="filters" role="search">
          <label for="search-page-q">Words and filters</label>
          <input id="search-page-q" type="search" name="q" value="{{query}}" maxlength="1000" placeholder="invoice timeout status:failed since:7d">
          <button type="submit" class="primary">Search</button>
        </form>
        <p class="muted">Words, "phrases", prefix*, OR, -exclusions; filters type: tag: status: since: team: workflow: (docs/collaboration.md).</p>
        {{#problem}}<p class="alert" role="alert" id="search-error">{{problem}}</p>{{/problem}}
        {{#searched}}
        <section>
        {{#found}}<p id="search-found">Found {{found}}.</p>{{/found}}
        {{^found}}<p class="muted" id="search-nothing">Nothing you may open matches.</p>{{/found}}
        <ul class="timeline" id="search-results">
        {{#hits}}<li class="step" data-kind="{{kind}}" data-id="{{id}}">
          <span class="muted">{{kind}}</span>
          {{#link}}<a href="{{link}}"><strong>{{name}}</strong></a>{{/link}}{{^link}}<strong>{{name}}</strong>{{/link}}
          <span class="status {{status}}">{{status}}</span> <span class="muted">{{when}}</span>
          {{#hasParts}}<p class="snippet">{{#parts}}{{#matched}}<mark>{{text}}</mark>{{/matched}}{{^matched}}{{text}}{{/matched}}{{/parts}}</p>{{/hasParts}}
        </li>{{/hits}}
        </ul>
        {{#next}}<p><a href="{{next}}" id="search-next">More results</a></p>{{/next}}
        <form method="post" action="/ui/search/save" class="filters" id="save-search">
          <input type="hidden" name="csrf_token" value="{{csrf}}">
          <input type="hidden" name="q" value="{{query}}">
          <label for="save-name">Save this search as</label>
          <input id="save-name" name="name" maxlength="64" pattern="[a-z0-9][a-z0-9._\\-]{0,63}" required>
          <button type="submit">Save</button>
        </form>
        </section>
        {{/searched}}
        {{^searched}}
        <section>
        <h2>Saved searches</h2>
        {{#hasSaved}}<ul id="saved-searches">{{#saved}}<li><a href="/ui/search?saved={{name}}">{{name}}</a> <span class="muted">{{query}}</span></li>{{/saved}}</ul>{{/hasSaved}}
        {{^hasSaved}}<p class="muted">None yet: search, then save it under a name.</p>{{/hasSaved}}
        </section>
        <section>
        <h2>Favourites</h2>
        {{#hasFavorites}}<ul id="favorites">{{#favorites}}<li><span class="muted">{{kind}}</span> {{#link}}<a href="{{link}}">{{name}}</a>{{/link}}{{^link}}{{name}}{{/link}} {{#status}}<span class="status {{status}}">{{status}}</span>{{/status}}</li>{{/favorites}}</ul>{{/hasFavorites}}
        {{^hasFavorites}}<p class="muted">None yet: use ☆ Favourite on a workflow's or execution's page.</p>{{/hasFavorites}}
        </section>
        <section>
        <h2>Opened recently</h2>
        {{#hasRecent}}<ul id="recent">{{#recent}}<li><span class="muted">{{kind}}</span> {{#link}}<a href="{{link}}">{{name}}</a>{{/link}}{{^link}}{{name}}{{/link}} <span class="muted">{{when}}</span></li>{{/recent}}</ul>{{/hasRecent}}
        {{^hasRecent}}<p class="muted">Nothing opened yet.</p>{{/hasRecent}}
        </section>
        {{/searched}}
        {{> bottom}}
        """

    /// The star on a workflow's or execution's page.
    static let favoriteButton = """
        {{#favorite}}
        <form method="post" action="/ui/favorites" class="favorite">
          <input type="hidden" name="csrf_token" value="{{csrf}}">
          <input type="hidden" name="kind" value="{{favorite.kind}}">
          <input type="hidden" name="ref" value="{{favorite.ref}}">
          {{#favorite.on}}<button type="submit" name="action" value="remove" id="favorite" aria-pressed="true">★ Favourite</button>{{/favorite.on}}
          {{^favorite.on}}<button type="submit" name="action" value="add" id="favorite" aria-pressed="false">☆ Favourite</button>{{/favorite.on}}
        </form>
        {{/favorite}}
        """
}
