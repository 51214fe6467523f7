// kura — a self-hosted encrypted container registry.
// ManagementAPI: ARM's conventions, written once, in front of every resource provider.

import KuraAPI
import Foundation
public import KuraCore
public import KuraDirectory

/// Answers every ARM call under `/subscriptions/…`: checks the api-version, the subscription
/// and resource group, authorizes the caller from its role assignments (Owner/Contributor write,
/// Reader read), and hands the type-specific part to the type's ``ResourceProvider``.
public struct ManagementAPI: Sendable {
    let store: any ManagementStore
    let environment: ManagementEnvironment
    let groups: ResourceGroupService
    let roleAssignments: RoleAssignmentService
    /// Providers by lower-cased type.
    let providers: [String: any ResourceProvider]
    /// Items per page of a list before a `nextLink` is given.
    let pageSize: Int
    /// Largest request body ARM takes (bytes); a deployment's evaluated resource is held to it too.
    public static let maximumBodyBytes = 4 << 20
    /// Template deployments (they apply resources through this API).
    public let deployments: DeploymentService

    public init(store: any ManagementStore, environment: ManagementEnvironment, access: AccessControl, directory: DirectoryService,
                providers: [any ResourceProvider], pageSize: Int = 100) {
        self.store = store
        self.environment = environment
        self.groups = ResourceGroupService(store: store, environment: environment)
        self.roleAssignments = RoleAssignmentService(environment: environment, access: access, directory: directory)
        self.providers = Dictionary(providers.map { ($0.resourceType.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        self.pageSize = pageSize
        self.deployments = DeploymentService(store: store, environment: environment)
    }

    public func handle(_ request: ManagementRequest) async throws -> ManagementReply {
        // Names compare as Unicode text in rules (Swift's `==`) but as bytes in the stores: one
        // spelling (NFC) for both, so `café` written two ways is one resource, under one role.
        let request = request.withPath(request.path.precomposedStringWithCanonicalMapping)
        guard let path = ManagementPath(path: request.path) else { throw ManagementError.noRoute(request.path) }
        switch path {
        case .resourceGroups(let subscription):
            try APIVersionPolicy.validate(request.apiVersion, for: ResourceGroupService.type)
            try environment.requireSubscription(subscription)
            try requireMethod(request, ["GET"])
            let visible = try await groups.list().filter { request.caller.canRead($0.id) }
            return try page(visible.map { try $0.document.reshaped(as: ResourceGroup.self) }, request)
        case .resourceGroup(let id):
            try APIVersionPolicy.validate(request.apiVersion, for: ResourceGroupService.type)
            try environment.requireSubscription(id.subscription)
            return try await resourceGroup(id, request)
        case .genericResources(let scope):
            try APIVersionPolicy.validate(request.apiVersion, for: "Microsoft.Resources/resources")
            try environment.requireSubscription(scope.subscription)
            try requireMethod(request, ["GET"])
            if scope.resourceGroup != nil { _ = try await groups.require(scope) }
            return try await genericList(scope, request)
        case .authorization(let scope, let collection, let name):
            try APIVersionPolicy.validate(request.apiVersion, for: "Microsoft.Authorization/\(collection)")
            try environment.requireSubscription(scope.subscription)
            return try await authorization(scope: scope, collection: collection, name: name, request)
        case .collection(let scope, let namespace, let type) where "\(namespace)/\(type)".lowercased() == DeploymentService.type.lowercased():
            try environment.requireSubscription(scope.subscription)
            try requireMethod(request, ["GET"])
            return try await deployments.list(scope, request, api: self)
        case .resource(let id) where DeploymentService.isDeployment(id):
            return try await deployments.handle(request, id: id, action: nil, api: self)
        case .action(let id, let name) where DeploymentService.isDeployment(id):
            return try await deployments.handle(request, id: id, action: name, api: self)
        case .collection(let scope, let namespace, let type):
            try environment.requireSubscription(scope.subscription)
            if let provider = providers.values.first(where: { $0.listType.lowercased() == "\(namespace)/\(type)".lowercased() }) {
                try APIVersionPolicy.validate(request.apiVersion, for: provider.resourceType)
                try requireMethod(request, ["GET"])
                if scope.resourceGroup != nil { _ = try await groups.require(scope) }
                let records = try await store.resources(type: provider.resourceType, subscription: scope.subscription,
                                                           resourceGroup: scope.resourceGroup)
                var items: [JSONValue] = []
                for record in records where request.caller.canRead(record.id) { items.append(try await served(record, by: provider)) }
                return try page(items, request)
            }
            // A provider-level action: `…/providers/Microsoft.ContainerRegistry/checkNameAvailability`.
            guard let provider = providers.values.first(where: {
                $0.resourceType.lowercased().hasPrefix(namespace.lowercased() + "/") && $0.resourceType.split(separator: "/").count == 2
            }) else {
                throw ManagementError.noRoute(request.path)
            }
            try APIVersionPolicy.validate(request.apiVersion, for: provider.resourceType)
            return try await provider.action(type, on: nil, body: request.body, caller: request.caller)
        case .resource(let id):
            guard let provider = providers[id.type.lowercased()] else { throw ManagementError.noRoute(request.path) }
            try APIVersionPolicy.validate(request.apiVersion, for: provider.resourceType)
            try environment.requireSubscription(id.subscription)
            return try await resource(id, provider: provider, request)
        case .action(let id, let name):
            if request.method == "GET", let children = providers["\(id.type)/\(name)".lowercased()] {
                // A child collection a provider serves without storing it: `…/vaults/{v}/keys`.
                try APIVersionPolicy.validate(request.apiVersion, for: children.resourceType)
                try environment.requireSubscription(id.subscription)
                if let items = try await children.listChildren(of: id, request) { return try page(items, request) }
            }
            guard let provider = providers[id.type.lowercased()] else { throw ManagementError.noRoute(request.path) }
            try APIVersionPolicy.validate(request.apiVersion, for: provider.resourceType)
            try environment.requireSubscription(id.subscription)
            try requireMethod(request, ["POST"])
            let record = try await existing(id, provider: provider)
            try request.caller.authorize("\(provider.resourceType)/\(name)/action", at: record.id)
            return try await provider.action(name, on: record, body: request.body, caller: request.caller)
        }
    }

    // MARK: Resource groups

    func resourceGroup(_ id: ResourceID, _ request: ManagementRequest) async throws -> ManagementReply {
        let action = "Microsoft.Resources/subscriptions/resourceGroups"
        switch request.method {
        case "GET", "HEAD":
            try request.caller.authorize("\(action)/read", at: id)
            let group = try await groups.require(id)
            return request.method == "HEAD" ? ManagementReply(status: 204, body: nil) : try .ok(group.document, as: ResourceGroup.self)
        case "PUT":
            try request.caller.authorize("\(action)/write", at: id)
            let (document, created) = try await groups.put(id, body: try requireBody(request), caller: request.caller)
            return .put(try document.reshaped(as: ResourceGroup.self), created: created)
        case "PATCH":
            try request.caller.authorize("\(action)/write", at: id)
            return try .ok(try await groups.patch(id, body: try requireBody(request), caller: request.caller), as: ResourceGroup.self)
        case "DELETE":
            try request.caller.authorize("\(action)/delete", at: id)
            guard let group = try await store.resource(id: id) else { return .noContent }
            // A deployment still running in the group would write into what is being deleted.
            await deployments.cancelRunning(in: group.id)
            for record in try await groups.contents(of: group.id) {
                try await delete(record, provider: providers[record.id.type.lowercased()])
            }
            try await roleAssignments.deleteAll(within: group.id)
            try await store.deleteResource(id: group.id)
            return ManagementReply(status: 200, body: nil)
        default:
            throw methodNotAllowed(request)
        }
    }

    // MARK: Resources

    func resource(_ id: ResourceID, provider: any ResourceProvider, _ request: ManagementRequest) async throws -> ManagementReply {
        if let reply = try await provider.handle(request, id: id) { return reply }
        switch request.method {
        case "GET", "HEAD":
            try request.caller.authorize("\(provider.resourceType)/read", at: id)
            let record = try await existing(id, provider: provider)
            var reply = request.method == "HEAD" ? ManagementReply(status: 204, body: nil) : .ok(try await served(record, by: provider))
            reply.headers["ETag"] = Self.etag(record)
            return reply
        case "PUT", "PATCH":
            try request.caller.authorize("\(provider.resourceType)/write", at: id)
            let group = try await groups.require(id)
            if request.method == "PUT", provider.namesAreGlobal, try await store.resource(id: id) == nil,
               let taken = try await provider.nameConflict(id.name) {
                throw taken
            }
            let body = try requireBody(request)
            let existing = try await store.resource(id: id)
            if request.method == "PATCH", existing == nil { _ = try await self.existing(id, provider: provider) }
            if let existing { try Self.requireNoOperationInProgress(existing) }
            try Self.checkPreconditions(request, existing: existing)
            let desired = request.method == "PATCH" ? existing!.document.merging(body) : body
            // Every write advances updatedAt, so it names one version for the compare-and-swap below.
            let now = max(environment.now(), (existing?.updatedAt ?? 0) + 1)
            let base = try ResourceDocument.base(id, body: desired, existing: existing,
                                                 defaultLocation: group.document["location"]?.stringValue ?? environment.defaultLocation,
                                                 caller: request.caller, now: now)
            let document = try await provider.prepare(id, body: desired, base: base, existing: existing, caller: request.caller)
            // What is stored must be servable: a document its wire model cannot read fails here, before
            // anything is written, not on every read after.
            _ = try document.reshaped(as: provider.wireModel)
            let record = ResourceRecord(id: existing?.id ?? id, document: document, createdAt: existing?.createdAt ?? now, updatedAt: now)
            // The intent is durable before the plane acts on it: the record says `Creating` or
            // `Updating` until the plane has done its part, so a crash in between leaves a record
            // that start-up completes or rolls back (`recoverInterruptedWrites`), and no other write
            // starts on it meanwhile. Insert-if-absent for a create, compare-and-swap for a change:
            // of two racing writes one wins, and the other changes nothing and is told so.
            let intent = Self.marked(record, existing == nil ? Self.creating : Self.updating)
            let written = if let existing { try await store.replaceResource(intent, expected: existing) }
                          else { try await store.insertResource(intent) }
            guard written else { throw ManagementError.concurrentWrite(name: id.name) }
            FaultInjection.crashPoint("management.intent-stored", subject: id.name)
            let stored: ResourceRecord
            do {
                // A globally unique name was checked before the insert: if a create of the same name
                // in another group raced this one, both may have passed the check, so each looks again
                // now that its own record is in; the earliest record (by creation, then id) goes on,
                // every other backs off.
                if existing == nil, provider.namesAreGlobal,
                   try await store.resources(type: provider.resourceType, named: id.name).contains(where: {
                       $0.id.key != intent.id.key && ($0.createdAt, $0.id.key) < (intent.createdAt, intent.id.key)
                   }) {
                    throw try await provider.nameConflict(id.name) ?? ManagementError.concurrentWrite(name: id.name)
                }
                let replacement = try await provider.didStore(record, existing: existing)
                FaultInjection.crashPoint("management.plane-done", subject: id.name)
                stored = ResourceRecord(id: record.id, document: replacement ?? record.document, createdAt: record.createdAt, updatedAt: now + 1)
                guard try await store.replaceResource(stored, expected: intent) else { throw ManagementError.concurrentWrite(name: id.name) }
            } catch {
                // A new resource whose plane could not take it is not left behind; a change is undone.
                if let existing {
                    _ = try? await store.replaceResource(ResourceRecord(id: existing.id, document: existing.document,
                                                                           createdAt: existing.createdAt, updatedAt: now + 1),
                                                            expected: intent)
                } else {
                    _ = try? await store.deleteResource(intent)
                }
                throw error
            }
            let answer = try await served(stored, by: provider)
            var reply = request.method == "PATCH" ? .ok(answer) : ManagementReply.put(answer, created: existing == nil)
            reply.headers["ETag"] = Self.etag(stored)
            return reply
        case "DELETE":
            try request.caller.authorize("\(provider.resourceType)/delete", at: id)
            if id.resourceGroup != nil { _ = try await groups.require(id) }
            guard let record = try await store.resource(id: id) else { return .noContent }
            try Self.requireNoOperationInProgress(record)
            try await delete(record, provider: provider)
            return ManagementReply(status: 200, body: nil)
        default:
            throw methodNotAllowed(request)
        }
    }

    // MARK: Operations in progress

    public static let creating = "Creating"
    static let updating = "Updating"

    /// `record` with `properties.provisioningState` set to `state`, for documents that carry one.
    static func marked(_ record: ResourceRecord, _ state: String) -> ResourceRecord {
        guard record.document["properties"]?["provisioningState"] != nil else { return record }
        var marked = record
        marked.document["properties"]?["provisioningState"] = .string(state)
        return marked
    }

    /// Whether a create or update of the resource has not finished (its record says `Creating`/`Updating`).
    public static func isInProgress(_ record: ResourceRecord) -> Bool {
        [creating, updating].contains(record.document["properties"]?["provisioningState"]?.stringValue ?? "")
    }

    /// - Throws: `AnotherOperationInProgress` (409) while a create or update of the resource has
    ///   not finished, as ARM answers.
    static func requireNoOperationInProgress(_ record: ResourceRecord) throws {
        guard isInProgress(record) else { return }
        throw ManagementError(status: 409, code: "AnotherOperationInProgress",
                              "Another operation on '\(record.id.name)' is in progress (provisioningState \(record.document["properties"]?["provisioningState"]?.stringValue ?? "")); retry when it has finished.")
    }

    /// Finishes what a crash interrupted: a create is rolled back (its client never got an answer,
    /// and the plane may hold half of it: the provider's `willDelete` removes what there is); an
    /// update is applied to the plane again (providers apply a document idempotently) and marked
    /// `Succeeded`, or `Failed` if the plane now refuses it.
    /// - Parameter cutoff: only records last written before this (Unix ms) — this process's start.
    ///   One process per database is assumed: with several (cluster mode), another node's operation
    ///   in flight would be taken for an interrupted one.
    /// - Returns: each resource it rolled back or completed, with the error if that failed (start-up
    ///   goes on; the record stays as it was for the next start).
    public func recoverInterruptedWrites(writtenBefore cutoff: Int64) async throws -> [(id: ResourceID, error: (any Error)?)] {
        var recovered: [(id: ResourceID, error: (any Error)?)] = []
        for record in try await store.resources(type: nil, subscription: environment.subscriptionID, resourceGroup: nil)
        where Self.isInProgress(record) && record.updatedAt < cutoff {
            do {
                try await recover(record)
                recovered.append((record.id, nil))
            } catch {
                recovered.append((record.id, error))
            }
        }
        return recovered
    }

    private func recover(_ record: ResourceRecord) async throws {
        let provider = providers[record.id.type.lowercased()]
        if record.document["properties"]?["provisioningState"]?.stringValue == Self.creating {
            try await delete(record, provider: provider)
            return
        }
        var finished = Self.marked(record, "Succeeded")
        do {
            if let replacement = try await provider?.didStore(finished, existing: finished) { finished.document = replacement }
        } catch {
            finished = Self.marked(record, "Failed")
        }
        finished.updatedAt = max(environment.now(), record.updatedAt + 1)
        _ = try await store.replaceResource(finished, expected: record)
    }

    /// The resource version's ETag (quoted, as ARM sends it): its creation and its last change,
    /// so a resource deleted and made again never matches an old ETag.
    static func etag(_ record: ResourceRecord) -> String {
        "\"\(String(record.createdAt, radix: 16))-\(String(record.updatedAt, radix: 16))\""
    }

    /// `If-Match` / `If-None-Match` as ARM honours them on PUT and PATCH.
    /// - Throws: `PreconditionFailed` (412) when the stored version does not satisfy them.
    static func checkPreconditions(_ request: ManagementRequest, existing: ResourceRecord?) throws {
        if let ifNoneMatch = request.ifNoneMatch?.trimmingCharacters(in: .whitespaces), !ifNoneMatch.isEmpty {
            if let existing, ifNoneMatch == "*" || ifNoneMatch.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) })
                .contains(etag(existing)) {
                throw ManagementError.preconditionFailed("The resource already exists and the request carried If-None-Match: \(ifNoneMatch).")
            }
        }
        if let ifMatch = request.ifMatch?.trimmingCharacters(in: .whitespaces), !ifMatch.isEmpty {
            guard let existing else {
                throw ManagementError.preconditionFailed("The resource does not exist and the request carried If-Match: \(ifMatch).")
            }
            let tags = ifMatch.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard tags.contains("*") || tags.contains(etag(existing)) else {
                throw ManagementError.preconditionFailed("The resource's ETag is \(etag(existing)), not \(ifMatch).")
            }
        }
    }

