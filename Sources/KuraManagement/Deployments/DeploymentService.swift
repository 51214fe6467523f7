// kura — a self-hosted encrypted container registry.
// DeploymentService: Microsoft.Resources/deployments at resource-group scope — PUT, GET, list, validate, whatIf, cancel, delete.

import Foundation
import KuraAPI
public import KuraCore
import KuraDirectory
import KuraTemplates
import Synchronization

/// Template deployments. A PUT is checked and planned at once (`InvalidTemplate` is answered
/// before anything is written), then runs in the background: it answers 201 with
/// `provisioningState: Running` and an `Azure-AsyncOperation` URL az polls. Deployments are ARM
/// documents like any resource (so they survive a restart); one that was running when the server
/// stopped is marked Failed at start-up (``failInterrupted()``).
public final class DeploymentService: Sendable {
    public static let type = "Microsoft.Resources/deployments"
    let store: any ManagementStore
    let environment: ManagementEnvironment
    /// Runs in progress, by lower-cased deployment id.
    let running = Mutex<[String: Run]>([:])

    init(store: any ManagementStore, environment: ManagementEnvironment) {
        self.store = store
        self.environment = environment
    }

    /// A deployment, or something under one (`…/deployments/{name}/operationStatuses/{id}`).
    static func isDeployment(_ id: ResourceID) -> Bool {
        id.namespace?.lowercased() == "microsoft.resources" && id.types.first?.lowercased() == "deployments"
    }

    // MARK: Routing

