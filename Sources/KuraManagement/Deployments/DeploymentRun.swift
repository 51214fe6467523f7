// kura — a self-hosted encrypted container registry.
// DeploymentRun: one deployment applied — its waves in order, each resource through the plain ARM PUT.

import Foundation
import KuraAPI
import KuraCore
import KuraDirectory
import KuraTemplates

/// Applies a plan as the deploying caller: each wave's resources together, each through
/// ``ManagementAPI`` exactly as a client's PUT (the same rules, the same errors), recording one
/// operation per resource. A registry whose customer-managed key is not usable yet is tried again
/// (bounded) while the rest of the deployment — typically the access policy that lets its
/// identity unwrap — goes on: the seed's template does not order the two.
struct DeploymentRun: Sendable {
    let plan: DeploymentPlan
    let api: ManagementAPI
    let caller: ManagementCaller
    let log: DeploymentLog

    /// How long a step waits, at most, for what a sibling is still doing: a registry for its
    /// customer-managed key to become usable, an access-policy change for a concurrent one.
    static let siblingWait: Duration = .seconds(60)
    /// The refusals that a sibling of the same deployment may still lift.
    static let retried: Set<String> = ["CustomerKeyNotUsable", "Conflict"]
    /// Resources of one wave applied at the same time, at most.
    static let parallelism = 8

    /// Runs the deployment `id`: the end state — `Succeeded`, `Failed` (with the error) or
    /// `Canceled` — and the outputs.
    func run(_ id: ResourceID) async -> (state: String, error: DeploymentErrorDetail?, outputs: JSONValue?) {
        var applied: [String] = []
        for wave in plan.waves {
            var failures: [DeploymentErrorDetail] = []
            for batch in stride(from: 0, to: wave.count, by: Self.parallelism).map({ Array(wave[$0..<min($0 + Self.parallelism, wave.count)]) }) {
                if Task.isCancelled { return ("Canceled", nil, nil) }
                failures += await withTaskGroup(of: DeploymentErrorDetail?.self) { group in
                    for step in batch { group.addTask { await self.apply(step) } }
                    var failures: [DeploymentErrorDetail] = []
                    for await failure in group { if let failure { failures.append(failure) } }
                    return failures
                }
            }
            await log.flush()
            if Task.isCancelled { return ("Canceled", nil, nil) }
            guard failures.isEmpty else { return ("Failed", Self.failed(failures), nil) }
            applied += wave.map(\.id)
        }
        if Task.isCancelled { return ("Canceled", nil, nil) }
        if plan.mode == "Complete", let failure = await removeUnnamed(from: id, keeping: applied) { return ("Failed", Self.failed([failure]), nil) }
        do {
            return ("Succeeded", nil, try await plan.outputs())
        } catch {
            if Task.isCancelled { return ("Canceled", nil, nil) }
            return ("Failed", Self.failed([.of(code: error.code, message: error.message)]), nil)
        }
    }

    static func failed(_ details: [DeploymentErrorDetail]) -> DeploymentErrorDetail {
        .of(code: "DeploymentFailed",
            message: "At least one resource deployment operation failed. Please list deployment operations for details. Please see https://aka.ms/arm-deployment-operations for usage details.",
            details: details)
    }

    /// Applies one resource; nil when it succeeded, else its error (also recorded as its operation).
    func apply(_ step: TemplateStep) async -> DeploymentErrorDetail? {
        let started = ContinuousClock.now
        var delay: Duration = .seconds(1)
        while true {
            let outcome = await attempt(step)
            if case .failure(let error) = outcome, Self.retried.contains(error.code), ContinuousClock.now - started < Self.siblingWait,
               !Task.isCancelled {
                // Backoff while a sibling step runs (production scheduling; canceled with the run).
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(8))
                continue
            }
            switch outcome {
            case .success(let status):
                await log.record(step, state: "Succeeded", status: status, error: nil)
                return nil
            case .failure(let error):
                let detail = DeploymentErrorDetail.of(code: error.code, message: plan.masked(text: error.message))
                await log.record(step, state: "Failed", status: error.status, error: detail)
                return detail
            }
        }
    }

    func attempt(_ step: TemplateStep) async -> Result<Int, ManagementError> {
        do {
            let body = try await step.body(plan.evaluator)
            guard body.fits(within: ManagementAPI.maximumBodyBytes) else {
                throw ManagementError(status: 400, code: "InvalidTemplate",
                                      "The resource '\(step.name)' evaluates to more than \(ManagementAPI.maximumBodyBytes) bytes, more than a client may send for it.")
            }
            let version = step.apiVersion ?? APIVersionPolicy.latest(for: step.type) ?? ""
            // The caller's roles as they are now: one removed while the deployment runs stops it writing.
            let current = ManagementCaller(objectID: caller.objectID, grants: try await api.roleAssignments.access.grants(of: caller.objectID))
            let reply = try await api.handle(ManagementRequest(method: "PUT", path: step.id, query: ["api-version": version], body: body,
                                                               caller: current))
            return .success(reply.status)
        } catch let error as ManagementError {
            return .failure(error)
        } catch let error as TemplateError {
            return .failure(ManagementError(status: 400, code: error.code, error.message))
        } catch {
            return .failure(ManagementError(status: 500, code: "InternalServerError", "The resource could not be applied: \(error)"))
        }
    }

    /// Complete mode: every resource of the group the template does not name is deleted.
    func removeUnnamed(from id: ResourceID, keeping applied: [String]) async -> DeploymentErrorDetail? {
        let kept = Set(applied.map { $0.lowercased() })
        do {
            for record in try await api.store.resources(type: nil, subscription: id.subscription, resourceGroup: id.resourceGroup)
            where !kept.contains(record.id.description.lowercased()) && !DeploymentService.isDeployment(record.id)
                && record.id.type.lowercased() != ResourceGroupService.type.lowercased() {
                let version = APIVersionPolicy.latest(for: record.id.type) ?? ""
                _ = try await api.handle(ManagementRequest(method: "DELETE", path: record.id.description, query: ["api-version": version],
                                                           body: nil, caller: caller))
            }
            return nil
        } catch let error as ManagementError {
            return .of(code: error.code, message: error.message)
        } catch {
            return .of(code: "InternalServerError", message: "\(error)")
        }
    }
}

/// A run's operations, recorded as they finish and written to the deployment after each wave.
actor DeploymentLog {
    let deployment: String
    let environment: ManagementEnvironment
    let write: @Sendable ([DeploymentOperation]) async -> Void
    private(set) var operations: [DeploymentOperation] = []

    init(deployment: String, environment: ManagementEnvironment, write: @escaping @Sendable ([DeploymentOperation]) async -> Void) {
        self.deployment = deployment
        self.environment = environment
        self.write = write
    }

    func record(_ step: TemplateStep, state: String, status: Int, error: DeploymentErrorDetail?) {
        operations.append(.of(deployment: deployment, index: operations.count, state: state, statusCode: Self.statusName(status),
                              timestamp: Timestamp.iso8601(environment.now()), target: (step.id, step.type, step.name), error: error))
    }

    func flush() async { await write(operations) }

    static func statusName(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "NoContent"
        case 400: "BadRequest"
        case 403: "Forbidden"
        case 404: "NotFound"
        case 405: "MethodNotAllowed"
        case 409: "Conflict"
        case 503: "ServiceUnavailable"
        default: "InternalServerError"
        }
    }
}