    /// Deletes one resource: its provider's part first, then its assignments and record.
    func delete(_ record: ResourceRecord, provider: (any ResourceProvider)?) async throws {
        try await provider?.willDelete(record)
        try await roleAssignments.deleteAll(within: record.id)
        try await store.deleteResource(id: record.id)
    }

    /// The stored resource `id`, after its group.
    /// - Throws: `ResourceGroupNotFound`, then `ResourceNotFound`.
    func existing(_ id: ResourceID, provider: any ResourceProvider) async throws -> ResourceRecord {
        if id.resourceGroup != nil { _ = try await groups.require(id) }
        guard let record = try await store.resource(id: id) else {
            throw ManagementError.resourceNotFound(type: provider.resourceType, name: id.name, group: id.resourceGroup)
        }
        return record
    }

    /// `GET /subscriptions/{s}[/resourceGroups/{rg}]/resources[?$filter=resourceType eq '…']`.
    func genericList(_ scope: ResourceID, _ request: ManagementRequest) async throws -> ManagementReply {
        let filter = try ODataFilter(request.query["$filter"])
        let type = filter.value(of: "resourceType")
        let records = try await store.resources(type: type, subscription: scope.subscription, resourceGroup: scope.resourceGroup)
        let items = try records.filter {
            $0.id.type.lowercased() != ResourceGroupService.type.lowercased() && !DeploymentService.isDeployment($0.id) && request.caller.canRead($0.id)
        }
            .map { record -> JSONValue in
                var item: JSONValue = ["id": .string(record.id.description), "name": .string(record.id.name), "type": .string(record.id.type)]
                for key in ["location", "tags", "sku", "identity", "kind", "systemData"] { item[key] = record.document[key] }
                return try item.reshaped(as: GenericResource.self)
            }
        return try page(items, request)
    }