    func handle(_ request: ManagementRequest, id: ResourceID, action: String?, api: ManagementAPI) async throws -> ManagementReply {
        try APIVersionPolicy.validate(request.apiVersion, for: Self.type)
        try environment.requireSubscription(id.subscription)
        let group = try await api.groups.require(id)
        // `…/deployments/{name}/operationStatuses/{id}` parses as a child resource.
        if id.types.count == 2, id.types[1].lowercased() == "operationstatuses", let deployment = id.parent {
            try request.caller.authorize("\(Self.type)/read", at: deployment)
            return try await status(deployment)
        }
        guard id.types.count == 1 else { throw ManagementError.noRoute(request.path) }
        switch (request.method, action?.lowercased()) {
        case ("GET", nil), ("HEAD", nil):
            try request.caller.authorize("\(Self.type)/read", at: id)
            let served = try Self.served(try await existing(id))
            return request.method == "HEAD" ? ManagementReply(status: 204, body: nil) : .ok(served)
        case ("PUT", nil):
            try request.caller.authorize("\(Self.type)/write", at: id)
            try Self.validate(name: id.name)
            return try await start(id, request, context: context(of: group, api: api, caller: request.caller), api: api)
        case ("DELETE", nil):
            try request.caller.authorize("\(Self.type)/delete", at: id)
            return try await delete(id)
        case ("POST", "validate"):
            try request.caller.authorize("\(Self.type)/validate/action", at: id)
            try Self.validate(name: id.name)
            let plan = try await DeploymentPlan.make(request.body, context: context(of: group, api: api, caller: request.caller))
            try await preflight(plan, api: api)
            return .ok(try document(id, plan: plan, state: "Succeeded", correlation: UUID().uuidString.lowercased()).reshaped(as: Deployment.self))
        case ("POST", "whatif"):
            try request.caller.authorize("\(Self.type)/whatIf/action", at: id)
            try Self.validate(name: id.name)
            return try await whatIf(id, request, context: context(of: group, api: api, caller: request.caller), api: api)
        case ("POST", "cancel"):
            try request.caller.authorize("\(Self.type)/cancel/action", at: id)
            return try await cancel(id)
        case ("GET", "operations"):
            try request.caller.authorize("\(Self.type)/read", at: id)
            let record = try await existing(id)
            return .ok(JSONValue(encoding: ARMList(value: try (record.document["kuraOperations"] ?? []).decoded(as: [DeploymentOperation].self))))
        default:
            throw ManagementError(status: 405, code: "MethodNotAllowed", "\(request.method) is not supported on a deployment\(action.map { "'s \($0)" } ?? "").")
        }
    }

    /// `GET …/providers/Microsoft.Resources/deployments`: the group's deployments.
    func list(_ scope: ResourceID, _ request: ManagementRequest, api: ManagementAPI) async throws -> ManagementReply {
        try APIVersionPolicy.validate(request.apiVersion, for: Self.type)
        _ = try await api.groups.require(scope)
        let records = try await store.resources(type: Self.type, subscription: scope.subscription, resourceGroup: scope.resourceGroup)
        return try api.page(try records.filter { request.caller.canRead($0.id) }.map { try Self.served($0) }, request)
    }

    /// ARM's rule for a deployment's name: 1–64 letters, digits (any script, as .NET's `\w`), `-`,
    /// `_`, `.`, `(` and `)`, not ending in `.`.
    /// - Throws: ``ManagementError`` `InvalidDeployment`, in ARM's words.
    static func validate(name: String) throws {
        guard name.utf16.count <= 64 else {
            throw ManagementError(status: 400, code: "InvalidDeployment",
                                  "The provided deployment name '\(name)' has a length of '\(name.utf16.count)' which exceeds the maximum length of '64'. Please see https://aka.ms/arm-deploy for usage details.")
        }
        // `.`, `..` and a name ending in `.` would be read as a path step by clients; each scalar a
        // letter, digit or one of `-_.()` (no combining marks or joiners hiding in a "character").
        guard !name.isEmpty, !name.hasSuffix("."), name.unicodeScalars.allSatisfy(ResourceGroupService.isNameScalar) else {
            throw ManagementError(status: 400, code: "InvalidDeployment",
                                  "The provided deployment name '\(name)' is not valid: use letters, digits, '-', '_', '.', '(' and ')'. Please see https://aka.ms/arm-deploy for usage details.")
        }
    }

    /// Deployments a resource group keeps, at most (ARM's limit): past it, the oldest finished
    /// ones are deleted as new ones are made, as ARM deletes deployment history.
    static let historyLimit = 800
    /// Deployments running at once in the whole installation, at most: each holds a task and may
    /// wait a minute for a sibling, so a client cannot start them without bound.
    static let runningLimit = 64

    // MARK: Lifecycle

    func start(_ id: ResourceID, _ request: ManagementRequest, context: TemplateContext, api: ManagementAPI) async throws -> ManagementReply {
        let plan = try await DeploymentPlan.make(request.body, context: context)
        try await preflight(plan, api: api)
        // One run per deployment name: the slot is taken before anything is written.
        let slot = UUID()
        let refusal: ManagementError? = running.withLock { runs in
            guard runs[id.key] == nil else {
                return ManagementError(status: 409, code: "DeploymentActive",
                                       "The deployment '\(id.name)' cannot be saved, because this would overwrite an existing deployment which is still active.")
            }
            guard runs.count < Self.runningLimit else {
                return ManagementError(status: 429, code: "TooManyDeployments",
                                       "\(Self.runningLimit) deployments are running in this installation; wait for one to finish, then deploy again.")
            }
            runs[id.key] = Run(slot: slot, task: nil)
            return nil
        }
        if let refusal { throw refusal }
        do {
            return try await launch(id, plan: plan, slot: slot, request, api: api)
        } catch {
            release(id.key, slot: slot)
            throw error
        }
    }

    /// A run in progress: `slot` tells it from a later run of the same name.
    struct Run {
        let slot: UUID
        var task: Task<Void, Never>?
    }

    func release(_ key: String, slot: UUID) {
        running.withLock { runs in
            if runs[key]?.slot == slot { runs[key] = nil }
        }
    }

    func launch(_ id: ResourceID, plan: DeploymentPlan, slot: UUID, _ request: ManagementRequest, api: ManagementAPI) async throws -> ManagementReply {
        let correlation = UUID().uuidString.lowercased()
        let existing = try await store.resource(id: id)
        let record = ResourceRecord(id: existing?.id ?? id, document: document(id, plan: plan, state: "Running", correlation: correlation),
                                    createdAt: existing?.createdAt ?? environment.now(), updatedAt: environment.now())
        let written = if let existing { try await store.replaceResource(record, expected: existing) } else { try await store.insertResource(record) }
        guard written else { throw ManagementError.concurrentWrite(name: id.name) }
        if existing == nil { await pruneHistory(of: id) }
        let log = DeploymentLog(deployment: record.id.description, environment: environment) { operations in
            try? await self.update(record.id) { document in document["kuraOperations"] = JSONValue(encoding: operations) }
        }
        // Everything that can fail is done before the run starts: a launch that throws leaves no run behind.
        var reply = ManagementReply.put(try Self.served(record), created: existing == nil)
        let run = DeploymentRun(plan: plan, api: api, caller: request.caller, log: log)
        let task = Task {
            let started = self.environment.now()
            let (state, error, outputs) = await run.run(record.id)
            // The end is recorded even when the run was canceled (a fresh task is not).
            await Task { await self.settle(record.id) { document in
                document["properties"]?["provisioningState"] = .string(state)
                document["properties"]?["timestamp"] = .string(Timestamp.iso8601(self.environment.now()))
                document["properties"]?["duration"] = .string(Self.duration(milliseconds: self.environment.now() - started))
                document["properties"]?["outputs"] = outputs ?? [:]
                document["properties"]?["outputResources"] = .array(plan.waves.joined().map { ["id": .string($0.id)] })
                document["properties"]?["error"] = error.map { JSONValue(encoding: $0) } ?? .null
            } }.value
            self.release(id.key, slot: slot)
        }
        running.withLock { runs in
            if runs[id.key]?.slot == slot { runs[id.key]?.task = task }
        }
        reply.headers["Azure-AsyncOperation"] = "\(environment.endpoints.main)\(record.id.description)/operationStatuses/\(correlation)?api-version=\(request.apiVersion ?? "2025-04-01")"
        reply.headers["Retry-After"] = "1"
        return reply
    }

    /// Waits for the run of `id` to end (tests; a graceful shutdown).
    public func finished(_ id: ResourceID) async {
        await running.withLock { $0[id.key]?.task }?.value
    }

    func status(_ id: ResourceID) async throws -> ManagementReply {
        let properties = try await existing(id).document["properties"]
        let state = properties?["provisioningState"]?.stringValue ?? "Running"
        let error = try properties?["error"].flatMap { $0.isNull ? nil : try $0.decoded(as: DeploymentErrorDetail.self) }
        var reply = ManagementReply.ok(JSONValue(encoding: DeploymentOperationStatus.of(state == "Accepted" ? "Running" : state, error: error)))
        if state == "Running" { reply.headers["Retry-After"] = "1" }
        return reply
    }

    func cancel(_ id: ResourceID) async throws -> ManagementReply {
        _ = try await existing(id)
        guard let task = running.withLock({ $0[id.key]?.task }) else {
            throw ManagementError(status: 409, code: "DeploymentCannotBeCancelled", "The deployment '\(id.name)' is not running, so it cannot be canceled.")
        }
        task.cancel()
        await task.value
        return .noContent
    }

    /// Cancels every run in resource group `group` and waits for each to stop.
    func cancelRunning(in group: ResourceID) async {
        let prefix = group.key + "/"
        let tasks = running.withLock { runs in runs.filter { $0.key.hasPrefix(prefix) }.compactMap(\.value.task) }
        for task in tasks {
            task.cancel()
            await task.value
        }
    }

    func delete(_ id: ResourceID) async throws -> ManagementReply {
        guard let record = try await store.resource(id: id) else { return .noContent }
        if running.withLock({ $0[id.key] != nil }) {
            throw ManagementError(status: 409, code: "DeploymentActive", "The deployment '\(id.name)' is still running; cancel it first.")
        }
        guard try await store.deleteResource(record) else { throw ManagementError.concurrentWrite(name: id.name) }
        return .noContent
    }

    /// Deletes the oldest finished deployments of `id`'s group past ``historyLimit``. A failure
    /// leaves them for the next deployment to prune.
    func pruneHistory(of id: ResourceID) async {
        guard let records = try? await store.resources(type: Self.type, subscription: id.subscription, resourceGroup: id.resourceGroup),
              records.count > Self.historyLimit else { return }
        let active = running.withLock { Set($0.keys) }
        // Oldest by last write: a name deployed again is as new as its latest run.
        let finished = records.filter { !active.contains($0.id.key) }.sorted { ($0.updatedAt, $0.id.key) < ($1.updatedAt, $1.id.key) }
        for record in finished.prefix(records.count - Self.historyLimit) { _ = try? await store.deleteResource(record) }
    }

    /// Start-up: a deployment that was running when the server stopped is marked Failed, with why.
    public func failInterrupted() async throws {
        for record in try await store.resources(type: Self.type, subscription: environment.subscriptionID, resourceGroup: nil)
        where ["running", "accepted"].contains(record.document["properties"]?["provisioningState"]?.stringValue?.lowercased() ?? "") {
            try await update(record.id) { document in
                document["properties"]?["provisioningState"] = "Failed"
                document["properties"]?["error"] = JSONValue(encoding: DeploymentRun.failed([.of(
                    code: "DeploymentInterrupted",
                    message: "The server stopped while this deployment was running. The resources it applied are kept; deploy the template again to finish.")]))
            }
        }
    }

    func whatIf(_ id: ResourceID, _ request: ManagementRequest, context: TemplateContext, api: ManagementAPI) async throws -> ManagementReply {
        let plan = try await DeploymentPlan.make(request.body, context: context)
        try await preflight(plan, api: api)
        var changes: [(id: String, type: String, after: JSONValue?)] = []
        for step in plan.waves.joined() {
            changes.append((step.id, try await change(step, api: api, caller: request.caller), (try? await step.body(plan.evaluator)).map(plan.masked)))
        }
        if plan.mode == "Complete" {
            let named = Set(plan.waves.joined().map { $0.id.lowercased() })
            for record in try await store.resources(type: nil, subscription: id.subscription, resourceGroup: id.resourceGroup)
            where !named.contains(record.id.description.lowercased()) && !Self.isDeployment(record.id)
                && record.id.type.lowercased() != ResourceGroupService.type.lowercased() {
                changes.append((record.id.description, "Delete", nil))
            }
        }
        return .ok(JSONValue(encoding: WhatIfResult.succeeded(changes)))
    }

    /// What applying `step` would do: `Create` or `Modify` — `NoChange` for a vault key that
    /// exists (a PUT never changes one).
    /// - Throws: what reading the resource fails with, but for its absence.
    func change(_ step: TemplateStep, api: ManagementAPI, caller: ManagementCaller) async throws -> String {
        guard let target = ResourceID(parsing: step.id) else { return "Create" }
        guard step.type.lowercased() == VaultKeyProvider.type.lowercased() else {
            return try await store.resource(id: target) == nil ? "Create" : "Modify"
        }
        do {
            let version = step.apiVersion ?? APIVersionPolicy.latest(for: step.type) ?? ""
            _ = try await api.handle(ManagementRequest(method: "HEAD", path: step.id, query: ["api-version": version], body: nil, caller: caller))
            return "NoChange"
        } catch let error as ManagementError where ["KeyNotFound", "ResourceNotFound"].contains(error.code) {
            return "Create"  // the key, or its vault, is still to be made
        }
    }

    /// Each resource's type rules on what of its body is known now (a Basic registry asking for a
    /// customer-managed key, a key in a vault without purge protection…): refused before anything
    /// is applied, in the type's own error.
    func preflight(_ plan: DeploymentPlan, api: ManagementAPI) async throws {
        let planned = Set(plan.waves.joined().map { $0.id.lowercased() })
        for step in plan.waves.joined() {
            let type = step.type.lowercased()
            guard api.providers[type] != nil || type == "microsoft.authorization/roleassignments" else {
                throw ManagementError(status: 400, code: "InvalidTemplate",
                                      "The resource type '\(step.type)' of '\(step.name)' cannot be deployed here: kura serves \((api.providers.values.map(\.resourceType) + ["Microsoft.Authorization/roleAssignments"]).sorted().joined(separator: ", ")).")
            }
            do {
                guard let id = ResourceID(parsing: step.id) else { continue }
                try await api.providers[type]?.preflight(await step.knownBody(plan.evaluator), id: id, planned: planned)
            } catch let error as ManagementError {
                throw ManagementError(status: error.status, code: error.code, plan.masked(text: error.message))
            }
        }
    }

    // MARK: Documents

    func existing(_ id: ResourceID) async throws -> ResourceRecord {
        guard let record = try await store.resource(id: id) else {
            throw ManagementError(status: 404, code: "DeploymentNotFound", "Deployment '\(id.name)' could not be found.")
        }
        return record
    }

    func document(_ id: ResourceID, plan: DeploymentPlan, state: String, correlation: String) -> JSONValue {
        ["id": .string(id.description), "name": .string(id.name), "type": .string(Self.type),
         "properties": ["provisioningState": .string(state), "mode": .string(plan.mode), "timestamp": .string(Timestamp.iso8601(environment.now())),
                        "duration": "PT0S", "correlationId": .string(correlation), "templateHash": .string(plan.templateHash),
                        "parameters": plan.shownParameters, "outputs": [:], "outputResources": [], "error": .null],
         "kuraOperations": []]
    }

    static func served(_ record: ResourceRecord) throws -> JSONValue { try record.document.reshaped(as: Deployment.self) }

    /// Changes the stored deployment (compare-and-swap, tried again when another write won).
    func update(_ id: ResourceID, _ change: (inout JSONValue) -> Void) async throws {
        for _ in 0..<16 {
            guard let current = try await store.resource(id: id) else { return }
            var changed = current
            change(&changed.document)
            changed.updatedAt = max(environment.now(), current.updatedAt + 1)
            if try await store.replaceResource(changed, expected: current) { return }
        }
        throw ManagementError.concurrentWrite(name: id.name)
    }

    /// Writes a run's end state, trying again (1, 2, 4, 8 s) while the database refuses: a run
    /// whose end is not recorded would read Running until the next start-up.
    func settle(_ id: ResourceID, _ change: (inout JSONValue) -> Void) async {
        for attempt in 0..<5 {
            do {
                try await update(id, change)
                return
            } catch {
                // Backoff while the database refuses (production scheduling, bounded to five tries).
                try? await Task.sleep(for: .seconds(1 << attempt))
            }
        }
    }

    /// ISO 8601 duration of `milliseconds` (`PT1.25S`).
    static func duration(milliseconds: Int64) -> String {
        let clamped = max(0, milliseconds)
        let fraction = String(clamped % 1000)
        return "PT\(clamped / 1000).\(String(repeating: "0", count: 3 - fraction.count) + fraction)S"
    }

    /// Where the template runs: `reference()` reads through the API as the deploying caller.
    func context(of group: ResourceRecord, api: ManagementAPI, caller: ManagementCaller) -> TemplateContext {
        return TemplateContext(subscriptionID: environment.subscriptionID, tenantID: environment.tenantID, resourceGroup: group.id.name,
                               location: group.document["location"]?.stringValue ?? environment.defaultLocation) { target, apiVersion, full throws(TemplateError) in
            guard let targetID = ResourceID(parsing: target) else {
                throw .invalid("The template function 'reference' needs a resource id (use resourceId(…)), not '\(target)'.")
            }
            do {
                let version = apiVersion ?? APIVersionPolicy.latest(for: targetID.type) ?? ""
                let reply = try await api.handle(ManagementRequest(method: "GET", path: targetID.description, query: ["api-version": version],
                                                                   body: nil, caller: caller))
                let body = reply.body ?? [:]
                return full ? body : body["properties"] ?? [:]
            } catch let error as ManagementError {
                throw .invalid("The template function 'reference' could not read '\(target)': \(error.message)")
            } catch {
                throw .invalid("The template function 'reference' could not read '\(target)': \(error)")
            }
        }
    }
}
