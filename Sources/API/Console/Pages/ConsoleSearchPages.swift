import Core
import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// Search from the top bar (`GET /api/v1/search`), saved searches, favourites and recent items
/// (docs/collaboration.md). Without words, the page lists the person's saved searches,
/// favourites and what they opened last.
enum ConsoleSearchPages {
    static func show(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        // A browser's GET form writes a space as `+`: read the query as a form (FormEncoding).
        let parameters = FormEncoding.fields(request.uri.query ?? "")
        var text = parameters["q"] ?? ""
        if let saved = parameters["saved"] {
            let caller = try requireCaller(context)
            text = try await services.collaboration.lists.savedSearch(saved, in: caller.scope, owner: caller.owner).query
        }
        let offset = min(max(0, parameters["offset"].flatMap { Int($0) } ?? 0), SearchIndex.candidates)
        return try await page(text, offset: offset, context, services, problem: nil, status: .ok)
    }

    /// Keeps the search on the page under a name, then runs it by that name.
    static func save(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        let form = try await ConsoleForm.read(request, limits: services.collaboration.limits)
        let caller = try requireCaller(context)
        let text = form["q"] ?? "", name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
        guard name.wholeMatch(of: /[a-z0-9][a-z0-9._-]{0,63}/) != nil else {
            return try await page(text, offset: 0, context, services, problem: "A name is 1 to 64 of a-z, 0-9, '.', '_' and '-'.",
                                  status: .unprocessableContent)
        }
        do {
            _ = try SearchQuery.parse(text, now: services.clock.now())
            _ = try await services.collaboration.lists.save(name, query: text, in: caller.scope, owner: caller.owner,
                                                            context: context.change(services.clock))
        } catch let problem as SearchQuery.Problem {
            return try await page(text, offset: 0, context, services, problem: problem.description, status: .unprocessableContent)
        } catch {
            let (problem, status) = try ConsoleForm.refusal(error, shown: [409, 422])
            return try await page(text, offset: 0, context, services, problem: problem, status: status)
        }
        return HTMLResponse.redirect("/ui/search?saved=\(name)")
    }

    /// Adds or removes a favourite from a workflow's or execution's page, then goes back to it.
    static func favorite(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        let form = try await ConsoleForm.read(request, limits: services.collaboration.limits)
        let caller = try requireCaller(context)
        guard let kind = form["kind"].flatMap(SearchQuery.Kind.init(rawValue:)), FavoriteRoutes.kinds.contains(kind),
              let reference = form["ref"], !reference.isEmpty else {
            throw APIError.invalidParameter(name: "kind", "is workflow, agent or execution, with ref its name or ID")
        }
        let lists = services.collaboration.lists, change = try context.change(services.clock)
        if form["action"] == "remove" {
            try await lists.unfavorite(kind, reference, in: caller.scope, owner: caller.owner, context: change)
        } else {
            _ = try await lists.favorite(kind, reference, in: caller.scope, owner: caller.owner, context: change)
        }
        return HTMLResponse.redirect(kind == .execution ? "/ui/executions/\(reference)" : "/ui/workflows/\(reference)")
    }

    static func page(_ text: String, offset: Int, _ context: AgentRequestContext, _ services: ConsoleServices, problem: String?,
                     status: HTTPResponse.Status) async throws -> Response {
        let caller = try requireCaller(context)
        let lists = services.collaboration.lists
        var data = await ConsoleFrame.data(context, services, title: text.isEmpty ? "Search" : "Search: \(text)")
        data["query"] = text
        data["problem"] = problem
        if text.isEmpty {
            let saved = try await lists.savedSearches(in: caller.scope, owner: caller.owner)
            let favorites = try await lists.favorites(in: caller.scope, owner: caller.owner)
            let recent = try await lists.recent(in: caller.scope, owner: caller.owner)
            data["saved"] = saved.map { ["name": $0.name, "query": $0.query] }
            data["favorites"] = favorites.map(item)
            data["recent"] = recent.map(item)
            data["hasSaved"] = !saved.isEmpty
            data["hasFavorites"] = !favorites.isEmpty
            data["hasRecent"] = !recent.isEmpty
            return HTMLResponse.page(ConsoleView.render("search", data), status: status)
        }
        let query: SearchQuery
        do {
            query = try SearchQuery.parse(text, now: services.clock.now())
        } catch {
            data["problem"] = error.description
            return HTMLResponse.page(ConsoleView.render("search", data), status: .unprocessableContent)
        }
        let results = try await services.collaboration.search.search(query, in: caller.scope, offset: offset, limit: 20)
        data["searched"] = true
        data["hits"] = results.hits.map { hit -> [String: Any] in
            [
                "kind": hit.kind.rawValue, "name": hit.name, "id": hit.id, "status": hit.status, "when": ConsoleView.time(hit.at),
                "link": hit.kind == .execution ? "/ui/executions/\(hit.id)" : hit.kind == .workflow ? "/ui/workflows/\(hit.name)" : "",
                "parts": SnippetParts.split(hit.snippet ?? "").map { ["text": $0.text, "matched": $0.matched] },
                "hasParts": hit.snippet?.isEmpty == false,
            ]
        }
        data["found"] = SearchQuery.Kind.allCases.compactMap { kind -> String? in
            guard let count = results.counts[kind], count > 0 else { return nil }
            return "\(count)\(results.truncated.contains(kind) ? "+" : "") \(kind.rawValue)\(count == 1 ? "" : "s")"
        }.joined(separator: ", ")
        if let next = results.nextOffset {
            data["next"] = "/ui/search?" + ConsoleQuery.string([("q", text), ("offset", String(next))])
        }
        return HTMLResponse.page(ConsoleView.render("search", data), status: status)
    }

    static func item(_ item: ListedItem) -> [String: Any] {
        ["kind": item.kind.rawValue, "name": item.name, "id": item.id, "status": item.status as Any, "when": ConsoleView.time(item.at),
         "link": item.kind == .execution ? "/ui/executions/\(item.id)" : item.kind == .workflow ? "/ui/workflows/\(item.name)" : ""]
    }

    /// Whether the signed-in person keeps `id` among their favourites (for the star on its page).
    static func isFavorite(_ id: String, _ context: AgentRequestContext, _ services: ConsoleServices) async -> Bool {
        guard let caller = context.caller else { return false }
        return (try? await services.collaboration.lists.favorites(in: caller.scope, owner: caller.owner).contains { $0.id == id }) ?? false
    }
}