    // MARK: Authorization

    func authorization(scope: ResourceID, collection: String, name: String?, _ request: ManagementRequest) async throws -> ManagementReply {
        try await requireScopeExists(scope)
        switch (collection.lowercased(), name, request.method) {
        case ("roleassignments", nil, "GET"):
            try request.caller.authorize("Microsoft.Authorization/roleAssignments/read", at: scope)
            let filter = try ODataFilter(request.query["$filter"])
            return try page(try await roleAssignments.list(scope: scope, filter: filter).map {
                try roleAssignments.document($0).reshaped(as: RoleAssignment.self)
            }, request)
        case ("roleassignments", let name?, "GET"):
            try request.caller.authorize("Microsoft.Authorization/roleAssignments/read", at: scope)
            return try .ok(roleAssignments.document(try await roleAssignments.get(scope: scope, name: name)), as: RoleAssignment.self)
        case ("roleassignments", let name?, "PUT"):
            try request.caller.authorize("Microsoft.Authorization/roleAssignments/write", at: scope)
            let (document, created) = try await roleAssignments.put(scope: scope, name: name, body: try requireBody(request),
                                                                    caller: request.caller)
            return .put(try document.reshaped(as: RoleAssignment.self), created: created)
        case ("roleassignments", let name?, "DELETE"):
            try request.caller.authorize("Microsoft.Authorization/roleAssignments/delete", at: scope)
            guard let removed = try await roleAssignments.delete(scope: scope, name: name) else { return .noContent }
            return try .ok(roleAssignments.document(removed), as: RoleAssignment.self)
        case ("roledefinitions", nil, "GET"):
            let filter = try ODataFilter(request.query["$filter"])
            return try page(roleAssignments.definitions(filter: filter).map {
                try $0.document(subscription: environment.subscriptionID).reshaped(as: RoleDefinitionResource.self)
            }, request)
        case ("roledefinitions", let name?, "GET"):
            guard let definition = RoleDefinition.builtIn(id: name) else {
                throw ManagementError(status: 404, code: "RoleDefinitionDoesNotExist", "The role definition '\(name)' does not exist.")
            }
            return try .ok(definition.document(subscription: environment.subscriptionID), as: RoleDefinitionResource.self)
        case ("roleassignments", _, _), ("roledefinitions", _, _):
            throw methodNotAllowed(request)
        default:
            throw ManagementError.noRoute(request.path)
        }
    }

