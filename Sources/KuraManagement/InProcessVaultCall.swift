// kura — a self-hosted encrypted container registry.
// InProcessVaultCall: a Key Vault operation this process makes for a principal, audited as over HTTPS.

public import KuraAPI
import Foundation
import KuraCore
public import KuraDirectory
public import KuraKeyVault

/// One Key Vault operation made in process for `principal` — a registry's identity wrapping its
/// data key, ARM creating or reading a key, a portal user working with keys — through ``KeyVaultService`` and audited as the Key
/// Vault plane audits a request: a change writes its entry in its own transaction, anything else
/// (a refusal included) appends one afterwards.
public struct InProcessVaultCall: Sendable {
    let service: KeyVaultService
    let audit: AuditLog
    let access: AccessControl
    let directory: DirectoryService

    public init(service: KeyVaultService, audit: AuditLog, access: AccessControl, directory: DirectoryService) {
        self.service = service
        self.audit = audit
        self.access = access
        self.directory = directory
    }

    /// Runs `route` in `vault` as `principal` (an object id), recorded as coming from `address`.
    /// - Throws: ``KeyVaultError`` (503 `ServiceUnavailable` when the audit entry cannot be
    ///   written: an operation is never reported done without its entry), or the store's error.
    public func perform(_ route: KeyVaultRoute, body: JSONValue?, query: [String: String] = [:], vault: VaultContext, principal: String, address: String,
                 authorization: KeyVaultService.Authorization) async throws -> KeyVaultService.Reply {
        let started = audit.clock.now()
        // A directory that cannot be read leaves the app id unknown; the call then fails on the
        // grants below, and is audited like any refusal.
        let appID = ((try? await directory.principal(objectID: principal)) ?? nil)?.appID ?? "-"
        let event = AuditLog.Event(vault: vault.name, callerObjectID: principal, callerAppID: appID, clientAddress: address,
                                   operation: route.auditName, keyName: route.keyName, keyVersion: nil, resultCode: 0, durationMilliseconds: 0)
        var audited = vault
        audited.audit = audit.begin(event, started: started)
        let outcome: Result<KeyVaultService.Reply, any Error>
        do {
            let caller = VaultCaller(objectID: principal, appID: appID, address: address, grants: try await access.grants(of: principal))
            outcome = .success(try await service.handle(route, body: body, query: query, vault: audited, caller: caller,
                                                        authorization: authorization))
        } catch {
            outcome = .failure(error)
        }
        if case .success(let reply) = outcome, reply.audited { return reply }
        var finished = event
        switch outcome {
        case .success(let reply):
            finished.resultCode = reply.status
            finished.keyVersion = reply.keyVersion
        case .failure(let error):
            finished.resultCode = (error as? KeyVaultError)?.status ?? 500
        }
        finished.durationMilliseconds = Int64(audit.clock.now().timeIntervalSince(started) * 1000)
        do {
            _ = try await audit.append(finished)
        } catch {
            throw KeyVaultError(status: 503, code: "ServiceUnavailable", "The vault's audit log could not be written; retry the operation.")
        }
        return try outcome.get()
    }
}