    /// A scope names a resource group or resource that must exist (the subscription always does).
    func requireScopeExists(_ scope: ResourceID) async throws {
        guard scope.resourceGroup != nil else { return }
        _ = try await groups.require(scope)
        if scope.namespace != nil, try await store.resource(id: scope) == nil {
            throw ManagementError.resourceNotFound(type: scope.type, name: scope.name, group: scope.resourceGroup)
        }
    }

    // MARK: Plumbing

    /// A resource as the API answers it: rendered by its provider, shaped by its wire model.
    func served(_ record: ResourceRecord, by provider: any ResourceProvider) async throws -> JSONValue {
        try await provider.render(record).reshaped(as: provider.wireModel)
    }

    /// One page of `items`, with a `nextLink` carrying `$skiptoken` when more remain.
    func page(_ items: [JSONValue], _ request: ManagementRequest) throws -> ManagementReply {
        let start = Int(request.query["$skiptoken"] ?? "0") ?? 0
        guard start >= 0, start <= items.count else {
            throw ManagementError(status: 400, code: "InvalidSkipToken", "The $skiptoken '\(request.query["$skiptoken"] ?? "")' is not valid.")
        }
        let end = min(items.count, start + pageSize)
        var body: JSONValue = ["value": .array(Array(items[start..<end]))]
        if end < items.count {
            var query = request.query
            query["$skiptoken"] = String(end)
            let text = query.sorted { $0.key < $1.key }.map { "\(Self.escape($0.key))=\(Self.escape($0.value))" }.joined(separator: "&")
            let path = request.path.split(separator: "/", omittingEmptySubsequences: false).map { Self.escapePathSegment(String($0)) }
            body["nextLink"] = .string("\(environment.endpoints.main)\(path.joined(separator: "/"))?\(text)")
        }
        return .ok(body)
    }

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: queryCharacters) ?? text
    }

    /// A path segment as a URL carries it (a name such as `日本` or `grp(1)` written once, encoded).
    static func escapePathSegment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: pathSegmentCharacters) ?? text
    }

    static let asciiAlphanumerics = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    static let queryCharacters = CharacterSet(charactersIn: asciiAlphanumerics + "-._~$")
    static let pathSegmentCharacters = CharacterSet(charactersIn: asciiAlphanumerics + "-._~()")

    func requireBody(_ request: ManagementRequest) throws -> JSONValue {
        guard let body = request.body, body.objectValue != nil else {
            throw ManagementError.invalidRequestContent("The request content was invalid and could not be deserialized: a JSON object is required.")
        }
        return body
    }

    func requireMethod(_ request: ManagementRequest, _ allowed: Set<String>) throws {
        guard allowed.contains(request.method) else { throw methodNotAllowed(request) }
    }

    func methodNotAllowed(_ request: ManagementRequest) -> ManagementError {
        ManagementError(status: 405, code: "MethodNotAllowed", "The requested resource does not support http method '\(request.method)'.")
    }
}
